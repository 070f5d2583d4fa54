import type { Server } from "node:http";
import { createAdaptorServer } from "@hono/node-server";
import { type Context, Hono } from "hono";
import { except } from "hono/combine";
import { stream } from "hono/streaming";
import { type SessionVariables, sessions } from "../../src/adapters/hono.js";
import type { SessionData } from "../../src/index.js";
import type { MakeApp } from "./fixture.js";
import { listen } from "./listen.js";
import { ROUTES } from "./routes.js";

type Env = { Variables: SessionVariables & SessionVariables<SessionData, "admin"> };

/** The spec app on Hono 4 over @hono/node-server. */
export const honoSpecApp: MakeApp = async (factories) => {
  const app = new Hono<Env>();
  app.onError((_error, c) => c.text("Internal Server Error", 500));
  const isHttps = (c: Context) => c.req.header("x-forwarded-proto") === "https";
  app.use(
    except(
      "/health",
      sessions(factories.session, { isHttps }),
      sessions(factories.admin, { name: "admin", isHttps }),
    ),
  );
  app.get("/health", (c) => c.text("ok"));
  for (const [path, route] of Object.entries(ROUTES)) {
    app.on(["GET", "POST"], path, async (c) => {
      const query = new URL(c.req.url).searchParams;
      const outcome = await route({
        session: c.get("session"),
        admin: c.get("admin"),
        query,
        method: c.req.method,
      });
      if (outcome.type === "json") return c.json(outcome.body, outcome.status as 200, outcome.headers);
      if (outcome.type === "redirect") return c.redirect(outcome.location, 302);
      if (outcome.type === "stream") {
        c.header("Content-Type", "text/plain");
        return stream(c, async (out) => {
          for (const chunk of outcome.chunks) await out.write(chunk);
        });
      }
      return c.body(null, 204);
    });
  }
  return listen(createAdaptorServer({ fetch: app.fetch }) as Server);
};
