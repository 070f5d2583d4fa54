import { createServer } from "node:http";
import { Readable } from "node:stream";
import express, { type Response } from "express";
import { sessions } from "../../src/adapters/express.js";
import type { Session } from "../../src/index.js";
import { registerBehaviourSpec } from "./behaviour.js";
import { listen } from "./listen.js";
import { type Outcome, ROUTES } from "./routes.js";

function answer(res: Response, outcome: Outcome): void {
  if (outcome.type === "json") res.status(outcome.status).set(outcome.headers).json(outcome.body);
  else if (outcome.type === "redirect") res.redirect(302, outcome.location);
  else if (outcome.type === "stream") Readable.from(outcome.chunks).pipe(res.type("text/plain"));
  else res.status(204).end();
}

registerBehaviourSpec(
  "express",
  async (factories) => {
    const app = express();
    app.set("trust proxy", "loopback");
    app.get("/health", (_req, res) => {
      res.send("ok");
    });
    app.use(sessions(factories.session));
    app.use(sessions(factories.admin, { name: "admin" }));
    for (const [path, route] of Object.entries(ROUTES)) {
      app.all(path, async (req, res) => {
        const admin = (req as unknown as { admin: Session }).admin;
        const query = new URL(req.originalUrl, "http://localhost").searchParams;
        answer(res, await route({ session: req.session, admin, query, method: req.method }));
      });
    }
    return listen(createServer(app));
  },
  { client: "node-redis" },
);
