import { type AdoptOptions, reportAdopted } from "./adopt.js";
import { SessionError } from "./errors.js";
import { subjectOf } from "./events.js";
import { rotatedTo, rotationMarker } from "./payload.js";
import { land, type Payload, type WritePlan } from "./plan.js";
import type { Reporter } from "./report.js";
import { mergeAttempt, type SettleContext, type Settled, settle } from "./settle.js";
import { resetState, type SessionState } from "./state.js";
import type { ReplaceResult } from "./store.js";
import { storeCall } from "./store-call.js";
import { indexOpsFor } from "./user-index.js";
import { afterIndex, endKey, type IndexContext, sendIndex, unindex } from "./write-index.js";

/**
 * How long (seconds) a rotated key keeps its marker: requests of the same browser still carrying the old
 * cookie are recognised (and neither clear nor replace the new one), and requests that read the session
 * before the rotation have their changes merged into the new session.
 */
export const ROTATION_GRACE = 60;

/** What carrying out a plan needs besides the plan. */
export interface WriteContext extends SettleContext, IndexContext {
  readonly idleTimeout: number | null;
  /** The configured cookie Max-Age (`cookie.maxAge`). */
  readonly cookieMaxAge: number | null;
  readonly newId: () => { id: string; key: string };
  readonly report: Reporter;
  /** The `adopt` option, or `undefined`. */
  readonly adopt: AdoptOptions | undefined;
}

/**
 * Deletes the stored session for this request's logout and forgets it. It wins over everything: when
 * the key had been rotated meanwhile (a concurrent `regenerate()`), the session it moved to ends too.
 */
export async function endSession(
  ctx: WriteContext,
  state: SessionState,
  key: string,
  now: number,
): Promise<void> {
  await Promise.all([endKey(ctx.store, key), unindex(ctx, state.indexedAs, key)]);
  resetState(state, now, ctx.idleTimeout, "clear");
}

/** Forgets a session someone else ended: a concurrent logout's own response clears the cookie. */
function vanish(ctx: WriteContext, state: SessionState, now: number): void {
  ctx.report(
    "vanished",
    "the session was deleted (logout or expiry) while this request was running",
    subjectOf(state),
  );
  resetState(state, now, ctx.idleTimeout, "keep");
}

function collision(): SessionError {
  return new SessionError("id-collision", "sessile: a new session id already existed in the store");
}

/** Records how a compare-and-set write ended. */
async function afterSettled(
  ctx: WriteContext,
  state: SessionState,
  settled: Settled,
  now: number,
): Promise<void> {
  switch (settled.status) {
    case "written": {
      const at = settled.forwarded
        ? { origin: "forwarded" as const, key: settled.key, id: state.stored?.id ?? "" }
        : null;
      return land(state, { payload: settled.payload, at }, ctx.cookieMaxAge);
    }
    case "deleted":
      ctx.emit("invalidated", { ...subjectOf(state), cause: "emptied" });
      return resetState(state, now, ctx.idleTimeout, "clear");
    case "vanished":
      return vanish(ctx, state, now);
    case "corrupt": {
      ctx.report("corrupt", "the stored session cannot be compared and written back", subjectOf(state));
      const key = state.stored?.key;
      if (key !== undefined) await storeCall("destroy", ctx.store.destroy(key));
      return resetState(state, now, ctx.idleTimeout, "clear");
    }
  }
}

/**
 * `regenerate()`: the session under a new key, the old key turned into a short-lived marker pointing to
 * it, in one round-trip. What the old key held tells how it went: nothing (a concurrent logout: undo the
 * copy), what this request read (done), a newer version (merge it into the copy), or another rotation's
 * marker (two concurrent `regenerate()`s: restore theirs, drop the copy, merge into their session).
 */
async function rotate(
  ctx: WriteContext,
  state: SessionState,
  plan: Extract<WritePlan, { kind: "rotate" }>,
  now: number,
): Promise<void> {
  const base = state.stored?.raw as string;
  const { id, key } = ctx.newId();
  const marker = rotationMarker(key);
  const { store } = ctx;
  const ops = indexOpsFor(
    state,
    { key, oldKey: plan.oldKey, expires: plan.expires, extends: true },
    now,
    ctx.index,
  );
  const [replaced, indexed] = await Promise.all([
    storeCall("regenerate", store.replace(plan.oldKey, key, plan.text, plan.ttl, marker, ROTATION_GRACE)),
    sendIndex(ctx, ops),
  ]);
  const user = state.user?.id;
  await rotated(ctx, state, plan, now, { id, key, base, replaced });
  if (state.stored?.key === key) return settleIndex(ctx, state, indexed, now);
  // The new key was dropped (a concurrent logout or rotation): so is the index member added for it.
  if (ops.length > 0) await unindex(ctx, user, key);
}

