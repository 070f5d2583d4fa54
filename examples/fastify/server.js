// sessile on Fastify: `npm run example:fastify`.
import Fastify from "fastify";
import { sessions } from "sessile/fastify";
import { announce, openSessions, PORT, page } from "../store.js";

const { factory, label } = await openSessions();
const app = Fastify();
await app.register(sessions, { factory });
app.get("/", async (request, reply) => {
  request.session.data.views = (request.session.data.views ?? 0) + 1;
  return reply.type("text/html; charset=utf-8").send(page(request.session.data.views));
});
app.get("/logout", async (request, reply) => {
  await request.session.invalidate();
  return reply.redirect("/");
});
await app.listen({ port: PORT, host: "127.0.0.1" });
announce("Fastify", app.server.address().port, label);
