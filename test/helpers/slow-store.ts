import { setTimeout as sleep } from "node:timers/promises";
import type { SessionStore } from "../../src/index.js";

/**
 * `store` with a pause of `delay.ms` (switchable at run time) before every write, so a response that did
 * not wait for its session write, or a request that raced another one's write, shows.
 */
export function delayedWrites(store: SessionStore, delay: { ms: number }): SessionStore {
  const pause = async () => {
    if (delay.ms > 0) await sleep(delay.ms);
  };
  return {
    get: (key) => store.get(key),
    destroy: (key) => store.destroy(key),
    take: (key) => store.take(key),
    ...(store.users === undefined ? {} : { users: store.users }),
    async create(...args) {
      await pause();
      return store.create(...args);
    },
    async update(...args) {
      await pause();
      return store.update(...args);
    },
    async replace(...args) {
      await pause();
      return store.replace(...args);
    },
  };
}

/**
 * Runs one compare-and-set through `store`, so the server has the script cached and command logs show
 * the steady state (`EVALSHA`) rather than a first `EVALSHA` answered `NOSCRIPT` and its `EVAL`.
 */
export async function warmScripts(store: SessionStore): Promise<void> {
  const key = `warm-up-${Math.random().toString(36).slice(2)}`;
  await store.create(key, "warm", 10);
  await store.update(key, null, null, "warm");
  const now = Math.floor(Date.now() / 1000);
  await store.users?.updateIndex(key, { now, add: { member: "warm", deadline: now + 10 }, stampLife: 10 });
  await store.users?.readIndex(key, now);
  await store.users?.removeFromIndex(key, ["warm"]);
}
