import { SessionError } from "../index.js";
import {
  checkCookieScope,
  cookieValues,
  expiringCookie,
  LEGACY_ID,
  prefixPattern,
  secretList,
} from "./cookie-header.js";
import { keygripMac, signedByAny } from "./hmac.js";
import type { LegacyCookieScope, LegacyRef, LegacySession, LegacySource } from "./legacy.js";
import { secondsOf, storedObject } from "./stored-json.js";

/** koa-session's default external key: `randomUUID()`, after koa-session's own `prefix` option. */
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Options of {@link koaSessionSource}: the legacy app's own settings. */
export interface KoaSessionSourceOptions {
  /** The Koa app's `app.keys` (the first signed, all verified). Required unless `signed: false`. */
  keys?: string | readonly string[];
  /** koa-session's `key`: the cookie name; the signature cookie is `<key>.sig`. @default "koa.sess" */
  key?: string;
  /**
   * A prefix on the Redis key in front of the external key. koa-redis adds none (the key is the cookie
   * value); set this only when koa-redis was given an ioredis client with `keyPrefix`. koa-session's own
   * `prefix` option is part of the external key, hence of the cookie value: it needs nothing here.
   * @default ""
   */
  prefix?: string;
  /** koa-session's `signed`. Without signing, any cookie value names a key: there is nothing to verify. @default true */
  signed?: boolean;
  /** The HMAC of the app's keygrip (Koa builds `new Keygrip(app.keys)`, which is SHA-1). @default "sha1" */
  algorithm?: string;
  /**
   * Which scanned keys are sessions (for the offline migrator). The default accepts keys ending in a
   * `randomUUID()`, koa-session's default `genid`; give a pattern when the app had its own `genid`.
   * @default /[0-9a-f]{8}-…-[0-9a-f]{12}$/
   */
  idPattern?: RegExp;
  /** koa-session's `path` and `domain`, so the legacy cookies can be expired. */
  cookie?: LegacyCookieScope;
}

/** koa-session's bookkeeping fields that are not the app's data (its `toJSON` drops every `_` key). */
function isBookkeeping(key: string): boolean {
  return key.startsWith("_") || key === "isNew";
}

/**
 * koa-session in external-store mode with koa-redis: the cookie `koa.sess=<external key>` plus
 * `koa.sess.sig`, the keygrip signature of `koa.sess=<external key>` (HMAC-SHA-1, URL-safe base64),
 * and the JSON session under the external key itself, with `_expire` (ms since the epoch) and `_maxAge`
 * (ms), or `_session: true` for a browser-session cookie. koa-session ends a session whose `_expire` has
 * passed.
 */
export function koaSessionSource(options: KoaSessionSourceOptions): LegacySource {
  const signed = options.signed ?? true;
  const keys = signed ? secretList("koaSessionSource", "keys (the Koa app's app.keys)", options.keys) : [];
  const name = options.key ?? "koa.sess";
  const sigName = `${name}.sig`;
  const prefix = options.prefix ?? "";
  const algorithm = options.algorithm ?? "sha1";
  const idPattern = options.idPattern ?? UUID;
  if (!(idPattern instanceof RegExp)) {
    throw new SessionError("invalid-option", "sessile: koaSessionSource idPattern must be a RegExp");
  }
  const scope = { ...options.cookie };
  checkCookieScope("koaSessionSource", name, scope);
  const ref = (id: string): LegacyRef => ({ id, key: prefix + id });
  const names = signed ? [name, sigName] : [name];
  return Object.freeze({
    name: "koa-session" as const,
    cookieNames: Object.freeze(names),
    keyPattern: prefixPattern(prefix),
    expireCookies: () => names.map((n) => expiringCookie(n, scope)),
    find(cookieHeader: string | undefined): LegacyRef | null {
      const signatures = signed ? cookieValues(cookieHeader, sigName) : [];
      for (const id of cookieValues(cookieHeader, name)) {
        if (!LEGACY_ID.test(id)) continue;
        if (!signed) return ref(id);
        // The `cookies` package signs "<name>=<value>", so a value moved under another name fails.
        const data = `${name}=${id}`;
        for (const signature of signatures) {
          if (signedByAny(signature, keys, (key) => keygripMac(algorithm, key, data))) return ref(id);
        }
      }
      return null;
    },
    decode(raw: string, now: number): LegacySession | null {
      const stored = storedObject(raw);
      if (stored === null) return null;
      const expire = stored._expire;
      if (expire !== undefined && (typeof expire !== "number" || !Number.isFinite(expire))) return null;
      // koa-session: `_expire < Date.now()` is expired.
      if (typeof expire === "number" && expire < now * 1000) return null;
      const data: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(stored)) if (!isBookkeeping(key)) data[key] = value;
      const cookieMaxAge = stored._session === true ? null : (secondsOf(stored._maxAge) ?? undefined);
      const expiresAt = typeof expire === "number" ? Math.floor(expire / 1000) : null;
      return cookieMaxAge === undefined ? { data, expiresAt } : { data, expiresAt, cookieMaxAge };
    },
    refOfKey(key: string): LegacyRef | null {
      if (!key.startsWith(prefix)) return null;
      const id = key.slice(prefix.length);
      return LEGACY_ID.test(id) && idPattern.test(id) ? ref(id) : null;
    },
  });
}
