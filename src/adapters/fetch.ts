import { type CommitResult, commitNow, type Sessions, setCookiesOf } from "../core/factory.js";
import type { Session } from "../core/session.js";
import type { ResponseInfo, SessionData } from "../core/types.js";
import { varyCookie } from "./node-response.js";

/** Options of {@link commitSession}. */
export interface CommitSessionOptions {
  /**
   * The request the response answers; its URL's protocol decides `cookie.secure: "auto"` unless
   * `https` is given.
   */
  request?: Request;
  /** Whether the request came over HTTPS, for `cookie.secure: "auto"`. @default the request URL is `https:` */
  https?: boolean;
  /** The handler failed (threw); a 5xx response counts as failed too. See `cookieOnError`. */
  failed?: boolean;
}

/** Options of {@link withSessions}. */
export interface FetchSessionsOptions {
  /**
   * Whether the request came over HTTPS, for `cookie.secure: "auto"`. Defaults to the request URL's
   * protocol. Behind a TLS-terminating proxy that URL says `http:`; read the proxy's header here
   * (`(r) => r.headers.get("x-forwarded-proto") === "https"`) only if every request passes that proxy.
   */
  isHttps?: (request: Request) => boolean;
  /**
   * The answer to a request whose session could not be loaded or saved, or whose handler threw.
   * Defaults to a bare `500 Internal Server Error`. Its response gets no `Set-Cookie` when the store failed.
   */
  onError?: (error: unknown, request: Request) => Response | Promise<Response>;
}

/** A Fetch-API handler: `Bun.serve`, `Deno.serve` and `@hono/node-server` pass the request first. */
export type FetchHandler<Rest extends unknown[] = unknown[]> = (
  request: Request,
  ...rest: Rest
) => Response | Promise<Response>;

// A class, not an object literal with a getter, for the reason given in node-response.ts.
class FetchResponseInfo implements ResponseInfo {
  readonly #response: Response;
  constructor(response: Response) {
    this.#response = response;
  }
  get status(): number {
    return this.#response.status;
  }
  header(name: string): string | undefined {
    return this.#response.headers.get(name) ?? undefined;
  }
}

/** The sessions each wrapped request carries, one per factory, for {@link sessionOf}. */
const loaded = new WeakMap<Request, Map<Sessions<never>, Session<unknown>>>();

/** Loads the request's session from its `Cookie` header (no store command without a signed session cookie). */
export function loadSession<Data = SessionData>(
  sessions: Sessions<Data>,
  request: Request,
): Promise<Session<Data>> {
  return sessions.load(request.headers.get("cookie") ?? undefined);
}

/** Adds a commit's `Set-Cookie` and `Vary: Cookie` to `headers`; throws a TypeError when they are immutable. */
function applyCommit(headers: Headers, result: CommitResult): void {
  for (const cookie of setCookiesOf(result)) headers.append("Set-Cookie", cookie);
  if (result.vary) {
    const current = headers.get("Vary") ?? undefined;
    const merged = varyCookie(current);
    if (merged !== current) headers.set("Vary", merged);
  }
}

/**
 * Commits `session` and returns `response` with its `Set-Cookie` (and `Vary: Cookie`) appended. The
 * same object comes back when its headers could be edited; a response with immutable headers (from
 * `Response.redirect()`, `Response.error()` or `fetch()`) is copied, its body passed on unread. A
 * store failure is thrown.
 */
export async function commitSession<Data = SessionData>(
  sessions: Sessions<Data>,
  session: Session<Data>,
  response: Response,
  options: CommitSessionOptions = {},
): Promise<Response> {
  const result = await commitNow(sessions, session, {
    failed: options.failed === true || response.status >= 500,
    https: options.https ?? options.request?.url.startsWith("https:") ?? false,
    response: new FetchResponseInfo(response),
  });
  if (result.setCookie === undefined && result.expireCookies === undefined && !result.vary) return response;
  try {
    applyCommit(response.headers, result);
    return response;
  } catch {
    const copy = new Response(response.body, response);
    applyCommit(copy.headers, result);
    return copy;
  }
}

/**
 * The session `withSessions(sessions, …)` loaded for this request. Pass the `Request` object the
 * handler received (a copy made with `new Request(request)` has no session).
 */
export function sessionOf<Data = SessionData>(request: Request, sessions: Sessions<Data>): Session<Data> {
  const session = loaded.get(request)?.get(sessions as Sessions<never>);
  if (session === undefined) {
    throw new TypeError(
      "sessionOf: no session of this factory on this request; wrap the handler with withSessions(sessions, handler) and pass the Request object the handler received",
    );
  }
  return session as Session<Data>;
}

/** The default error answer: a plain 500 that tells nothing of the error. */
export function serverError(): Response {
  return new Response("Internal Server Error", {
    status: 500,
    headers: { "Content-Type": "text/plain; charset=utf-8" },
  });
}

function remember(request: Request, sessions: Sessions<never>, session: Session<unknown>): void {
  let forRequest = loaded.get(request);
  if (forRequest === undefined) {
    forRequest = new Map();
    loaded.set(request, forRequest);
  }
  forRequest.set(sessions, session);
}

/**
 * Wraps a Fetch-API handler: the session is loaded before it runs (read it with
 * `sessionOf(request, sessions)`) and committed, awaited, before the response is returned, so the
 * server sends the head only once the session is saved. The handler keeps its own signature, so the
 * wrapped one plugs into `serve({ fetch })` of `@hono/node-server`, `Bun.serve` or `Deno.serve`.
 * A handler that throws is answered by `options.onError` (the commit counts as failed); a store
 * failure is answered by `options.onError` too, with no `Set-Cookie`.
 *
 * ```ts
 * serve({ fetch: withSessions(sessions, (request) => {
 *   sessionOf(request, sessions).data.views = 1;
 *   return new Response("ok");
 * }) });
 * ```
 */
export function withSessions<Data = SessionData, Rest extends unknown[] = unknown[]>(
  sessions: Sessions<Data>,
  handler: FetchHandler<Rest>,
  options: FetchSessionsOptions = {},
): FetchHandler<Rest> {
  const onError = options.onError ?? serverError;
  const isHttps = options.isHttps ?? ((request: Request) => request.url.startsWith("https:"));
  return async function sessile(request, ...rest) {
    let session: Session<Data>;
    try {
      session = await loadSession(sessions, request);
    } catch (error) {
      return onError(error, request);
    }
    remember(request, sessions as Sessions<never>, session);
    let response: Response;
    let failed = false;
    try {
      response = await handler(request, ...rest);
    } catch (error) {
      failed = true;
      response = await onError(error, request);
    }
    try {
      return await commitSession(sessions, session, response, { https: isHttps(request), failed });
    } catch (error) {
      // The handler's body will never be sent; let its source stop producing it.
      response.body?.cancel().catch(() => {});
      return onError(error, request);
    }
  };
}
