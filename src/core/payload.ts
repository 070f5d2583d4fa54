import type { Serializer, StoredPayload } from "./types.js";

// A key can be spelled with JSON escapes ("\u005f_proto__"), so any escape also takes the reviver path.
const POISON = /"(?:__proto__|constructor|prototype)"|\\u/;

function dropPoisonKeys(key: string, value: unknown): unknown {
  return key === "__proto__" || key === "constructor" || key === "prototype" ? undefined : value;
}

/**
 * The default serializer: JSON whose parse drops `__proto__`, `constructor` and `prototype` keys at
 * any depth, so stored data can never reach a prototype, even when later merged with `Object.assign`.
 * The reviver runs only when such a key or a `\u` escape appears in the text, so ordinary payloads parse
 * at full speed.
 */
export const safeJson: Serializer = Object.freeze({
  stringify: (value: StoredPayload): string => JSON.stringify(value),
  parse: (text: string): unknown => (POISON.test(text) ? JSON.parse(text, dropPoisonKeys) : JSON.parse(text)),
});

/** A decoded payload, or the reason it is unusable. */
export type DecodeResult = { ok: true; payload: StoredPayload } | { ok: false; message: string };

/** A non-null, non-array object whose prototype is `Object.prototype` or `null`. */
export function isPlainRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function isTimestamp(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value > 0;
}

/** Latest plausible creation time: a minute of clock skew between servers is tolerated. */
const CLOCK_SKEW = 60;

/** Parses and checks a stored payload; anything odd is reported, never thrown. */
export function decodePayload(serializer: Serializer, text: string, now: number): DecodeResult {
  let value: unknown;
  try {
    value = serializer.parse(text);
  } catch {
    return { ok: false, message: "the stored payload does not parse" };
  }
  if (!isPlainRecord(value) || value.v !== 1)
    return { ok: false, message: "the stored payload is not a version 1 session" };
  const { c, t, x, m, f, k, a } = value;
  if (!isTimestamp(c) || c > now + CLOCK_SKEW)
    return { ok: false, message: "the stored creation time is impossible" };
  if (t !== undefined && !isTimestamp(t))
    return { ok: false, message: "the stored timeout is not a positive integer" };
  if ((t === undefined) !== (x === undefined))
    return { ok: false, message: "the stored timeout and expiry disagree" };
  if (x !== undefined && (!isTimestamp(x) || x < c || x > now + (t as number) + CLOCK_SKEW)) {
    return { ok: false, message: "the stored expiry is impossible" };
  }
  if (!isPlainRecord(m)) return { ok: false, message: "the stored data is not an object" };
  if (f !== undefined && (!isPlainRecord(f) || !Object.values(f).every(Array.isArray))) {
    return { ok: false, message: "the stored flash queues are malformed" };
  }
  if (k !== undefined && typeof k !== "string")
    return { ok: false, message: "the stored CSRF token is malformed" };
  if (a !== undefined && (typeof a !== "number" || !Number.isSafeInteger(a) || a < 0)) {
    return { ok: false, message: "the stored cookie max-age is malformed" };
  }
  return { ok: true, payload: value as unknown as StoredPayload };
}
