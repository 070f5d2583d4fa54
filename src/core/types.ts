import type { SessionStore } from "../stores/store.js";

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

/** Turns the stored payload into a string and back. The default is JSON that cannot pollute prototypes. */
export interface Serializer {
  stringify(value: StoredPayload): string;
  parse(text: string): unknown;
}

/** What is kept in the store for one session (see the README's payload section). */
export interface StoredPayload {
  /** Format version, always 1. */
  v: 1;
  /** Created at, seconds since the epoch. */
  c: number;
  /** This session's idle timeout in seconds; absent when it has none. */
  t?: number;
  /** Stored expiry (idle deadline), seconds since the epoch; absent when there is no idle timeout. */
  x?: number;
  /** The session data. */
  m: Record<string, unknown>;
  /** Flash queues, absent when empty. */
  f?: Record<string, unknown[]>;
  /** CSRF token, absent until one is made. */
  k?: string;
  /** This session's own cookie Max-Age in seconds (`0` = browser-session cookie), absent when the default applies. */
  a?: number;
}

export type { SessionStore };
