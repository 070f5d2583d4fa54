/** What {@link SessionStore.update} found. */
export type UpdateResult =
  /** The key held the expected value and now holds the new one (or, for a deletion, is gone). */
  | { readonly status: "updated" }
  /** The key was gone: nothing was written. */
  | { readonly status: "missing" }
  /** The key held another value (a concurrent write); nothing was written. */
  | { readonly status: "changed"; readonly current: string };

/** What {@link SessionStore.replace} did. */
export interface ReplaceResult {
  /** `newKey` was written; `false` if it existed already. */
  readonly created: boolean;
  /** What `oldKey` held before the marker replaced it, or `null` if it was gone (nothing was written there). */
  readonly previous: string | null;
}

/** One change to a user's index of sessions (a sorted set of session key digests scored by deadline). */
export interface IndexUpdate {
  /** Now, in seconds since the epoch: members whose deadline has passed are pruned. */
  readonly now: number;
  /** A session to add (or whose deadline moves); `deadline` `null` = none (LRU mode without timeouts). */
  readonly add?: { readonly member: string; readonly deadline: number | null };
  /** A session to take out (the old key of a rotation, or a rebinding). */
  readonly remove?: string;
  /** Keep at most this many sessions: the ones that would end soonest (never `add`) are taken out and answered. */
  readonly limit?: number;
  /** Seconds the index must outlive a revocation stamp (the longest a session stamped out could live). */
  readonly stampLife: number;
}

/** What an index update found. */
export interface IndexUpdateResult {
  /** Sessions taken out because the index was over `limit`; the caller ends them. */
  readonly evicted: readonly string[];
  /** The user's revocation stamp (milliseconds since the epoch, so a login in the same second is told apart), or `null`: sessions bound before it must end. */
  readonly stamp: number | null;
}

/** A user's index as read. */
export interface IndexEntries {
  /** Sessions whose deadline has not passed, with it (`null` = none). */
  readonly members: readonly { readonly member: string; readonly deadline: number | null }[];
  readonly stamp: number | null;
}

/**
 * The optional part of a store that keeps user indexes, for `session.bindUser()` and `sessions.users`.
 * Every operation touches one key (the index), so it runs on Redis Cluster beside the session keys.
 */
export interface UserIndexStore {
  /** Applies one update atomically (Redis: one script call) and expires the index with its last session. */
  updateIndex(key: string, update: IndexUpdate): Promise<IndexUpdateResult>;
  /** The live members and the stamp. */
  readIndex(key: string, now: number): Promise<IndexEntries>;
  /** Takes members out (`ZREM`); answers how many were there. */
  removeFromIndex(key: string, members: readonly string[]): Promise<number>;
  /** Sets the revocation stamp (milliseconds since the epoch), kept for `stampLife` seconds at least. */
  stampIndex(key: string, stamp: number, stampLife: number): Promise<void>;
}

/** Reads and deletes keys of another library, full keys without the store's prefix; one command each. */
export interface ForeignKeys {
  get(key: string): Promise<string | null>;
  destroy(key: string): Promise<void>;
}

/**
 * Where sessions live. Keys passed in are digests of session ids (never the ids themselves); the
 * store adds its own prefix. Every operation touches one key, except `replace`, which touches two in
 * one round-trip without a multi-key command, so it runs on Redis Cluster.
 *
 * `ttl` is a whole number of seconds (always > 0), or `null` to store without an expiry (LRU mode).
 * A store that cannot reach its backend rejects; sessile wraps that rejection in a `StoreError`.
 */
export interface SessionStore {
  /** The stored value, or `null` when there is none. Rejects with `WrongTypeError` when the key holds something else. */
  get(key: string): Promise<string | null>;
  /** Writes only if the key does not exist (`SET NX`); resolves `false` if it did. */
  create(key: string, value: string, ttl: number | null): Promise<boolean>;
  /**
   * Compare-and-set: writes `value` (or deletes the key when `value` is `null`) only if the key still
   * holds exactly `expected`, atomically. Redis: one script call (`EVALSHA`) comparing digests.
   */
  update(key: string, value: string | null, ttl: number | null, expected: string): Promise<UpdateResult>;
  /** Deletes the key (`DEL`); a missing key is not an error. */
  destroy(key: string): Promise<void>;
  /** Deletes the key and resolves what it held (`GETDEL`), or `null` when it was gone. */
  take(key: string): Promise<string | null>;
  /**
   * Creates `newKey` (`SET NX`) and, only if `oldKey` still exists, overwrites it with `marker` for
   * `markerTtl` seconds, answering what it held (`SET XX GET EX`), in one round-trip. A `previous` of
   * `null` means the old session was deleted meanwhile (a concurrent logout), so the caller can undo
   * the creation rather than bring the session back.
   */
  replace(
    oldKey: string,
    newKey: string,
    value: string,
    ttl: number | null,
    marker: string,
    markerTtl: number,
  ): Promise<ReplaceResult>;
  /**
   * The backend's eviction policy (Redis `maxmemory-policy`), when it can be read. LRU mode asks once
   * and reports a policy that never evicts keys without a TTL through `debuglog("sessile")`.
   */
  evictionPolicy?(): Promise<string | undefined>;
  /** User indexes; without them `bindUser()` and `sessions.users` throw (the built-in stores have them). */
  readonly users?: UserIndexStore;
  /** Keys outside the store's prefix, as given (a legacy library's sessions): needed by the `adopt` option. */
  readonly foreign?: ForeignKeys;
}
