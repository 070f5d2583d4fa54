import { strict as assert } from "node:assert";
import { randomBytes } from "node:crypto";
import type { SessionStore } from "../core/store.js";

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

function freshKey(): string {
  return `conformance-${randomBytes(12).toString("base64url")}`;
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
  const cases: StoreConformanceCase[] = [
    {
      name: "get() resolves null for a key never written",
      async run() {
        const store = await makeStore();
        assert.equal(await store.get(freshKey()), null);
      },
    },
    {
      name: "create() writes a missing key and refuses an existing one",
      async run() {
        const store = await makeStore();
        const key = freshKey();
        assert.equal(await store.create(key, "first", 60), true);
        assert.equal(await store.create(key, "second", 60), false);
        assert.equal(await store.get(key), "first");
      },
    },
    {
      name: "update() replaces an existing key and refuses a missing one",
      async run() {
        const store = await makeStore();
        const key = freshKey();
        assert.equal(await store.update(key, "ghost", 60), false);
        assert.equal(await store.get(key), null, "update() must not create a key (SET XX)");
        await store.create(key, "one", 60);
        assert.equal(await store.update(key, "two", 60), true);
        assert.equal(await store.get(key), "two");
      },
    },
    {
      name: "destroy() removes a key and ignores a missing one",
      async run() {
        const store = await makeStore();
        const key = freshKey();
        await store.create(key, "v", 60);
        await store.destroy(key);
        assert.equal(await store.get(key), null);
        await store.destroy(key);
      },
    },
    {
      name: "update() after destroy() does not bring the key back",
      async run() {
        const store = await makeStore();
        const key = freshKey();
        await store.create(key, "v", 60);
        await store.destroy(key);
        assert.equal(await store.update(key, "resurrected", 60), false);
        assert.equal(await store.get(key), null);
      },
    },
    {
      name: "replace() moves the value to a new key and deletes the old one",
      async run() {
        const store = await makeStore();
        const oldKey = freshKey();
        const newKey = freshKey();
        await store.create(oldKey, "v", 60);
        assert.deepEqual(await store.replace(oldKey, newKey, "v2", 60), { created: true, removed: true });
        assert.equal(await store.get(oldKey), null);
        assert.equal(await store.get(newKey), "v2");
      },
    },
    {
      name: "replace() reports an old key that was already gone",
      async run() {
        const store = await makeStore();
        const newKey = freshKey();
        assert.deepEqual(await store.replace(freshKey(), newKey, "v", 60), { created: true, removed: false });
        await store.destroy(newKey);
      },
    },
    {
      name: "values round-trip unchanged, including non-ASCII text",
      async run() {
        const store = await makeStore();
        const key = freshKey();
        const value = JSON.stringify({ text: "héllo ✓ 🍪", n: 1 });
        await store.create(key, value, 60);
        assert.equal(await store.get(key), value);
      },
    },
  ];
  const { ttlOf } = options;
  if (ttlOf !== undefined) {
    cases.push(
      {
        name: "create(), update() and replace() set the TTL they are given",
        async run() {
          const store = await makeStore();
          const key = freshKey();
          const other = freshKey();
          await store.create(key, "v", 100);
          assertTtl(await ttlOf(key), 100);
          await store.update(key, "v", 50);
          assertTtl(await ttlOf(key), 50);
          await store.replace(key, other, "v", 30);
          assertTtl(await ttlOf(other), 30);
        },
      },
      {
        name: "a null TTL stores the key without expiry",
        async run() {
          const store = await makeStore();
          const key = freshKey();
          await store.create(key, "v", null);
          assert.equal(await ttlOf(key), -1);
          await store.destroy(key);
        },
      },
    );
  }
  return cases;
}

function assertTtl(actual: number, seconds: number): void {
  assert.ok(
    actual > 0 && actual <= seconds * 1000,
    `expected 0 < TTL <= ${seconds * 1000} ms, got ${actual}`,
  );
  assert.ok(actual > (seconds - 5) * 1000, `expected a TTL close to ${seconds} s, got ${actual} ms`);
}
