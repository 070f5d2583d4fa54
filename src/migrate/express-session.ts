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

/** Options of {@link expressSessionSource}: the legacy app's own settings. */
export interface ExpressSessionSourceOptions {
  /** express-session's `secret`: a string or an array (the first signed, all verified). */
  secret: string | readonly string[];
  /** express-session's `name`. @default "connect.sid" */
  cookieName?: string;
  /** connect-redis's `prefix`. @default "sess:" */
  prefix?: string;
  /** express-session's `cookie.path` and `cookie.domain`, so the legacy cookie can be expired. */
  cookie?: LegacyCookieScope;
  /**
   * Whether the store extended sessions on read (connect-redis `disableTouch: false`, its default).
   * express-session's touch moves only the key's TTL, never the stored `cookie.expires`, and with a Redis
   * store express-session never checks that field itself, so a stored expiry in the past on a key that
   * still exists means a session kept alive by touches: it is live, and gets the deadline express-session's
   * own touch would give it now (`now + cookie.originalMaxAge`). Set `false` when the legacy app ran
   * with `disableTouch: true` or `disableTTL: true`: the stored expiry is then the deadline.
   * @default true
   */
  touch?: boolean;
}

/**
 * express-session with connect-redis: the cookie `connect.sid=s:<id>.<signature>` (URI-encoded), signed
 * by cookie-signature (HMAC-SHA-256, base64 without padding), and the JSON session under `sess:<id>`,
 * whose `cookie` field holds express-session's bookkeeping (`expires` as an ISO date, `originalMaxAge` in
 * milliseconds).
 */
export function expressSessionSource(options: ExpressSessionSourceOptions): LegacySource {
  const secrets = secretList("expressSessionSource", "secret", options.secret);
  const cookieName = options.cookieName ?? "connect.sid";
  const prefix = options.prefix ?? "sess:";
  const scope = { ...options.cookie };
  const touch = options.touch ?? true;
  checkCookieScope("expressSessionSource", cookieName, scope);
  const ref = (id: string): LegacyRef => ({ id, key: prefix + id });
  return Object.freeze({
    name: "express-session" as const,
    cookieNames: Object.freeze([cookieName]),
    keyPattern: prefixPattern(prefix),
    expireCookies: () => [expiringCookie(cookieName, scope)],
    find(cookieHeader: string | undefined): LegacyRef | null {
      for (const raw of cookieValues(cookieHeader, cookieName)) {
        const id = verifiedId(raw, "s:", true, secrets, "sha256");
        if (id !== null) return ref(id);
      }
      return null;
    },
    decode(raw: string, now: number): LegacySession | null {
      const stored = storedObject(raw);
      const cookie = stored === null ? null : cookieField(stored);
      // express-session itself fails on a stored session without its cookie field.
      if (stored === null || cookie === null) return null;
      const cookieMaxAge = cookie.originalMaxAge === null ? null : secondsOf(cookie.originalMaxAge);
      const data = dataWithoutCookie(stored);
      if (cookie.expires === null || cookie.expires === undefined)
        return { data, expiresAt: null, cookieMaxAge };
      const expires = dateMillis(cookie.expires);
      if (expires === null) return null;
      if (expires > now * 1000) return { data, expiresAt: Math.floor(expires / 1000), cookieMaxAge };
      if (!touch) return null;
      return { data, expiresAt: cookieMaxAge === null ? null : now + cookieMaxAge, cookieMaxAge };
    },
    refOfKey(key: string): LegacyRef | null {
      if (!key.startsWith(prefix)) return null;
      const id = key.slice(prefix.length);
      return LEGACY_ID.test(id) ? ref(id) : null;
    },
  });
}
