import type { Session } from "../core/session.js";

declare module "koa" {
  interface DefaultContext {
    /** The session of the default `sessile/koa` middleware (`name: "session"`). */
    session: Session;
  }
}

// `sessile/koa` is the middleware plus the `ctx.session` declaration; `sessile/koa/bare` is the
// middleware alone, for a program whose other code still uses koa-session's `ctx.session`.
export { type KoaSessionsOptions, sessions } from "./koa-bare.js";