/** Acts on what the old key held when the marker replaced it. */
async function rotated(
  ctx: WriteContext,
  state: SessionState,
  plan: Extract<WritePlan, { kind: "rotate" }>,
  now: number,
  { id, key, base, replaced }: { id: string; key: string; base: string; replaced: ReplaceResult },
): Promise<void> {
  const { store } = ctx;
  const marker = rotationMarker(key);
  if (!replaced.created) throw collision();
  const { previous } = replaced;
  if (previous === null) {
    await storeCall("regenerate", store.destroy(key));
    return vanish(ctx, state, now);
  }
  const landed = { payload: plan as Payload, at: { origin: "created" as const, key, id } };
  if (previous === base) return land(state, landed, ctx.cookieMaxAge);
  const other = rotatedTo(previous);
  if (other === null) {
    const next = mergeAttempt(ctx, state, now, base, plan, previous);
    if (next === "corrupt") return land(state, landed, ctx.cookieMaxAge);
    if (next === "vanished") {
      await storeCall("regenerate", store.destroy(key));
      return vanish(ctx, state, now);
    }
    const attempt = { key, expected: plan.text, payload: next.payload, forwarded: false };
    const settled = await settle(ctx, state, now, attempt, base);
    if (settled.status !== "written") return afterSettled(ctx, state, settled, now);
    return land(state, { payload: settled.payload, at: landed.at }, ctx.cookieMaxAge);
  }
  await Promise.all([
    storeCall("regenerate", store.update(plan.oldKey, previous, ROTATION_GRACE, marker)),
    storeCall("regenerate", store.destroy(key)),
  ]);
  await forward(ctx, state, now, other, base, plan);
}

/** Merges this request's changes into the session another request rotated to; no cookie is sent for it. */
async function forward(
  ctx: WriteContext,
  state: SessionState,
  now: number,
  target: string,
  base: string,
  mine: Payload,
): Promise<void> {
  const current = await storeCall("regenerate", ctx.store.get(target));
  if (current === null || rotatedTo(current) !== null) return vanish(ctx, state, now);
  const next = mergeAttempt(ctx, state, now, base, mine, current);
  if (typeof next === "string") return afterSettled(ctx, state, { status: next }, now);
  const attempt = { key: target, expected: current, payload: next.payload, forwarded: true };
  return afterSettled(ctx, state, await settle(ctx, state, now, attempt, base), now);
}

/**
 * Deletes what an adopted session came from (the legacy key, the offline migrator's copy), sent beside
 * the write that stores it; and notes the legacy cookies to expire. Also run by a logout of one.
 */
export async function retireAdopted(
  ctx: WriteContext,
  state: SessionState,
  outcome: "adopted" | "ended" = "adopted",
): Promise<void> {
  const adoption = state.adoption;
  if (adoption === null) return;
  const { store } = ctx;
  await Promise.all([
    adoption.migratedKey === null ? null : storeCall("adopt", store.destroy(adoption.migratedKey)),
    adoption.legacyKey === null || store.foreign === undefined
      ? null
      : storeCall("adopt", store.foreign.destroy(adoption.legacyKey)),
  ]);
  state.adoption = null;
  state.expireLegacy = adoption.expire;
  if (outcome === "adopted" && ctx.adopt !== undefined) reportAdopted(ctx.adopt, adoption);
}

/** After a write landed: evictions over the limit end, and a revoked session ends here too. */
async function settleIndex(
  ctx: WriteContext,
  state: SessionState,
  results: Awaited<ReturnType<typeof sendIndex>>,
  now: number,
): Promise<void> {
  if (results.length > 0 && (await afterIndex(ctx, state, results)))
    resetState(state, now, ctx.idleTimeout, "clear");
}

/** Carries out a plan against the store: one round-trip, more only to resolve a concurrent write. */
export async function carryOut(
  ctx: WriteContext,
  state: SessionState,
  plan: WritePlan,
  now: number,
): Promise<void> {
  const { store } = ctx;
  switch (plan.kind) {
    case "none":
      return;
    case "create": {
      const { id, key } = ctx.newId();
      const ops = indexOpsFor(state, { key, expires: plan.expires, extends: true }, now, ctx.index);
      const [created, indexed] = await Promise.all([
        storeCall("create", store.create(key, plan.text, plan.ttl)),
        sendIndex(ctx, ops),
        retireAdopted(ctx, state),
      ]);
      if (!created) throw collision();
      land(state, { payload: plan, at: { origin: "created", key, id } }, ctx.cookieMaxAge);
      return settleIndex(ctx, state, indexed, now);
    }
    case "rotate":
      return rotate(ctx, state, plan, now);
    case "update": {
      const attempt = { key: plan.key, expected: plan.expected, payload: plan as Payload, forwarded: false };
      const ops = indexOpsFor(
        state,
        { key: plan.key, expires: plan.expires, extends: plan.extends },
        now,
        ctx.index,
      );
      const [settled, indexed] = await Promise.all([
        settle(ctx, state, now, attempt, plan.expected),
        sendIndex(ctx, ops),
      ]);
      const user = state.user?.id;
      await afterSettled(ctx, state, settled, now);
      if (settled.status === "written") return settleIndex(ctx, state, indexed, now);
      // The session ended while this write was on its way: what the index update added goes again.
      if (ops.length > 0) await unindex(ctx, user, plan.key);
      return;
    }
    case "destroy": {
      if (plan.reason === "expired") {
        ctx.emit("invalidated", { ...subjectOf(state), cause: "expired" });
        await storeCall("destroy", store.destroy(plan.key));
        return resetState(state, now, ctx.idleTimeout, "clear");
      }
      const attempt = { key: plan.key, expected: plan.expected, payload: null, forwarded: false };
      const [settled] = await Promise.all([
        settle(ctx, state, now, attempt, plan.expected),
        unindex(ctx, state.indexedAs, plan.key),
      ]);
      return afterSettled(ctx, state, settled, now);
    }
  }
}
