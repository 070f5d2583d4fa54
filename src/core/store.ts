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
}
