import { createServer } from "node:http";
import { Readable } from "node:stream";
import type express from "express";
import type { Response } from "express";
import { sessions } from "../../src/adapters/express.js";
import type { Session } from "../../src/index.js";
import type { MakeApp } from "./fixture.js";
import { listen } from "./listen.js";
import { type Outcome, ROUTES } from "./routes.js";

function answer(res: Response, outcome: Outcome): void {
  if (outcome.type === "json") res.status(outcome.status).set(outcome.headers).json(outcome.body);
  else if (outcome.type === "redirect") res.redirect(302, outcome.location);
  else if (outcome.type === "stream") Readable.from(outcome.chunks).pipe(res.type("text/plain"));
  else res.status(204).end();
}

/** The spec app on `express` (any major with the v5 API surface the spec uses: 4 and 5). */
export function expressSpecApp(createApp: typeof express): MakeApp {
  return async (factories) => {
    const app = createApp();
    app.set("trust proxy", "loopback");
    app.get("/health", (_req, res) => {
      res.send("ok");
    });
    app.use(sessions(factories.session));
    app.use(sessions(factories.admin, { name: "admin" }));
    for (const [path, route] of Object.entries(ROUTES)) {
      // Errors go to next() explicitly: Express 4 does not catch a rejected async handler (5 does).
      app.all(path, (req, res, next) => {
        const admin = (req as unknown as { admin: Session }).admin;
        const query = new URL(req.originalUrl, "http://localhost").searchParams;
        Promise.resolve()
          .then(() => route({ session: req.session, admin, query, method: req.method }))
          .then((outcome) => answer(res, outcome), next);
      });
    }
    return listen(createServer(app));
  };
}
