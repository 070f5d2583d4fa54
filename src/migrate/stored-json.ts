import { safeJson } from "../index.js";

/** Longest stored legacy value decoded (a megabyte); larger ones are unreadable. */
const MAX_STORED_LENGTH = 1 << 20;

/** Parses a stored JSON object without reaching any prototype; `null` for anything else. Never throws. */
export function storedObject(raw: string): Record<string, unknown> | null {
  if (typeof raw !== "string" || raw.length > MAX_STORED_LENGTH) return null;
  let value: unknown;
  try {
    value = safeJson.parse(raw);
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return null;
  return value as Record<string, unknown>;
}

/** Milliseconds since the epoch of a JSON date (an ISO string, as `Date#toJSON` writes it); `null` if not one. */
export function dateMillis(value: unknown): number | null {
  if (typeof value !== "string") return null;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : null;
}

/** A positive whole number of seconds from milliseconds, rounded up; `null` for anything else. */
export function secondsOf(ms: unknown): number | null {
  return typeof ms === "number" && Number.isFinite(ms) && ms > 0 ? Math.ceil(ms / 1000) : null;
}
