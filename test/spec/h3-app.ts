import { createServer } from "node:http";
import { Readable } from "node:stream";
import {
  createApp,
  createRouter,
  defineEventHandler,
  getRequestURL,
  type H3Event,
  sendNoContent,
  sendRedirect,
  sendStream,
  setResponseHeaders,
  setResponseStatus,
  toNodeListener,
} from "h3";
import { defineSessionHandler, type H3EventLike, sessionMiddleware } from "../../src/adapters/h3.js";
import type { Session } from "../../src/index.js";
import type { MakeApp, SpecFactories } from "./fixture.js";
import { listen } from "./listen.js";
import { type Outcome, ROUTES } from "./routes.js";

function answer(event: H3Event, outcome: Outcome): unknown {
  if (outcome.type === "json") {
    setResponseStatus(event, outcome.status);
    setResponseHeaders(event, outcome.headers);
    return outcome.body;
  }
  if (outcome.type === "redirect") return sendRedirect(event, outcome.location, 302);
  if (outcome.type === "stream") {
    event.node.res.setHeader("Content-Type", "text/plain; charset=utf-8");
    return sendStream(event, Readable.toWeb(Readable.from(outcome.chunks)) as ReadableStream);
  }
  return sendNoContent(event, 204);
}

const viaProxy = (event: H3EventLike) => event.node.req.headers["x-forwarded-proto"] === "https";

/** Every spec route, with the admin session from defineSessionHandler and the default one from the middleware. */
function routes(factories: SpecFactories) {
  return defineSessionHandler(
    factories.admin,
    async (event: H3Event, admin) => {
      const url = getRequestURL(event);
      const route = ROUTES[url.pathname];
      if (route === undefined) return sendNoContent(event, 404);
      const session = (event.context as { session: Session }).session;
      return answer(event, await route({ session, admin, query: url.searchParams, method: event.method }));
    },
    { name: "admin", isHttps: viaProxy },
  );
}

/** The spec app on h3 v1 (Nuxt's h3) over node:http: `/health` is routed before the session middleware. */
export const h3SpecApp: MakeApp = async (factories) => {
  const app = createApp();
  app.use(
    "/health",
    defineEventHandler(() => "ok"),
  );
  app.use(defineEventHandler(sessionMiddleware(factories.session, { isHttps: viaProxy })));
  const router = createRouter();
  router.use("/**", routes(factories));
  app.use(router);
  return listen(createServer(toNodeListener(app)));
};
