import { setCookieFields } from "../core/cookie.js";
import { SessionError } from "../core/errors.js";
import { commitNow, type Sessions, setCookiesOf } from "../core/factory.js";
import type { Session } from "../core/session.js";
import type { SessionData } from "../core/types.js";
import { type FetchSessionsOptions, sessionOf, withSessions } from "./fetch.js";

export { sessionOf } from "./fetch.js";

/** The options `cookies().set(name, value, options)` takes (Next.js's `ResponseCookie`), structurally. */
export interface CookieSetOptions {
  path?: string;
  domain?: string;
  maxAge?: number;
  expires?: Date;
  httpOnly?: boolean;
  secure?: boolean;
  sameSite?: "lax" | "strict" | "none";
  partitioned?: boolean;
  priority?: "low" | "medium" | "high";
}

/**
 * What sessile reads of Next.js's cookie store: `await cookies()` from `next/headers`, or a
 * `NextRequest`'s `request.cookies`. Described here so sessile needs nothing from Next.js at run time.
 */
export interface ReadableCookies {
  getAll(): { name: string; value: string }[];
}

/** A cookie store that can also set cookies: `await cookies()` in a server action or route handler. */
export interface WritableCookies extends ReadableCookies {
  set(name: string, value: string, options?: CookieSetOptions): unknown;
}

/** `cookies` from `next/headers`, passed in by the app. */
export type CookiesFunction = () => WritableCookies | Promise<WritableCookies>;

/** A Next.js route handler (`GET`, `POST`, … exported from `route.ts`), structurally. */
export type RouteHandler<Context = unknown> = (
  request: Request,
  context: Context,
) => Response | Promise<Response>;

/** A route handler that is handed the session as its third argument. */
export type SessionRouteHandler<Data = SessionData, Context = unknown> = (
  request: Request,
  context: Context,
  session: Session<Data>,
) => Response | Promise<Response>;

/**
 * Wraps a route handler: the session is loaded from the request's `Cookie` header, handed to the
 * handler as its third argument (and to `sessionOf(request, sessions)`), and committed onto the
 * handler's `Response` (`Set-Cookie`, `Vary: Cookie`), awaited, before it is returned. A handler that
 * throws, or a store failure, is answered by `options.onError` (a bare 500 by default) with no
 * `Set-Cookie`. Wrappers of two factories nest; read the outer one's session with `sessionOf`.
 *
 * ```ts
 * export const GET = withSession(sessions, (request, context, session) => {
 *   session.data.views = Number(session.data.views ?? 0) + 1;
 *   return Response.json({ views: session.data.views });
 * });
 * ```
 */
export function withSession<Data = SessionData, Context = unknown>(
  sessions: Sessions<Data>,
  handler: SessionRouteHandler<Data, Context>,
  options: FetchSessionsOptions = {},
): RouteHandler<Context> {
  return withSessions(
    sessions,
    (request: Request, context: Context) => handler(request, context, sessionOf(request, sessions)),
    options,
  );
}

/** A `Cookie` header holding every cookie of `cookies`, for `sessions.load()` (and its `adopt` option). */
function cookieHeaderOf(cookies: ReadableCookies): string | undefined {
  const all = cookies.getAll();
  if (all.length === 0) return undefined;
  // Next.js hands out decoded values; encoding them again keeps a `;` in one from reading as a second cookie.
  return all.map(({ name, value }) => `${name}=${encodeURIComponent(value)}`).join("; ");
}

function checkCookies(cookies: unknown, caller: string): void {
  const store = cookies as Partial<ReadableCookies> | null | undefined;
  if (typeof store?.getAll !== "function") {
    throw new SessionError(
      "invalid-argument",
      `sessile: ${caller} needs Next.js's cookie store: pass \`await cookies()\` (from next/headers) or request.cookies`,
    );
  }
}

/**
 * Loads the session of the request being answered from Next.js's cookie store (`await cookies()` from
 * `next/headers`, or `request.cookies` in a proxy). No store command without a signed session cookie.
 * A change made to it is saved only by {@link commitSession}; in a server component, where Next.js
 * cannot set cookies, use {@link readSession} instead.
 */
export async function getSession<Data = SessionData>(
  sessions: Sessions<Data>,
  cookies: ReadableCookies,
): Promise<Session<Data>> {
  checkCookies(cookies, "getSession");
  return sessions.load(cookieHeaderOf(cookies));
}

/** Options of {@link commitSession} and {@link sessionAction}. */
export interface CommitCookiesOptions {
  /**
   * Whether the request came over HTTPS, for `cookie.secure: "auto"` (the cookie store does not tell).
   * In production behind TLS pass `true`, or set `cookie.secure: true` on the factory. @default false
   */
  https?: boolean;
  /** The action failed (threw); see `cookieOnError`. @default false */
  failed?: boolean;
}

