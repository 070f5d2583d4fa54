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

/** Why a presented session was not used. */
export type InvalidReason = "bad-signature" | "not-found" | "expired" | "corrupt" | "vanished";

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
