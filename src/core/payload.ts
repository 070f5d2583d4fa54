import { SessionError } from "./errors.js";
import {
  MAX_COOKIE_AGE,
  MAX_DURATION,
  MAX_META_BYTES,
  MAX_NESTING,
  MAX_USER_ID_LENGTH,
  nestsDeeperThan,
} from "./limits.js";
import { safeJson } from "./safe-json.js";

/**
 * What is kept in the store for one session, as a custom serializer sees it (format version 1). The
 * default serializer stores the packed version 2 instead (see {@link encodePayload}); both are read. This
 * file is the one owner of the single-letter keys and of the packed layout: everything else works with
 * {@link SessionRecord}.
 */
export interface StoredPayload {
  /** Format version 1. */
  v: 1;
  /** Revision: 1 when created, one more on every write; absent in payloads written before revisions. */
  r?: number;
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
  /** The user the session is bound to: id, when bound (seconds since the epoch), the app's device record. */
  u?: { i: string; b: number; d?: Record<string, unknown> };
}

/** Turns the stored payload into a string and back. The default is JSON that cannot pollute prototypes. */
export interface Serializer {
  stringify(value: StoredPayload): string;
  parse(text: string): unknown;
}

/** A session as stored, with readable names. Times are seconds since the epoch. */
export interface SessionRecord {
  /** 1 when created, one more on every write (0 for a payload stored before revisions existed). */
  readonly revision: number;
  readonly createdAt: number;
  /** The idle timeout in seconds, `null` for none. */
  readonly timeout: number | null;
  /** The idle deadline, `null` when there is none. */
  readonly expires: number | null;
  readonly data: Record<string, unknown>;
  readonly flash: Record<string, unknown[]> | undefined;
  readonly csrf: string | undefined;
  /** The session's own cookie Max-Age (`0` = browser-session cookie), `undefined` for the default. */
  readonly cookieAge: number | undefined;
  /** The user the session is bound to (`session.bindUser()`), absent when it is not. */
  readonly user?: UserBinding | undefined;
}

/** A session's binding to a user. */
export interface UserBinding {
  readonly id: string;
  /** When it was bound, milliseconds since the epoch (a revocation stamp ends sessions bound before it). */
  readonly boundAt: number;
  /** The app's record about the device (personal data; at most {@link MAX_META_BYTES} as JSON). */
  readonly meta?: Record<string, unknown> | undefined;
}

/** A decoded payload, or the reason it is unusable. */
export type DecodeResult = { ok: true; record: SessionRecord } | { ok: false; message: string };

/**
 * Whether a payload could nest too deeply: JSON needs at least two characters per level, so a short
 * JSON text cannot (the check then costs nothing on the hot path); other serializers are always checked.
 */
function mayNestTooDeeply(serializer: Serializer, text: string): boolean {
  return serializer !== safeJson || text.length >= 2 * MAX_NESTING;
}

function tooDeep(data: unknown, flash: unknown): boolean {
  return nestsDeeperThan(data, MAX_NESTING - 1) || nestsDeeperThan(flash, MAX_NESTING - 1);
}

/** Latest plausible creation time: a minute of clock skew between servers is tolerated. */
const CLOCK_SKEW = 60;

/** A non-null, non-array object whose prototype is `Object.prototype` or `null`. */
export function isPlainRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Whether `text` is over `maxBytes` in UTF-8. */
export function overLimit(text: string, maxBytes: number): boolean {
  // UTF-8 needs at most 3 bytes per UTF-16 unit, so the exact count is needed only near the limit.
  return text.length * 3 > maxBytes && Buffer.byteLength(text) > maxBytes;
}

