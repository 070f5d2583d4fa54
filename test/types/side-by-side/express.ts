// One TypeScript program with express-session and sessile's Express middleware, as during a switch:
// legacy routes keep `req.session` (express-session's), new code uses `req.sessile` (sessile's).
import express from "express";
import session from "express-session";
import { expectTypeOf } from "vitest";
import { sessions } from "../../../src/adapters/express-bare.js";
import { createSessions, memoryStore, type Session } from "../../../src/index.js";

interface AppData {
  views?: number;
}

declare module "express-session" {
  interface SessionData {
    views: number;
  }
}
declare global {
  namespace Express {
    interface Request {
      /** sessile's session, under the name given to the middleware. */
      sessile: Session<AppData>;
    }
  }
}

const factory = createSessions<AppData>({ store: memoryStore(), secret: "x".repeat(32) });
const app = express();
app.use(session({ secret: "legacy secret", resave: false, saveUninitialized: false }));
app.use(sessions(factory, { name: "sessile" }));
app.get("/", (req, res) => {
  req.session.views = (req.session.views ?? 0) + 1;
  req.session.regenerate(() => {});
  expectTypeOf(req.session).toEqualTypeOf<session.Session & Partial<session.SessionData>>();
  req.sessile.data.views = req.session.views;
  req.sessile.regenerate();
  // @ts-expect-error sessile's data has the app's type: AppData has no `nope`
  req.sessile.data.nope = 1;
  expectTypeOf(req.sessile).toEqualTypeOf<Session<AppData>>();
  res.send("ok");
});
