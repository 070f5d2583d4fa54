/** A verified legacy cookie: where its session lives. Never log it: `id` is the legacy cookie's secret part. */
export interface LegacyRef {
  /** The legacy session id, as the legacy library keyed it. */
  readonly id: string;
  /** The full Redis key of the legacy session, e.g. `"sess:<id>"`. */
  readonly key: string;
}

/** A legacy session as decoded from its stored value. Times are seconds since the epoch. */
export interface LegacySession {
  /** The application's data, without the library's own bookkeeping fields. */
  readonly data: Record<string, unknown>;
  /** When the legacy session ends by its own payload or cookie, `null` for no deadline of its own. */
  readonly expiresAt: number | null;
  /** When the legacy session was created, when the library recorded it (none of the three does). */
  readonly createdAt?: number;
  /**
   * The legacy cookie's own lifetime in seconds (express-session's `cookie.originalMaxAge`, koa-session's
   * `_maxAge`), `null` for a browser-session cookie, absent when the payload does not say.
   */
  readonly cookieMaxAge?: number | null;
}

/** One legacy session library's cookie and stored format. */
export interface LegacySource {
  readonly name: "express-session" | "fastify-session" | "koa-session";
  /** The cookie names it reads. */
  readonly cookieNames: readonly string[];
  /** `Set-Cookie` values that expire the legacy cookies (same name, path and domain the legacy app used). */
  expireCookies(): readonly string[];
  /**
   * Pure, no I/O: verifies the legacy cookie(s) in a `Cookie` header with the legacy secret(s), in
   * constant time; `null` when absent, tampered or malformed.
   */
  find(cookieHeader: string | undefined): LegacyRef | null;
  /** Decodes a stored legacy value; `null` when unreadable or expired at `now` (seconds). Never throws. */
  decode(raw: string, now: number): LegacySession | null;
  /** The `SCAN … MATCH` pattern of the legacy keys. */
  readonly keyPattern: string;
  /** The ref of a key found by `SCAN`, or `null` when the key is not one of this library's sessions. */
  refOfKey(key: string): LegacyRef | null;
}

/** Where the legacy cookie lived; the expiring `Set-Cookie` must name the same path and domain. */
export interface LegacyCookieScope {
  /** @default "/" */
  path?: string;
  /** The `Domain` the legacy app set, if any. @default undefined (host-only) */
  domain?: string;
  /** Add `Secure` (needed to replace a `Secure` cookie in some browsers). @default false */
  secure?: boolean;
}
