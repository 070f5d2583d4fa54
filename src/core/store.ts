/** What {@link SessionStore.replace} did. */
export interface ReplaceResult {
  readonly created: boolean;
  readonly removed: boolean;
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
  /** Writes only if the key still exists (`SET XX`); resolves `false` if it was gone. */
  update(key: string, value: string, ttl: number | null): Promise<boolean>;
  /** Deletes the key (`DEL`); a missing key is not an error. */
  destroy(key: string): Promise<void>;
  /**
   * Creates `newKey` (`SET NX`) and deletes `oldKey` in one round-trip. `created` is `false` if `newKey`
   * existed; `removed` is `false` if `oldKey` was already gone (a concurrent logout), so the caller can
   * undo the creation rather than bring the session back.
   */
  replace(oldKey: string, newKey: string, value: string, ttl: number | null): Promise<ReplaceResult>;
  /**
   * The backend's eviction policy (Redis `maxmemory-policy`), when it can be read. LRU mode asks once
   * and reports a policy that never evicts keys without a TTL through `debuglog("sessile")`.
   */
  evictionPolicy?(): Promise<string | undefined>;
}
