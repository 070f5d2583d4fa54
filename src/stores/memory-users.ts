import { nowSeconds } from "../core/expiry.js";
import type { IndexUpdate, UserIndexStore } from "../core/store.js";

interface Index {
  /** member → deadline (seconds), `null` = none. */
  readonly members: Map<string, number | null>;
  stamp: number | null;
  /** Seconds since the epoch when the whole index goes, `null` = never. */
  expiresAt: number | null;
}

const live = (deadline: number | null, now: number) => deadline === null || deadline >= now;

/** User indexes in process, with the same semantics as the Redis ones (pruning, limit, expiry, stamp). */
export function memoryUserIndex(): UserIndexStore {
  const indexes = new Map<string, Index>();

  function get(key: string): Index | undefined {
    const index = indexes.get(key);
    if (index?.expiresAt !== null && index?.expiresAt !== undefined && index.expiresAt <= nowSeconds()) {
      indexes.delete(key);
      return undefined;
    }
    return index;
  }

  function settleExpiry(key: string, index: Index, stampLife: number): void {
    const deadlines = [...index.members.values()];
    if (deadlines.includes(null)) index.expiresAt = null;
    else {
      const last = Math.max(
        0,
        ...(deadlines as number[]),
        index.stamp === null ? 0 : Math.ceil(index.stamp / 1000) + stampLife,
      );
      index.expiresAt = last > 0 ? last : null;
    }
    if (index.members.size === 0 && index.stamp === null) indexes.delete(key);
  }

  function evict(index: Index, update: IndexUpdate): string[] {
    const over = index.members.size - (update.limit ?? Number.POSITIVE_INFINITY);
    if (over <= 0) return [];
    const order = [...index.members]
      .filter(([member]) => member !== update.add?.member)
      .sort((a, b) => (a[1] ?? Number.POSITIVE_INFINITY) - (b[1] ?? Number.POSITIVE_INFINITY));
    const evicted = order.slice(0, over).map(([member]) => member);
    for (const member of evicted) index.members.delete(member);
    return evicted;
  }

  return {
    async updateIndex(key, update) {
      const index = get(key) ?? { members: new Map(), stamp: null, expiresAt: null };
      indexes.set(key, index);
      if (update.remove !== undefined) index.members.delete(update.remove);
      if (update.add !== undefined) index.members.set(update.add.member, update.add.deadline);
      for (const [member, deadline] of index.members)
        if (!live(deadline, update.now)) index.members.delete(member);
      const evicted = evict(index, update);
      settleExpiry(key, index, update.stampLife);
      return { evicted, stamp: index.stamp };
    },
    async readIndex(key, now) {
      const index = get(key);
      const members = [...(index?.members ?? [])]
        .filter(([, deadline]) => live(deadline, now))
        .map(([member, deadline]) => ({ member, deadline }));
      return { members, stamp: index?.stamp ?? null };
    },
    async removeFromIndex(key, members) {
      const index = get(key);
      let removed = 0;
      for (const member of members) if (index?.members.delete(member)) removed++;
      if (index !== undefined && index.members.size === 0 && index.stamp === null) indexes.delete(key);
      return removed;
    },
    async stampIndex(key, stamp, stampLife) {
      const index = get(key) ?? { members: new Map(), stamp: null, expiresAt: null };
      indexes.set(key, index);
      index.stamp = stamp;
      settleExpiry(key, index, stampLife);
    },
  };
}
