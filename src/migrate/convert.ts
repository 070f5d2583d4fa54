import { digestId, SessionError } from "../index.js";
import type { LegacyRef, LegacySession } from "./legacy.js";

/** The sessile settings a converted session is written for. Seconds everywhere. */
export interface ConvertOptions {
  /** The sessile store's key prefix (`redisStore(client, { prefix })`). @default "sessile:" */
  prefix?: string;
  /** sessile's `idleTimeout`. @default 1200 */
  idleTimeout?: number;
  /** sessile's `absoluteTimeout`, counted from now (no legacy library records a creation time). @default null */
  absoluteTimeout?: number | null;
  /** Seconds since the epoch. @default the current time */
  now?: number;
  /** What is left of the legacy key's own TTL (`PTTL`, rounded down to seconds), when known. */
  storeTtl?: number | null;
  /** Carry the legacy cookie's lifetime over as the session's own cookie `Max-Age`. @default false */
  keepCookieMaxAge?: boolean;
}

/** A legacy session as a sessile session: its key, its payload and the TTL to write it with. */
export interface ConvertedSession {
  /** `<prefix><digestId(legacyId)>`. */
  readonly key: string;
  /** The sessile payload, `{"v":1,"c":…,"t":…,"x":…,"m":…}`. */
  readonly value: string;
  /** Seconds, > 0: the smallest of the legacy deadline, the legacy key's TTL and sessile's timeouts. */
  readonly ttl: number;
}

/** Longest cookie Max-Age sessile accepts (400 days, the browsers' cap). */
const MAX_COOKIE_AGE = 400 * 24 * 3600;

function positive(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new SessionError("invalid-option", `sessile: ${name} must be a positive whole number of seconds`);
  }
  return value;
}

/**
 * Converts a decoded legacy session into the sessile session the core reads under
 * `<prefix><digestId(legacyId)>`; `null` when no time is left of it.
 */
export function convertLegacySession(
  ref: LegacyRef,
  legacy: LegacySession,
  options: ConvertOptions = {},
): ConvertedSession | null {
  const now = options.now ?? Math.floor(Date.now() / 1000);
  const idle = positive("idleTimeout", options.idleTimeout ?? 1200);
  const absolute = options.absoluteTimeout ?? null;
  if (absolute !== null) positive("absoluteTimeout", absolute);
  let deadline = now + idle;
  if (legacy.expiresAt !== null) deadline = Math.min(deadline, legacy.expiresAt);
  if (options.storeTtl !== undefined && options.storeTtl !== null)
    deadline = Math.min(deadline, now + options.storeTtl);
  const ttl = Math.min(deadline, absolute === null ? deadline : now + absolute) - now;
  if (ttl <= 0) return null;
  const created = Math.min(legacy.createdAt ?? now, now);
  const payload: Record<string, unknown> = { v: 1, c: created, t: idle, x: deadline, m: legacy.data };
  if (options.keepCookieMaxAge === true && legacy.cookieMaxAge !== undefined) {
    payload.a = legacy.cookieMaxAge === null ? 0 : Math.min(legacy.cookieMaxAge, MAX_COOKIE_AGE);
  }
  return { key: (options.prefix ?? "sessile:") + digestId(ref.id), value: JSON.stringify(payload), ttl };
}
