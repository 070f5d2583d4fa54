// One TypeScript program with @fastify/session and sessile's Fastify plugin, as during a switch.
import fastifyCookie from "@fastify/cookie";
import fastifySession, { type FastifySessionObject } from "@fastify/session";
import Fastify from "fastify";
import { expectTypeOf } from "vitest";
import { sessions } from "../../../src/adapters/fastify-bare.js";
import { createSessions, memoryStore, type Session as SessileSession } from "../../../src/index.js";

interface AppData {
  views?: number;
}

// Inside this block `Session` is @fastify/session's own interface (its data), hence the alias above.
declare module "fastify" {
  interface Session {
    views?: number;
  }
  interface FastifyRequest {
    /** sessile's session, under the name given to the plugin. */
    sessile: SessileSession<AppData>;
  }
}

const factory = createSessions<AppData>({ store: memoryStore(), secret: "x".repeat(32) });
const app = Fastify();
await app.register(fastifyCookie);
await app.register(fastifySession, {
  secret: "a legacy secret of 32 characters!",
  cookie: { secure: false },
});
await app.register(sessions, { factory, name: "sessile" });
app.get("/", async (request) => {
  request.session.set("views", 1);
  expectTypeOf(request.session).toEqualTypeOf<FastifySessionObject>();
  request.sessile.data.views = request.session.get("views") ?? 0;
  expectTypeOf(request.sessile).toEqualTypeOf<SessileSession<AppData>>();
  return "ok";
});