/** The optional fields, in the shape both formats store them, or `undefined` when there are none. */
function extrasOf(record: SessionRecord): Pick<StoredPayload, "f" | "k" | "a" | "u"> | undefined {
  const { flash, csrf, cookieAge, user } = record;
  if (flash === undefined && csrf === undefined && cookieAge === undefined && user === undefined)
    return undefined;
  const extras: Pick<StoredPayload, "f" | "k" | "a" | "u"> = {};
  if (flash !== undefined) extras.f = flash;
  if (csrf !== undefined) extras.k = csrf;
  if (cookieAge !== undefined) extras.a = cookieAge;
  if (user !== undefined) {
    extras.u = { i: user.id, b: user.boundAt };
    if (user.meta !== undefined) extras.u.d = user.meta;
  }
  return extras;
}

/**
 * Format version 2, written by the default serializer: the JSON array
 * `[2, revision, created, timeout, expires − created, data]`, plus an object of the optional fields
 * (`f`, `k`, `a`, `u` as in {@link StoredPayload}) only when there are any. No timeout is `0, 0`. A
 * third of version 1's size for a small session, so a small payload fits in Redis's embedded strings.
 */
function packed(record: SessionRecord): unknown[] {
  const timed = record.timeout !== null && record.expires !== null;
  const head: unknown[] = [
    2,
    record.revision,
    record.createdAt,
    timed ? record.timeout : 0,
    timed ? (record.expires as number) - record.createdAt : 0,
    record.data,
  ];
  const extras = extrasOf(record);
  if (extras !== undefined) head.push(extras);
  return head;
}

/** Version 1, the object a custom serializer is given. */
function unpacked(record: SessionRecord): StoredPayload {
  const payload: StoredPayload =
    record.revision > 0
      ? { v: 1, r: record.revision, c: record.createdAt, m: record.data }
      : { v: 1, c: record.createdAt, m: record.data };
  if (record.timeout !== null && record.expires !== null) {
    payload.t = record.timeout;
    payload.x = record.expires;
  }
  return Object.assign(payload, extrasOf(record));
}

/**
 * Serializes a session: the packed version 2 with the default serializer, the version 1 object with a
 * custom one. Throws a `SessionError` when it cannot be serialized or is over `maxBytes`.
 */
export function encodePayload(serializer: Serializer, record: SessionRecord, maxBytes: number): string {
  let text: unknown;
  try {
    text = serializer === safeJson ? JSON.stringify(packed(record)) : serializer.stringify(unpacked(record));
  } catch (error) {
    throw new SessionError(
      "serialize-failed",
      "sessile: the session data could not be serialized; keep it to JSON values (no cycles, BigInt or functions)",
      { cause: error },
    );
  }
  if (typeof text !== "string" || text.length === 0) {
    throw new SessionError(
      "serialize-failed",
      "sessile: serializer.stringify must return a non-empty string (Redis stores text; sessile counts its bytes)",
    );
  }
  if (mayNestTooDeeply(serializer, text) && tooDeep(record.data, record.flash)) {
    throw new SessionError(
      "serialize-failed",
      `sessile: the session data nests objects or arrays more than ${MAX_NESTING - 1} levels deep; store it flatter`,
    );
  }
  if (overLimit(text, maxBytes)) {
    throw new SessionError(
      "payload-too-large",
      `sessile: the session payload is over maxPayloadBytes (${maxBytes}); store less in the session or raise the limit`,
    );
  }
  return text;
}

/** Whether a user id is one sessile can bind: 1 to 256 characters. */
export function isUserId(value: unknown): value is string {
  return typeof value === "string" && value.length > 0 && value.length <= MAX_USER_ID_LENGTH;
}

function isBinding(u: unknown): boolean {
  if (!isPlainRecord(u) || !isUserId(u.i) || !isTimestamp(u.b)) return false;
  return (
    u.d === undefined || (isPlainRecord(u.d) && Buffer.byteLength(JSON.stringify(u.d)) <= MAX_META_BYTES)
  );
}

function isTimestamp(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value > 0;
}

