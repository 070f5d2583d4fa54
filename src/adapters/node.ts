import type { IncomingMessage, ServerResponse } from "node:http";
import { debuglog } from "node:util";
import { messageOf } from "../core/errors.js";
import { commitNow, type Sessions } from "../core/factory.js";
import type { Session } from "../core/session.js";
import type { SessionData } from "../core/types.js";
import { HeadHold } from "./hold-head.js";
import { applySettled, isEncrypted, responseInfo } from "./node-response.js";

const log = debuglog("sessile");

/** A request carrying a session under `Name`. */
export type SessionRequest<Data = SessionData, Name extends string = "session"> = IncomingMessage & {
  [K in Name]: Session<Data>;
};

/** Options of the `node:http` adapter. */
export interface NodeSessionsOptions<Name extends string = "session"> {
  /** Request property that holds the session. @default "session" */
  name?: Name;
  /**
   * Answers a request whose handler threw or whose session could not be saved. The response head is
   * not sent yet. Defaults to a bare `500 Internal Server Error`.
   */
  onError?: (error: unknown, req: IncomingMessage, res: ServerResponse) => void;
  /** Whether the request came over HTTPS, for `cookie.secure: "auto"`. Defaults to the socket being TLS. */
  isHttps?: (req: IncomingMessage) => boolean;
}

/** The default error answer: a plain 500 with none of the handler's headers. */
export function sendServerError(error: unknown, _req: IncomingMessage, res: ServerResponse): void {
  log("request failed: %s", messageOf(error));
  if (res.headersSent) {
    res.destroy();
    return;
  }
  for (const name of res.getHeaderNames()) res.removeHeader(name);
  res.statusCode = 500;
  res.setHeader("Content-Type", "text/plain; charset=utf-8");
  res.end("Internal Server Error");
}

/**
 * Hangs a loaded session on `req[name]` and holds the response head until it is committed; answers how
 * to mark the request failed.
 */
function holdUntilCommitted<Data, Name extends string>(
  factory: Sessions<Data>,
  session: Session<Data>,
  req: IncomingMessage,
  res: ServerResponse,
  options: NodeSessionsOptions<Name>,
): { fail(): void } {
  (req as unknown as Record<string, Session<Data>>)[options.name ?? "session"] = session;
  let failed = false;
  const onError = options.onError ?? sendServerError;
  new HeadHold(
    res,
    () =>
      applySettled(
        res,
        commitNow(factory, session, {
          failed: failed || res.statusCode >= 500,
          https: () => (options.isHttps ?? isEncrypted)(req),
          response: responseInfo(res),
        }),
      ),
    (error) => onError(error, req, res),
  );
  return {
    fail() {
      failed = true;
    },
  };
}

/**
 * Loads the request's session, hangs it on `req[name]`, and holds the response head until the session
 * is committed. Use it inside your own handler; `failed` tells the commit the request failed (a 5xx
 * status counts as failed too).
 */
export async function attachSession<Data = SessionData, Name extends string = "session">(
  factory: Sessions<Data>,
  req: IncomingMessage,
  res: ServerResponse,
  options: NodeSessionsOptions<Name> = {},
): Promise<{ session: Session<Data>; fail(): void }> {
  const session = await factory.load(req.headers.cookie);
  const { fail } = holdUntilCommitted(factory, session, req, res, options);
  return { session, fail };
}

/**
 * Wraps a `node:http` request handler: the session is loaded before it runs (no store command without
 * a signed session cookie) and committed, awaited, before the response head is sent.
 *
 * ```ts
 * http.createServer(sessions(factory, (req, res) => { req.session.data.views = 1; res.end("ok"); }));
 * ```
 */
export function sessions<Data = SessionData, Name extends string = "session">(
  factory: Sessions<Data>,
  handler: (req: SessionRequest<Data, Name>, res: ServerResponse) => unknown,
  options: NodeSessionsOptions<Name> = {},
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const onError = options.onError ?? sendServerError;
  return async function sessile(req, res) {
    let attached: { fail(): void };
    try {
      attached = holdUntilCommitted(factory, await factory.load(req.headers.cookie), req, res, options);
    } catch (error) {
      onError(error, req, res);
      return;
    }
    try {
      await handler(req as SessionRequest<Data, Name>, res);
    } catch (error) {
      attached.fail();
      onError(error, req, res);
    }
  };
}
