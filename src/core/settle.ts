import { SessionError } from "./errors.js";
import { subjectOf } from "./events.js";
import { mergeRecords } from "./merge.js";
import { decodePayload, encodePayload, rotatedTo, type SessionRecord } from "./payload.js";
import { type Payload, type PlanOptions, ttlFor } from "./plan.js";
import type { ConflictReporter } from "./report.js";
import { adoptRecord, isEmpty, type SessionState } from "./state.js";
import type { SessionStore } from "./store.js";
import { storeCall } from "./store-call.js";

/** Compare-and-set attempts before a conflict that does not settle becomes an error. */
const MAX_ATTEMPTS = 5;

/** What settling a write needs. */
export interface SettleContext {
  readonly store: SessionStore;
  readonly options: PlanOptions;
  readonly reportConflict: ConflictReporter;
}

/** Where a settled write ended. */
export type Settled =
  | {
      readonly status: "written";
      readonly key: string;
      readonly payload: Payload;
      readonly forwarded: boolean;
    }
  | { readonly status: "deleted" }
  /** The session was deleted (a logout) or expired meanwhile: nothing was written. */
  | { readonly status: "vanished" }
  /** The stored value cannot be compared (its bytes do not round-trip as text): it is unusable. */
  | { readonly status: "corrupt" };

/** One compare-and-set to try: `payload` on `key` if it still holds `expected` (`null` payload = delete). */
export interface Attempt {
  key: string;
  expected: string;
  payload: Payload | null;
  forwarded: boolean;
}

/**
 * Merges this request's session onto `current`, what another request stored meanwhile, and gives the
 * next attempt: the merged payload (or a deletion, when the merge is empty and `invalidateEmpty` is on).
 * The state takes the merged record, so a later write of this request starts from it.
 */
function mergeOnto(
  ctx: SettleContext,
  state: SessionState,
  base: SessionRecord,
  mine: SessionRecord,
  current: string,
  now: number,
): { payload: Payload | null } | "vanished" {
  const { options } = ctx;
  const decoded = decodePayload(options.serializer, current, now);
  // What is stored is not a session (corrupt): overwrite it with this request's own.
  const merged = decoded.ok
    ? mergeRecords(base, mine, decoded.record)
    : { record: mine, keys: [], settings: [] };
  if (merged.keys.length > 0 || merged.settings.length > 0)
    ctx.reportConflict(merged.keys, merged.settings, subjectOf(state));
  const timeout = merged.record.timeout;
  const record: SessionRecord = {
    ...merged.record,
    expires:
      timeout === null || merged.record.expires === null
        ? null
        : Math.min(merged.record.expires, now + timeout),
  };
  adoptRecord(state, record);
  if (isEmpty(state) && options.invalidateEmpty) return { payload: null };
  const ttl = ttlFor(record, options, now);
  if (ttl === "expired") return "vanished";
  const text = encodePayload(options.serializer, record, options.maxPayloadBytes);
  return { payload: { text, revision: record.revision, expires: record.expires, ttl, extends: false } };
}

/**
 * Writes with a compare-and-set, merging on conflict until it lands: what this request read (`base`)
 * and what it has now (`mine`) are merged onto whatever the store holds instead, and the merge is tried
 * again. A key that now holds a rotation marker is followed to the rotated session once. Bounded: a
 * conflict that does not settle in {@link MAX_ATTEMPTS} tries throws instead of dropping the write.
 */
export async function settle(
  ctx: SettleContext,
  state: SessionState,
  now: number,
  first: Attempt,
  baseRaw: string,
): Promise<Settled> {
  const attempt = { ...first };
  for (let tries = 0; tries < MAX_ATTEMPTS; tries++) {
    const { key, expected, payload } = attempt;
    const result = await storeCall(
      "update",
      ctx.store.update(key, payload?.text ?? null, payload?.ttl ?? null, expected),
    );
    if (result.status === "updated") {
      return payload === null
        ? { status: "deleted" }
        : { status: "written", key, payload, forwarded: attempt.forwarded };
    }
    if (result.status === "missing") return { status: "vanished" };
    let current = result.current;
    if (current === expected) return { status: "corrupt" };
    const target = rotatedTo(current);
    if (target !== null) {
      if (attempt.forwarded) return { status: "vanished" };
      const found = await storeCall("update", ctx.store.get(target));
      if (found === null || rotatedTo(found) !== null) return { status: "vanished" };
      Object.assign(attempt, { key: target, forwarded: true });
      current = found;
    }
    const next = mergeAttempt(ctx, state, now, baseRaw, first.payload, current);
    if (next === "vanished" || next === "corrupt") return { status: next };
    Object.assign(attempt, { expected: current, payload: next.payload });
  }
  throw new SessionError(
    "write-conflict",
    `sessile: the session kept changing under concurrent requests; ${MAX_ATTEMPTS} merged writes did not land, so this request's changes were not saved`,
  );
}

/**
 * The payload to try after finding `current` where this request expected its base: this request's
 * changes (`minePayload` against `baseRaw`) merged onto it.
 */
export function mergeAttempt(
  ctx: SettleContext,
  state: SessionState,
  now: number,
  baseRaw: string,
  minePayload: Payload | null,
  current: string,
): { payload: Payload | null } | "vanished" | "corrupt" {
  const sides = sidesOf(ctx.options, baseRaw, minePayload, now);
  return sides === null ? "corrupt" : mergeOnto(ctx, state, sides.base, sides.mine, current, now);
}

/**
 * Snapshots of the merge's two own sides, decoded from text so that later merges of this request
 * (which change the state in place) cannot leak into them: what it read, and what it meant to write
 * (for a deletion: the session emptied).
 */
function sidesOf(
  options: PlanOptions,
  baseRaw: string,
  payload: Payload | null,
  now: number,
): { base: SessionRecord; mine: SessionRecord } | null {
  const base = decodePayload(options.serializer, baseRaw, now);
  if (!base.ok) return null;
  if (payload === null) {
    return { base: base.record, mine: { ...base.record, data: {}, flash: undefined, csrf: undefined } };
  }
  const mine = decodePayload(options.serializer, payload.text, now);
  return mine.ok ? { base: base.record, mine: mine.record } : null;
}
