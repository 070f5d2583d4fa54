import type { AdoptOptions } from "./adopt.js";
import { readCookieValues } from "./cookie.js";
import { StoreError, WrongTypeError } from "./errors.js";
import { deadline } from "./expiry.js";
import { digestId } from "./id.js";
import { decodePayload, overLimit, rotatedTo, type Serializer, type SessionRecord } from "./payload.js";
import type { Reporter } from "./report.js";
import { freshState, loadedState, type SessionState } from "./state.js";
import type { SessionStore } from "./store.js";
import { storeCall } from "./store-call.js";
import type { VerifiedCookie, VerifiedCookies } from "./verified-cookies.js";

/** What loading needs from the factory. */
export interface LoadContext {
  readonly store: SessionStore;
  readonly cookieName: string;
  readonly serializer: Serializer;
  readonly maxPayloadBytes: number;
  readonly idleTimeout: number | null;
  readonly absoluteTimeout: number | null;
  /** LRU mode is off: every stored session needs a deadline. */
  readonly redisTtl: boolean;
  /** A failing store answers a degraded session instead of throwing. */
  readonly degrade: boolean;
  /** Sessions of a legacy library to adopt, or `undefined`. */
  readonly adopt: AdoptOptions | undefined;
  readonly report: Reporter;
  /** The factory's memo of cookie values that verified. */
  readonly verified: VerifiedCookies;
}

/** The first cookie of ours whose signature verifies, and whether any cookie of our name came at all. */
function verifyCookie(
  ctx: LoadContext,
  header: string | undefined,
): { verified: VerifiedCookie | null; presented: boolean } {
  const { values, malformed } = readCookieValues(header, ctx.cookieName);
  for (const value of values) {
    const verified = ctx.verified.verify(value);
    if (verified !== null) return { verified, presented: true };
  }
  return { verified: null, presented: values.length > 0 || malformed };
}

/** The stored text under `key`; a value of the wrong Redis type counts as corrupt (`undefined`). */
async function readStored(ctx: LoadContext, key: string): Promise<string | null | undefined> {
  try {
    return await ctx.store.get(key);
  } catch (error) {
    if (error instanceof WrongTypeError) return undefined;
    throw new StoreError("load", error);
  }
}

/** Deletes a stored session that cannot be used, says why, and starts a fresh one. */
async function discard(
  ctx: LoadContext,
  key: string,
  now: number,
  reason: "corrupt" | "expired",
  message: string,
  userId: string | null = null,
): Promise<SessionState> {
  ctx.report(reason, message, { handle: key, userId });
  await storeCall("destroy", ctx.store.destroy(key));
  return freshState(now, ctx.idleTimeout, true);
}

/** A fresh session that is never saved and leaves the client's cookie alone. */
function unsaved(ctx: LoadContext, now: number, standing: "superseded" | "degraded"): SessionState {
  const state = freshState(now, ctx.idleTimeout, true, "keep");
  state.standing = standing;
  return state;
}

/**
 * The session of a request whose cookie a concurrent `regenerate()` has just rotated: empty, never
 * saved, and the cookie left alone, so this response can neither clear nor replace the new cookie that
 * the regenerating response sets. A logout on it still ends the rotated session.
 */
function superseded(ctx: LoadContext, key: string, now: number): SessionState {
  ctx.report(
    "rotated",
    "the session cookie was replaced by a concurrent regenerate(); this request gets an unsaved session",
    { handle: key, userId: null },
  );
  const state = unsaved(ctx, now, "superseded");
  state.rotatedKey = key;
  return state;
}

/** The session of a request whose stored session the store could not load (the `degrade` option). */
function degraded(ctx: LoadContext, now: number, error: StoreError): SessionState {
  ctx.report("unavailable", `the store failed; this request gets a degraded session (${error.message})`);
  return unsaved(ctx, now, "degraded");
}

/** The stored text, or the store's error when degrading is allowed (one promise fewer when it is not). */
function readOrDegrade(ctx: LoadContext, key: string): Promise<string | null | undefined | StoreError> {
  const read = readStored(ctx, key);
  if (!ctx.degrade) return read;
  return read.catch((error: unknown) => {
    if (error instanceof StoreError) return error;
    throw error;
  });
}

/** A stored payload that can be used, with its deadline; or why not. */
type Usable =
  | { readonly ok: true; readonly record: SessionRecord; readonly end: number | null }
  | {
      readonly ok: false;
      readonly reason: "corrupt" | "expired";
      readonly message: string;
      readonly userId: string | null;
    };

