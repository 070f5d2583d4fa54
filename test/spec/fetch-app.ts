import type { Server } from "node:http";
import { createAdaptorServer } from "@hono/node-server";
import { sessionOf, withSessions } from "../../src/adapters/fetch.js";
import type { MakeApp, SpecFactories } from "./fixture.js";
import { listen } from "./listen.js";
import { type Outcome, ROUTES } from "./routes.js";

function answer(outcome: Outcome): Response {
  if (outcome.type === "json") {
    return Response.json(outcome.body, { status: outcome.status, headers: outcome.headers });
  }
  if (outcome.type === "redirect") {
    return new Response(null, { status: 302, headers: { Location: outcome.location } });
  }
  if (outcome.type === "stream") {
    const encoder = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        for (const chunk of outcome.chunks) controller.enqueue(encoder.encode(chunk));
        controller.close();
      },
    });
    return new Response(body, { headers: { "Content-Type": "text/plain; charset=utf-8" } });
  }
  return new Response(null, { status: 204 });
}

const viaProxy = (request: Request) => request.headers.get("x-forwarded-proto") === "https";

/** The spec's routes as one Fetch handler, reading both sessions with `sessionOf`. */
function routes(factories: SpecFactories) {
  return async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    const route = ROUTES[url.pathname];
    if (route === undefined) return new Response(null, { status: 404 });
    const outcome = await route({
      session: sessionOf(request, factories.session),
      admin: sessionOf(request, factories.admin),
      query: url.searchParams,
      method: request.method,
    });
    return answer(outcome);
  };
}

/** The spec app as a Fetch handler wrapped by `withSessions`, served by @hono/node-server. */
export const fetchSpecApp: MakeApp = async (factories) => {
  const options = { isHttps: viaProxy };
  const handler = withSessions(
    factories.session,
    withSessions(factories.admin, routes(factories), options),
    options,
  );
  const fetch = (request: Request) =>
    new URL(request.url).pathname === "/health" ? new Response("ok") : handler(request);
  return listen(createAdaptorServer({ fetch }) as Server);
};
