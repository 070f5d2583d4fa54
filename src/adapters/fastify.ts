import type { Session } from "../core/session.js";

declare module "fastify" {
  interface FastifyRequest {
    /** The session of the default `sessile/fastify` registration (`name: "session"`). */
    session: Session;
  }
}

// `sessile/fastify` is the plugin plus the `request.session` declaration; `sessile/fastify/bare` is the
// plugin alone, for a program that also loads @fastify/session (whose declaration would clash).
export { type FastifySessionsOptions, sessions } from "./fastify-bare.js";