/** Checks a stored payload: within `maxPayloadBytes`, decodable, and not past its deadline. */
function usableRecord(ctx: LoadContext, raw: string, now: number): Usable {
  if (overLimit(raw, ctx.maxPayloadBytes)) {
    return {
      ok: false,
      reason: "corrupt",
      message: "the stored payload is over maxPayloadBytes",
      userId: null,
    };
  }
  const decoded = decodePayload(ctx.serializer, raw, now);
  if (!decoded.ok) return { ok: false, reason: "corrupt", message: decoded.message, userId: null };
  const { record } = decoded;
  const end = deadline(record.createdAt, record.expires, ctx.absoluteTimeout);
  if (end !== null && end <= now) {
    const message = "the stored session is past its idle or absolute timeout";
    return { ok: false, reason: "expired", message, userId: record.user?.id ?? null };
  }
  return { ok: true, record, end };
}

/** The data of the offline migrator's copy (a sessile payload) when it is live, with its deadline. */
function migratedCopy(ctx: LoadContext, raw: string | null | undefined, now: number) {
  if (typeof raw !== "string" || rotatedTo(raw) !== null) return null;
  const usable = usableRecord(ctx, raw, now);
  return usable.ok ? { data: usable.record.data, expiresAt: usable.end } : null;
}

/**
 * A request with a verified legacy cookie and no sessile one: the legacy session (or the offline
 * migrator's copy of it, under the digest of the legacy id) as a new sessile session to store at commit.
 * One round-trip of two `GET`s; `null` when there is nothing live to adopt (then nothing is written).
 */
async function adoptState(
  ctx: LoadContext,
  adopt: AdoptOptions,
  header: string | undefined,
  now: number,
): Promise<SessionState | null> {
  const ref = adopt.source.find(header);
  if (ref === null || ctx.store.foreign === undefined) return null;
  const migratedKey = digestId(ref.id);
  const [copyRaw, legacyRaw] = await Promise.all([
    readStored(ctx, migratedKey),
    storeCall("load", ctx.store.foreign.get(ref.key)),
  ]);
  const copy = migratedCopy(ctx, copyRaw, now);
  const legacy = copy === null && legacyRaw !== null ? adopt.source.decode(legacyRaw, now) : null;
  const found = copy ?? legacy;
  if (found === null) return null;
  const state = freshState(now, ctx.idleTimeout, false);
  state.data = found.data;
  state.write = "always";
  const keep = adopt.keepLegacy === true;
  const ours = ctx.idleTimeout === null ? null : now + ctx.idleTimeout;
  state.adoption = {
    from: copy === null ? "legacy" : "migrated",
    migratedKey: copy === null ? null : migratedKey,
    legacyKey: keep || legacyRaw === null ? null : ref.key,
    cap: found.expiresAt !== null && ours !== null && found.expiresAt < ours ? found.expiresAt : null,
    expire: keep ? [] : adopt.source.expireCookies(),
  };
  return state;
}

/**
 * Loads the session the cookie header names: cookie → verified id → stored payload → state. A missing,
 * tampered, unknown, expired or corrupt session gives a fresh state (and `onInvalid` hears why); only a
 * failing store throws (or, with `degrade`, gives a degraded state). At most one `GET`, plus a `DEL` for a stored value that cannot be used.
 */
export async function loadState(
  ctx: LoadContext,
  header: string | undefined,
  now: number,
): Promise<SessionState> {
  const { verified, presented } = verifyCookie(ctx, header);
  if (verified === null) {
    if (presented)
      ctx.report("bad-signature", "the session cookie is malformed or not signed by any current secret");
    // A cookie that does not verify cannot be attributed (it may be junk planted from a sibling
    // domain), so it is left alone: clearing it could wipe the real one, which has the same name.
    const adopted = ctx.adopt === undefined ? null : await adoptState(ctx, ctx.adopt, header, now);
    return adopted ?? freshState(now, ctx.idleTimeout, presented, "keep");
  }
  const { key } = verified;
  const raw = await readOrDegrade(ctx, key);
  if (raw instanceof StoreError) return degraded(ctx, now, raw);
  if (raw === undefined)
    return discard(ctx, key, now, "corrupt", "the session key holds a value of the wrong Redis type");
  if (raw === null) {
    ctx.report("not-found", "no stored session for this cookie (expired or deleted)", {
      handle: key,
      userId: null,
    });
    return freshState(now, ctx.idleTimeout, true);
  }
  if (rotatedTo(raw) !== null) return superseded(ctx, key, now);
  const usable = usableRecord(ctx, raw, now);
  if (!usable.ok) return discard(ctx, key, now, usable.reason, usable.message, usable.userId);
  let record = usable.record;
  // A session stored without any deadline (by LRU mode or an older configuration) under options that
  // need a TTL adopts the idle timeout with a refresh due now, so its next write carries an expiry.
  if (record.timeout === null && ctx.redisTtl && ctx.absoluteTimeout === null) {
    record = { ...record, timeout: ctx.idleTimeout, expires: now };
  }
  const stored = {
    origin: "loaded",
    key,
    id: verified.id,
    raw,
    expires: record.expires,
    revision: record.revision,
  } as const;
  return loadedState(stored, record, verified.rotated);
}
