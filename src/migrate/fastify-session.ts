import {
  checkCookieScope,
  cookieValues,
  expiringCookie,
  LEGACY_ID,
  prefixPattern,
  secretList,
} from "./cookie-header.js";
import type { LegacyCookieScope, LegacyRef, LegacySession, LegacySource } from "./legacy.js";
import { cookieField, dataWithoutCookie, verifiedId } from "./signed-id.js";
import { dateMillis, secondsOf, storedObject } from "./stored-json.js";

/** Options of {@link fastifySessionSource}: the legacy app's own settings. */
export interface FastifySessionSourceOptions {
  /** @fastify/session's `secret`: a string or an array (the first signed, all verified). */
  secret: string | readonly string[];
  /** @fastify/session's `cookieName`. @default "sessionId" */
  cookieName?: string;
  /** The Redis store's key prefix (connect-redis's `prefix`). @default "sess:" */
  prefix?: string;
  /**
   * @fastify/session's `cookiePrefix`. A value starting with it has it removed; a value without it is
   * read as is, so cookies written before and after a change of `cookiePrefix` (`""` ↔ `"s:"`, the
   * express-session-compatible form) both verify. The HMAC covers the id only, either way.
   * @default "s:"
   */
  cookiePrefix?: string;
  /** @fastify/session's `algorithm` (the HMAC of @fastify/cookie's Signer). @default "sha256" */
  algorithm?: string;
  /** @fastify/session's `cookie.path` and `cookie.domain`, so the legacy cookie can be expired. */
  cookie?: LegacyCookieScope;
}

/**
 * @fastify/session with a Redis store (connect-redis): the cookie `sessionId=<id>.<signature>`
 * (optionally `s:`-prefixed, URI-encoded), signed by @fastify/cookie's Signer (HMAC-SHA-256, base64
 * without padding), and the JSON session under `sess:<id>`, whose `cookie` field holds the library's
 * bookkeeping. @fastify/session itself ends a session whose stored `cookie.expires` has passed.
 */
export function fastifySessionSource(options: FastifySessionSourceOptions): LegacySource {
  const secrets = secretList("fastifySessionSource", "secret", options.secret);
  const cookieName = options.cookieName ?? "sessionId";
  const prefix = options.prefix ?? "sess:";
  const cookiePrefix = options.cookiePrefix ?? "s:";
  const algorithm = options.algorithm ?? "sha256";
  const scope = { ...options.cookie };
  checkCookieScope("fastifySessionSource", cookieName, scope);
  const ref = (id: string): LegacyRef => ({ id, key: prefix + id });
  return Object.freeze({
    name: "fastify-session" as const,
    cookieNames: Object.freeze([cookieName]),
    keyPattern: prefixPattern(prefix),
    expireCookies: () => [expiringCookie(cookieName, scope)],
    find(cookieHeader: string | undefined): LegacyRef | null {
      for (const raw of cookieValues(cookieHeader, cookieName)) {
        const id = verifiedId(raw, cookiePrefix, false, secrets, algorithm);
        if (id !== null) return ref(id);
      }
      return null;
    },
    decode(raw: string, now: number): LegacySession | null {
      const stored = storedObject(raw);
      if (stored === null) return null;
      const cookie = cookieField(stored) ?? {};
      const cookieMaxAge =
        cookie.originalMaxAge === null || cookie.originalMaxAge === undefined
          ? null
          : secondsOf(cookie.originalMaxAge);
      const data = dataWithoutCookie(stored);
      if (cookie.expires === null || cookie.expires === undefined)
        return { data, expiresAt: null, cookieMaxAge };
      const expires = dateMillis(cookie.expires);
      if (expires === null || expires <= now * 1000) return null;
      return { data, expiresAt: Math.floor(expires / 1000), cookieMaxAge };
    },
    refOfKey(key: string): LegacyRef | null {
      if (!key.startsWith(prefix)) return null;
      const id = key.slice(prefix.length);
      return LEGACY_ID.test(id) ? ref(id) : null;
    },
  });
}
