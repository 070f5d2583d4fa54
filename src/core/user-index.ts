import { SessionError } from "./errors.js";
import { deadline } from "./expiry.js";
import { digestId } from "./id.js";
import type { SessionState } from "./state.js";
import type { IndexUpdate, SessionStore, UserIndexStore } from "./store.js";

/** The store's user indexes; a store without them cannot bind sessions to users nor list them. */
export function userIndexOf(store: SessionStore): UserIndexStore {
  if (store.users === undefined) {
    throw new SessionError(
      "invalid-option",
      "sessile: this store keeps no user indexes (store.users), so sessions cannot be bound to users or listed; use redisStore() or memoryStore()",
    );
  }
  return store.users;
}

/** The store key of a user's index: a digest, so key lists never show a user id (often an email address). */
export function indexKeyOf(userId: string): string {
  return `u:${digestId(`user\0${userId}`)}`;
}

/** One index update to send beside a session write. */
export interface IndexOp {
  readonly key: string;
  readonly update: IndexUpdate;
}

/** What the index updates depend on besides the state. */
export interface IndexOptions {
  readonly absoluteTimeout: number | null;
  readonly maxSessionsPerUser: number | null;
  /** The longest a session bound before a revocation stamp could live without writing (it is checked then). */
  readonly stampLife: number;
}

/** A write about to be sent, as the index sees it. */
export interface IndexedWrite {
  /** The key the session is written under. */
  readonly key: string;
  /** The key it leaves (a rotation), if any. */
  readonly oldKey?: string | undefined;
  readonly expires: number | null;
  /** The stored expiry moves (a refresh): the index score moves with it. */
  readonly extends: boolean;
}

/**
 * The index updates a session write needs, decided from the state alone: none for an unbound session or
 * a write that moves neither its key nor its deadline nor its binding (so a bound session costs what an
 * unbound one costs, except once per refresh); otherwise the session added under its new deadline, its
 * old key taken out, and, when it was bound to another user, taken out of that user's index.
 */
export function indexOpsFor(
  state: SessionState,
  write: IndexedWrite,
  now: number,
  options: IndexOptions,
): IndexOp[] {
  const user = state.user?.id;
  const was = state.indexedAs;
  const moved = write.oldKey !== undefined || state.stored === null || state.rebound;
  const ops: IndexOp[] = [];
  if (was !== undefined && was !== user) {
    ops.push({
      key: indexKeyOf(was),
      update: { now, remove: write.oldKey ?? write.key, stampLife: options.stampLife },
    });
  }
  if (user === undefined || (!moved && !write.extends && was === user)) return ops;
  const update: IndexUpdate = {
    now,
    add: { member: write.key, deadline: deadline(state.createdAt, write.expires, options.absoluteTimeout) },
    stampLife: options.stampLife,
    ...(write.oldKey !== undefined && was === user ? { remove: write.oldKey } : {}),
    ...(state.rebound && options.maxSessionsPerUser !== null ? { limit: options.maxSessionsPerUser } : {}),
  };
  ops.push({ key: indexKeyOf(user), update });
  return ops;
}
