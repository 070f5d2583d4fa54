import type { SessionStore } from "../core/store.js";
import { CHECKS, TTL_CHECKS, USER_CHECKS } from "./cases.js";

/** One check of the store contract; `run` rejects with an assertion error when the store breaks it. */
export interface StoreConformanceCase {
  readonly name: string;
  run(): Promise<void>;
}

/** Options of {@link storeConformanceCases}. */
export interface StoreConformanceOptions {
  /**
   * The remaining time to live of a key in milliseconds (`-1` without expiry, `-2` when missing), read
   * from the backend (Redis: `PTTL` with the store's prefix). Enables the TTL checks.
   */
  ttlOf?: (key: string) => Promise<number>;
}

/**
 * The contract every `SessionStore` must keep, as a list of cases to register with any test runner:
 *
 * ```ts
 * for (const c of storeConformanceCases(() => myStore)) it(c.name, () => c.run());
 * ```
 */
export function storeConformanceCases(
  makeStore: () => SessionStore | Promise<SessionStore>,
  options: StoreConformanceOptions = {},
): StoreConformanceCase[] {
  const cases: StoreConformanceCase[] = Object.entries({ ...CHECKS, ...USER_CHECKS }).map(
    ([name, check]) => ({
      name,
      run: async () => check(await makeStore()),
    }),
  );
  const { ttlOf } = options;
  if (ttlOf === undefined) return cases;
  return cases.concat(
    Object.entries(TTL_CHECKS).map(([name, check]) => ({
      name,
      run: async () => check(await makeStore(), ttlOf),
    })),
  );
}