/**
 * Saves `session` and sets its cookie through Next.js's `cookies().set(name, value, options)`, which
 * works in a server action or a route handler only (Next.js throws anywhere else, and so does this).
 * A store failure is thrown and no cookie is set. Next.js's cookie store cannot add `Vary: Cookie`;
 * for a route handler whose response may be cached, prefer {@link withSession}.
 *
 * ```ts
 * "use server";
 * export async function rename(form: FormData) {
 *   const store = await cookies();
 *   const session = await getSession(sessions, store);
 *   session.data.name = String(form.get("name"));
 *   await commitSession(sessions, session, store);
 * }
 * ```
 */
export async function commitSession<Data = SessionData>(
  sessions: Sessions<Data>,
  session: Session<Data>,
  cookies: WritableCookies,
  options: CommitCookiesOptions = {},
): Promise<void> {
  if (typeof (cookies as Partial<WritableCookies> | null)?.set !== "function") {
    throw new SessionError(
      "invalid-argument",
      "sessile: commitSession needs a cookie store that can set cookies: pass `await cookies()` (from next/headers) in a server action or route handler",
    );
  }
  const result = await commitNow(sessions, session, {
    https: options.https === true,
    failed: options.failed === true,
  });
  for (const header of setCookiesOf(result)) {
    const { name, value, ...attributes } = setCookieFields(header);
    cookies.set(name, value, attributes);
  }
}

/** Whether `error` is how Next.js's `redirect()`, `notFound()` and the like leave an action: not a failure. */
function isNextControlFlow(error: unknown): boolean {
  const digest = (error as { digest?: unknown } | null)?.digest;
  return (
    typeof digest === "string" &&
    (digest.startsWith("NEXT_REDIRECT") || digest.startsWith("NEXT_HTTP_ERROR_FALLBACK"))
  );
}

/**
 * Wraps a server action: the session is loaded from `cookies()` (pass `cookies` from `next/headers`),
 * handed to `action` first, and committed through `cookies().set` once it returns, awaited. An action
 * that ends with Next.js's `redirect()` (or `notFound()`) is committed as a success and the redirect
 * goes on; one that throws anything else is committed as failed (see `cookieOnError`) and the error
 * rethrown. A store failure is thrown, so the action fails.
 *
 * ```ts
 * "use server";
 * export const remember = sessionAction(sessions, cookies, async (session, form: FormData) => {
 *   session.data.note = String(form.get("note"));
 * });
 * ```
 */
export function sessionAction<Data = SessionData, Args extends unknown[] = unknown[], Result = unknown>(
  sessions: Sessions<Data>,
  cookies: CookiesFunction,
  action: (session: Session<Data>, ...args: Args) => Result | Promise<Result>,
  options: Omit<CommitCookiesOptions, "failed"> = {},
): (...args: Args) => Promise<Result> {
  if (typeof cookies !== "function") {
    throw new SessionError(
      "invalid-argument",
      "sessile: sessionAction(sessions, cookies, action) needs `cookies` from next/headers (the function, not its result)",
    );
  }
  return async function sessile(...args) {
    const store = await cookies();
    const session = await getSession(sessions, store);
    let result: Result;
    try {
      result = await action(session, ...args);
    } catch (error) {
      const failed = !isNextControlFlow(error);
      try {
        await commitSession(sessions, session, store, { ...options, failed });
      } catch (commitError) {
        if (!failed) throw commitError;
      }
      throw error;
    }
    await commitSession(sessions, session, store, options);
    return result;
  };
}

/** A session as a server component may see it: its data frozen, since nothing it changes could be saved. */
export interface ReadonlySession<Data = SessionData> {
  /** A deep-frozen copy of the data: assigning to it throws a `TypeError`. */
  readonly data: Readonly<Data>;
  /** Whether no stored session came with the request. */
  readonly isNew: boolean;
  /** The user bound with `bindUser()`, or `null`. */
  readonly userId: string | null;
  /** When the session was created. */
  readonly createdAt: Date;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

/**
 * Reads the session in a server component, where Next.js can send no cookie: the data comes back
 * deep-frozen, so a change throws a `TypeError` instead of being lost without a word. Reading does not
 * refresh the session's expiry either; that happens on the next route handler or action that commits.
 *
 * ```tsx
 * export default async function Page() {
 *   const { data } = await readSession(sessions, await cookies());
 *   return <p>Signed in as {String(data.user ?? "nobody")}</p>;
 * }
 * ```
 */
export async function readSession<Data = SessionData>(
  sessions: Sessions<Data>,
  cookies: ReadableCookies,
): Promise<ReadonlySession<Data>> {
  checkCookies(cookies, "readSession");
  const session = await sessions.load(cookieHeaderOf(cookies));
  return Object.freeze({
    data: deepFreeze(structuredClone(session.data)),
    isNew: session.isNew,
    userId: session.userId,
    createdAt: session.createdAt,
  });
}