/** Why the fields of a parsed payload are unusable, or `null` when they are fine. */
function fieldProblem(p: Record<string, unknown>, now: number, nesting: boolean): string | null {
  const { r, c, t, x, m, f, k, a } = p;
  if (r !== undefined && (typeof r !== "number" || !Number.isSafeInteger(r) || r < 0)) {
    return "the stored revision is not a whole number";
  }
  if (!isTimestamp(c) || c > now + CLOCK_SKEW) return "the stored creation time is impossible";
  if (t !== undefined && (!isTimestamp(t) || t > MAX_DURATION)) return "the stored timeout is out of range";
  if ((t === undefined) !== (x === undefined)) return "the stored timeout and expiry disagree";
  if (x !== undefined && (!isTimestamp(x) || x < c || x > now + (t as number) + CLOCK_SKEW)) {
    return "the stored expiry is impossible";
  }
  if (!isPlainRecord(m)) return "the stored data is not an object";
  if (f !== undefined && (!isPlainRecord(f) || !Object.values(f).every(Array.isArray))) {
    return "the stored flash queues are malformed";
  }
  if (k !== undefined && typeof k !== "string") return "the stored CSRF token is malformed";
  if (a !== undefined && (typeof a !== "number" || !Number.isSafeInteger(a) || a < 0 || a > MAX_COOKIE_AGE)) {
    return "the stored cookie max-age is out of range";
  }
  if (nesting && tooDeep(m, f)) return "the stored data nests too deeply to be written back";
  if (p.u !== undefined && !isBinding(p.u)) return "the stored user binding is malformed";
  return null;
}

/**
 * A packed (version 2) payload as the fields of version 1, for the same checks; `undefined` when its
 * layout is wrong. The fields' values are checked by {@link fieldProblem}.
 */
function fieldsOfPacked(value: unknown[]): Record<string, unknown> | undefined {
  const [version, r, c, t, d, m, extras] = value;
  if (version !== 2 || (value.length !== 6 && value.length !== 7)) return undefined;
  if (value.length === 7 && !isPlainRecord(extras)) return undefined;
  if (typeof c !== "number" || typeof t !== "number" || typeof d !== "number") return undefined;
  const fields: Record<string, unknown> = { v: 1, r, c, m };
  // No timeout is stored as 0, 0; anything else goes to the checks as version 1 would hold it.
  if (t !== 0 || d !== 0) {
    fields.t = t;
    fields.x = c + d;
  }
  if (extras !== undefined) {
    const { f, k, a, u } = extras as Record<string, unknown>;
    Object.assign(fields, { f, k, a, u });
  }
  return fields;
}

/** Parses and checks a stored payload (version 1 or 2); anything odd is reported, never thrown. */
export function decodePayload(serializer: Serializer, text: string, now: number): DecodeResult {
  let value: unknown;
  try {
    value = serializer.parse(text);
  } catch {
    return { ok: false, message: "the stored payload does not parse" };
  }
  const fields = Array.isArray(value) ? fieldsOfPacked(value) : value;
  if (!isPlainRecord(fields) || fields.v !== 1)
    return { ok: false, message: "the stored payload is not a version 1 or 2 session" };
  const problem = fieldProblem(fields, now, mayNestTooDeeply(serializer, text));
  if (problem !== null) return { ok: false, message: problem };
  const p = fields as unknown as StoredPayload;
  return {
    ok: true,
    record: {
      revision: p.r ?? 0,
      createdAt: p.c,
      timeout: p.t ?? null,
      expires: p.x ?? null,
      data: p.m,
      flash: p.f,
      csrf: p.k,
      cookieAge: p.a,
      user: p.u === undefined ? undefined : { id: p.u.i, boundAt: p.u.b, meta: p.u.d },
    },
  };
}

/**
 * What `regenerate()` leaves under the old key for a short while: a pointer to the new key (a digest,
 * which cannot be turned into a cookie). It is not serialized, so any serializer's output tells apart.
 */
const ROTATED = "sessile-rotated:";

/** The value that marks a key as rotated to `newKey`. */
export function rotationMarker(newKey: string): string {
  return ROTATED + newKey;
}

/** The key a rotation marker points to, or `null` when `raw` is not a marker. */
export function rotatedTo(raw: string): string | null {
  return raw.startsWith(ROTATED) ? raw.slice(ROTATED.length) : null;
}
