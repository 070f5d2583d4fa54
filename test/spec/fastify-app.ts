import { Readable } from "node:stream";
import Fastify, { type FastifyPluginAsync, type FastifyReply } from "fastify";
import { sessions } from "../../src/adapters/fastify.js";
import type { Session } from "../../src/index.js";
import type { MakeApp } from "./fixture.js";
import { type Outcome, ROUTES } from "./routes.js";

function answer(reply: FastifyReply, outcome: Outcome): FastifyReply {
  if (outcome.type === "json") return reply.code(outcome.status).headers(outcome.headers).send(outcome.body);
  if (outcome.type === "redirect") return reply.redirect(outcome.location, 302);
  if (outcome.type === "stream") return reply.type("text/plain").send(Readable.from(outcome.chunks));
  return reply.code(204).send();
}

/** The spec app on Fastify 5, sessions registered in an encapsulated plugin. */
export const fastifySpecApp: MakeApp = async (factories) => {
  const app = Fastify({ trustProxy: "127.0.0.1" });
  app.get("/health", async () => "ok");
  // Sessions only for the routes of this encapsulated plugin; /health above never loads one.
  const withSessions: FastifyPluginAsync = async (scope) => {
    await scope.register(sessions, { factory: factories.session });
    await scope.register(sessions, { factory: factories.admin, name: "admin" });
    for (const [path, route] of Object.entries(ROUTES)) {
      scope.route({
        method: ["GET", "POST"],
        url: path,
        handler: async (request, reply) => {
          const admin = (request as unknown as { admin: Session }).admin;
          const query = new URL(request.url, "http://localhost").searchParams;
          return answer(
            reply,
            await route({ session: request.session, admin, query, method: request.method }),
          );
        },
      });
    }
  };
  await app.register(withSessions);
  const url = await app.listen({ port: 0, host: "127.0.0.1" });
  return { url, close: () => app.close() };
};
