import { readCookieValues } from "./cookie.js";
import { StoreError, WrongTypeError } from "./errors.js";
import { deadline } from "./expiry.js";
import { digestId } from "./id.js";
import { decodePayload, overLimit, rotatedTo, type Serializer } from "./payload.js";
import type { Reporter } from "./report.js";
import { type VerifiedId, verifyCookieValue } from "./signer.js";
import { freshState, loadedState, type SessionState } from "./state.js";
import type { SessionStore } from "./store.js";
import { storeCall } from "./store-call.js";

/** What loading needs from the factory. */
export interface LoadContext {
  readonly store: SessionStore;
  readonly secrets: readonly string[];
  readonly cookieName: string;
  readonly serializer: Serializer;
  readonly maxPayloadBytes: number;
  readonly idleTimeout: number | null;
  readonly absoluteTimeout: number | null;
  /** LRU mode is off: every stored session needs a deadline. */
  readonly redisTtl: boolean;
  readonly report: Reporter;
}

/** The first cookie of ours whose signature verifies, and whether any cookie of our name came at all. */
function verifyCookie(
  ctx: LoadContext,
  header: string | undefined,
): { verified: VerifiedId | null; presented: boolean } {
  const { values, malformed } = readCookieValues(header, ctx.cookieName);
  for (const value of values) {
    const verified = verifyCookieValue(ctx.secrets, ctx.cookieName, value);
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
  const state = freshState(now, ctx.idleTimeout, true, "keep");
  state.standing = "superseded";
  state.rotatedKey = key;
  return state;
}

/**
 * Loads the session the cookie header names: cookie → verified id → stored payload → state. A missing,
 * tampered, unknown, expired or corrupt session gives a fresh state (and `onInvalid` hears why); only a
 * failing store throws. At most one `GET`, plus a `DEL` for a stored value that cannot be used.
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
    return freshState(now, ctx.idleTimeout, presented, "keep");
  }
  const key = digestId(verified.id);
  const raw = await readStored(ctx, key);
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
  if (overLimit(raw, ctx.maxPayloadBytes))
    return discard(ctx, key, now, "corrupt", "the stored payload is over maxPayloadBytes");
  const decoded = decodePayload(ctx.serializer, raw, now);
  if (!decoded.ok) return discard(ctx, key, now, "corrupt", decoded.message);
  let record = decoded.record;
  const end = deadline(record.createdAt, record.expires, ctx.absoluteTimeout);
  if (end !== null && end <= now) {
    const message = "the stored session is past its idle or absolute timeout";
    return discard(ctx, key, now, "expired", message, record.user?.id ?? null);
  }
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
