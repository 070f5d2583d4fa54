import type { Session } from "../core/session.js";

declare global {
  namespace Express {
    interface Request {
      /** The session of the default `sessile/express` middleware (`name: "session"`). */
      session: Session;
    }
  }
}

// `sessile/express` is the middleware plus the `req.session` declaration; `sessile/express/bare` is the
// middleware alone, for a program that also loads express-session (whose declaration of `req.session`
// would clash with this one).
export { type ExpressSessionsMiddleware, type ExpressSessionsOptions, sessions } from "./express-bare.js";
