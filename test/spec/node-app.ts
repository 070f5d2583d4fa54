import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { type SessionRequest, sessions } from "../../src/adapters/node.js";
import type { Session } from "../../src/index.js";
import type { MakeApp } from "./fixture.js";
import { listen } from "./listen.js";
import { type Outcome, ROUTES } from "./routes.js";

function answer(res: ServerResponse, outcome: Outcome): void {
  if (outcome.type === "json") {
    res.writeHead(outcome.status, { "Content-Type": "application/json", ...outcome.headers });
    res.end(JSON.stringify(outcome.body));
  } else if (outcome.type === "redirect") {
    res.writeHead(302, { Location: outcome.location });
    res.end();
  } else if (outcome.type === "stream") {
    res.setHeader("Content-Type", "text/plain; charset=utf-8");
    Readable.from(outcome.chunks).pipe(res);
  } else {
    res.statusCode = 204;
    res.end();
  }
}

const viaProxy = (req: IncomingMessage) => req.headers["x-forwarded-proto"] === "https";

/** The spec app on node:http, with `sessions()` wrapping the handler. */
export const nodeSpecApp: MakeApp = async (factories) => {
  const handler = sessions(
    factories.session,
    sessions(
      factories.admin,
      async (req: SessionRequest<unknown, "admin">, res) => {
        const url = new URL(req.url ?? "/", "http://localhost");
        const route = ROUTES[url.pathname];
        if (route === undefined) {
          res.writeHead(404).end();
          return;
        }
        const session = (req as unknown as { session: Session }).session;
        answer(
          res,
          await route({
            session,
            admin: req.admin as Session,
            query: url.searchParams,
            method: req.method ?? "GET",
          }),
        );
      },
      { name: "admin", isHttps: viaProxy },
    ),
    { isHttps: viaProxy },
  );
  return listen(createServer((req, res) => (req.url === "/health" ? res.end("ok") : handler(req, res))));
};
