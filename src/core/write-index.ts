import { type Emit, subjectOf } from "./events.js";
import { rotatedTo } from "./payload.js";
import type { Reporter } from "./report.js";
import type { SessionState } from "./state.js";
import type { IndexUpdateResult, SessionStore } from "./store.js";
import { storeCall } from "./store-call.js";
import { type IndexOp, type IndexOptions, indexKeyOf, userIndexOf } from "./user-index.js";

/** What index work needs. */
export interface IndexContext {
  readonly store: SessionStore;
  readonly index: IndexOptions;
  readonly report: Reporter;
  readonly emit: Emit;
}

/** Sends index updates (issued with the session write, so they share its round-trip). */
export function sendIndex(ctx: IndexContext, ops: readonly IndexOp[]): Promise<IndexUpdateResult[]> {
  if (ops.length === 0) return Promise.resolve([]);
  const users = userIndexOf(ctx.store);
  return Promise.all(ops.map((op) => storeCall("index", users.updateIndex(op.key, op.update))));
}

/** Takes the session under `key` out of `userId`'s index (a logout, an emptied session). */
export function unindex(ctx: IndexContext, userId: string | undefined, key: string): Promise<unknown> {
  if (userId === undefined) return Promise.resolve();
  return storeCall("index", userIndexOf(ctx.store).removeFromIndex(indexKeyOf(userId), [key]));
}

/** Deletes a session key, and the session it was rotated to when it holds a marker. Answers whether one existed. */
export async function endKey(store: SessionStore, key: string): Promise<boolean> {
  const previous = await storeCall("destroy", store.take(key));
  const target = previous === null ? null : rotatedTo(previous);
  if (target !== null) await storeCall("destroy", store.take(target));
  return previous !== null;
}

/**
 * Acts on what the index updates answered: sessions evicted over `maxSessionsPerUser` end; and when the
 * user's revocation stamp is later than this session's binding, this session ends too (answered `true`).
 */
export async function afterIndex(
  ctx: IndexContext,
  state: SessionState,
  results: readonly IndexUpdateResult[],
): Promise<boolean> {
  const evicted = results.flatMap((r) => r.evicted);
  const stamp = results.find((r) => r.stamp !== null)?.stamp ?? null;
  const revoked = stamp !== null && state.user !== undefined && state.user.boundAt < stamp;
  const ends = [...evicted];
  if (revoked && state.stored !== null) ends.push(state.stored.key);
  await Promise.all(ends.map((key) => endKey(ctx.store, key)));
  for (const handle of evicted)
    ctx.emit("invalidated", { handle, userId: state.user?.id ?? null, cause: "evicted" });
  if (revoked && state.stored !== null) await unindex(ctx, state.user?.id, state.stored.key);
  if (revoked)
    ctx.report(
      "revoked",
      "the user's sessions were ended (a revocation stamp is later than this binding)",
      subjectOf(state),
    );
  return revoked;
}
