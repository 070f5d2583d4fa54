// The Express adapter without the global declaration of its `session` property: `sessile/express/bare`.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Sessions } from "../core/factory.js";
import type { SessionData } from "../core/types.js";
import { attachSession, sendServerError } from "./node.js";
import { isEncrypted } from "./node-response.js";

/** Options of the Express adapter. */
export interface ExpressSessionsOptions {
  /** Request property that holds the session. Give each factory its own name to use several. @default "session" */
  name?: string;
  /**
   * Answers a request whose session could not be saved (the store failed at commit). The handler has
   * already produced its response, so Express's error middleware cannot run any more; the response head
   * is still unsent and `res.headersSent` is `false`. Defaults to a bare `500 Internal Server Error`
   * with none of the handler's headers.
   */
  onError?: (error: unknown, req: IncomingMessage, res: ServerResponse) => void;
}

/**
 * An Express (4 or 5) or Connect middleware. Typed on `node:http` so Connect apps need no Express types;
 * Express's `RequestHandler` accepts it.
 */
export type ExpressSessionsMiddleware = (
  req: IncomingMessage & { secure?: boolean },
  res: ServerResponse,
  next: (error?: unknown) => void,
) => void;

/**
 * Express (4 and 5) and Connect middleware: loads the session onto `req.session` (no store command
 * without a signed session cookie) and commits it, awaited, before any byte of the response head.
 *
 * A store failure while loading goes to `next(error)`, so your error middleware answers it; a store
 * failure at commit is answered by `options.onError`. A response with a 5xx status counts as failed
 * for `cookieOnError`. `cookie.secure: "auto"` follows Express's `req.secure` (set `trust proxy` when a
 * TLS proxy sits in front), or, under Connect, whether the socket is TLS.
 *
 * ```ts
 * app.use(sessions(factory));
 * app.get("/", (req, res) => { req.session.data.views = 1; res.send("ok"); });
 * ```
 */
export function sessions<Data = SessionData>(
  factory: Sessions<Data>,
  options: ExpressSessionsOptions = {},
): ExpressSessionsMiddleware {
  const attachOptions = {
    name: options.name ?? "session",
    onError: options.onError ?? sendServerError,
    // Express's req.secure honours "trust proxy"; a Connect request has no such field.
    isHttps: (req: IncomingMessage) => (req as { secure?: boolean }).secure ?? isEncrypted(req),
  };
  return function sessile(req, res, next) {
    void attachSession(factory, req, res, attachOptions).then(() => next(), next);
  };
}
