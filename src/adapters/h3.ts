import type { IncomingMessage, ServerResponse } from "node:http";
import { SessionError } from "../core/errors.js";
import { commitNow, type Sessions } from "../core/factory.js";
import type { Session } from "../core/session.js";
import type { SessionData } from "../core/types.js";
import { HeadHold } from "./hold-head.js";
import { sendServerError } from "./node.js";
import { applySettled, isEncrypted, responseInfo } from "./node-response.js";

/**
 * What sessile needs of an h3 v1 `H3Event` (the event of Nuxt 3 and 4 server routes, Nitro 2),
 * described here so sessile needs no type from h3.
 */
export interface H3EventLike {
  /** The Node request and response under the event (Nitro's `node-server` preset gives real ones). */
  readonly node: { readonly req: IncomingMessage; readonly res: ServerResponse };
  /** `event.context`, where the session is hung. */
  readonly context: object;
  /**
   * h3's own "the handler answered" flag. sessile sets it when a handler ends the response while the
   * head is held, so h3 does not go on to answer the request a second time (with a 404).
   */
  _handled?: boolean;
}

/** `event.context` carrying a session under `Name`; intersect one per factory. */
export type SessionContext<Data = SessionData, Name extends string = "session"> = {
  [K in Name]: Session<Data>;
};

/** Options of {@link sessionMiddleware} and {@link defineSessionHandler}. */
export interface H3SessionsOptions<Name extends string = "session"> {
  /** `event.context` property that holds the session. Give each factory its own name to use several. @default "session" */
  name?: Name;
  /**
   * Whether the request came over HTTPS, for `cookie.secure: "auto"`. Defaults to the socket being TLS.
   * Behind a TLS-terminating proxy, read the proxy's header here
   * (`(event) => event.node.req.headers["x-forwarded-proto"] === "https"`) only if every request passes it.
   */
  isHttps?: (event: H3EventLike) => boolean;
  /**
   * Answers a request whose session could not be saved. The response head is not sent yet and has no
   * `Set-Cookie`. Defaults to a bare `500 Internal Server Error`.
   */
  onError?: (error: unknown, event: H3EventLike) => void;
}

function checkOptions(options: H3SessionsOptions<string>): void {
  if (options.name !== undefined && (typeof options.name !== "string" || options.name === "")) {
    throw new SessionError(
      "invalid-option",
      'sessile: sessile/h3 option name must be a non-empty string, such as "session" or "admin"',
    );
  }
  for (const key of ["isHttps", "onError"] as const) {
    if (options[key] !== undefined && typeof options[key] !== "function") {
      throw new SessionError(
        "invalid-option",
        `sessile: sessile/h3 option ${key} must be a function, or left out`,
      );
    }
  }
}

/**
 * Loads the event's session into `event.context[name]` and holds the Node response head until the
 * session is committed, awaited. Throws when the store fails to load it.
 */
async function attach<Data>(
  factory: Sessions<Data>,
  event: H3EventLike,
  options: H3SessionsOptions<string>,
): Promise<Session<Data>> {
  const { req, res } = event.node;
  const session = await factory.load(req.headers.cookie);
  (event.context as Record<string, Session<Data>>)[options.name ?? "session"] = session;
  const isHttps = options.isHttps ?? ((e: H3EventLike) => isEncrypted(e.node.req));
  new HeadHold(
    res,
    () => {
      // Set synchronously, at the held call: h3 checks it as soon as the handler returns.
      event._handled = true;
      return applySettled(
        res,
        commitNow(factory, session, {
          failed: res.statusCode >= 500,
          https: isHttps(event),
          response: responseInfo(res),
        }),
      );
    },
    (error) => (options.onError ?? ((e: unknown) => sendServerError(e, req, res)))(error, event),
  );
  return session;
}

/**
 * A Nitro / Nuxt server middleware (`server/middleware/session.ts`): loads the session into
 * `event.context.session` (no store command without a signed session cookie) and commits it, awaited,
 * when the route, the page renderer or h3's error handler first writes the response head, so the
 * client never sees a response whose session write has not landed. A store failure on load is thrown
 * (h3 answers it with a 500); on commit it is answered by `options.onError`, with no `Set-Cookie`.
 *
 * ```ts
 * export default defineEventHandler(sessionMiddleware(factory));
 * ```
 */
export function sessionMiddleware<Data = SessionData, Name extends string = "session">(
  factory: Sessions<Data>,
  options: H3SessionsOptions<Name> = {},
): (event: H3EventLike) => Promise<void> {
  checkOptions(options);
  return async function sessile(event) {
    await attach(factory, event, options);
  };
}

/**
 * A server route handler with its own session, for routes of a factory the middleware does not load:
 * `handler` gets the event and the session (also at `event.context[name]`). The commit is the
 * middleware's: awaited before the response head is written, whether the handler returns a body or
 * sends one itself (`sendRedirect`, `sendStream`).
 *
 * ```ts
 * export default defineSessionHandler(factory, (event: H3Event, session) => {
 *   session.data.views = (session.data.views ?? 0) + 1;
 *   return { views: session.data.views };
 * });
 * ```
 */
export function defineSessionHandler<
  Event extends H3EventLike,
  Result,
  Data = SessionData,
  Name extends string = "session",
>(
  factory: Sessions<Data>,
  handler: (event: Event, session: Session<Data>) => Result,
  options: H3SessionsOptions<Name> = {},
): ((event: Event) => Promise<Awaited<Result>>) & { __is_handler__: true } {
  checkOptions(options);
  const sessile = async (event: Event): Promise<Awaited<Result>> =>
    await handler(event, await attach(factory, event, options));
  // The mark h3's own defineEventHandler puts on its handlers.
  return Object.assign(sessile, { __is_handler__: true as const });
}
