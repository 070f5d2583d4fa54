/**
 * The shape of `session.data`. It is empty; describe your own data by declaration merging:
 *
 * ```ts
 * declare module "sessile" {
 *   interface SessionData { userId?: string; cart?: { items: string[] } }
 * }
 * ```
 */
// biome-ignore lint/suspicious/noEmptyInterface: extended by users through declaration merging
export interface SessionData {}

/**
 * Why a presented session was not used: `"rotated"` when its cookie was replaced by a concurrent
 * `regenerate()` (the request gets an empty session that is not saved, and the cookie is left alone);
 * `"revoked"` when the user's sessions were ended (`sessions.users.endAll(…, { revoke: true })`) after
 * this one was bound.
 */
export type InvalidReason =
  | "bad-signature"
  | "not-found"
  | "expired"
  | "corrupt"
  | "vanished"
  | "rotated"
  | "revoked"
  | "unavailable";

/** What `onInvalid` is told besides the reason. Never contains ids, cookie values or secrets. */
export interface InvalidDetails {
  /** The cookie name of the factory that rejected the session. */
  readonly cookieName: string;
  /** A short explanation written by sessile (for `"corrupt"`: what was wrong with the payload). */
  readonly message: string;
}

/** A framework-neutral view of the outgoing response, given to `allowCookie`. */
export interface ResponseInfo {
  /** The HTTP status code about to be sent. */
  readonly status: number;
  /** A response header already set by the handler, or `undefined`. */
  header(name: string): string | undefined;
}

/**
 * What `onConflict` is told when a concurrent request of the same session changed what this request
 * changed too. Both requests' other changes are kept (see the README's concurrency section); for these,
 * this request's value, the later write, was kept. Never contains ids, cookie values or secrets.
 */
export interface ConflictDetails {
  /** The cookie name of the factory. */
  readonly cookieName: string;
  /** Top-level `data` keys both requests changed to different values. */
  readonly keys: readonly string[];
  /** Other fields both changed: the CSRF token, the session's own timeout or cookie Max-Age, the user binding. */
  readonly settings: readonly ("csrf" | "timeout" | "cookieMaxAge" | "user")[];
}
