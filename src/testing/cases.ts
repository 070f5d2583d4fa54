import { strict as assert } from "node:assert";
import { randomBytes } from "node:crypto";
import type { SessionStore } from "../core/store.js";

/** A check of the store contract against one store. */
export type StoreCheck = (store: SessionStore) => Promise<void>;

/** A check that also reads TTLs from the backend (milliseconds; `-1` without expiry, `-2` when missing). */
export type TtlCheck = (store: SessionStore, ttlOf: (key: string) => Promise<number>) => Promise<void>;

/** A key no other case uses. */
export function freshKey(): string {
  return `conformance-${randomBytes(12).toString("base64url")}`;
}

/** The contract of every store, by name. */
export const CHECKS: Readonly<Record<string, StoreCheck>> = {
  "get() resolves null for a key never written": async (store) => {
    assert.equal(await store.get(freshKey()), null);
  },
  "create() writes a missing key and refuses an existing one": async (store) => {
    const key = freshKey();
    assert.equal(await store.create(key, "first", 60), true);
    assert.equal(await store.create(key, "second", 60), false);
    assert.equal(await store.get(key), "first");
  },
  "update() writes only over the value it expects": async (store) => {
    const key = freshKey();
    await store.create(key, "one", 60);
    assert.deepEqual(await store.update(key, "two", 60, "one"), { status: "updated" });
    assert.equal(await store.get(key), "two");
    assert.deepEqual(await store.update(key, "three", 60, "one"), { status: "changed", current: "two" });
    assert.equal(await store.get(key), "two", "a compare-and-set that found another value must not write");
  },
  "update() refuses a missing key and does not create it": async (store) => {
    const key = freshKey();
    assert.deepEqual(await store.update(key, "ghost", 60, "anything"), { status: "missing" });
    assert.equal(await store.get(key), null, "update() must not create a key");
  },
  "update() with a null value deletes the key only if it holds the expected value": async (store) => {
    const key = freshKey();
    await store.create(key, "v", 60);
    assert.deepEqual(await store.update(key, null, null, "other"), { status: "changed", current: "v" });
    assert.equal(await store.get(key), "v");
    assert.deepEqual(await store.update(key, null, null, "v"), { status: "updated" });
    assert.equal(await store.get(key), null);
  },
  "update() lets exactly one of many concurrent writers over the same value through": async (store) => {
    const key = freshKey();
    await store.create(key, "base", 60);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => store.update(key, `writer-${i}`, 60, "base")),
    );
    const winners = results.filter((r) => r.status === "updated");
    assert.equal(winners.length, 1, "a compare-and-set must be atomic");
    const stored = await store.get(key);
    for (const r of results) if (r.status === "changed") assert.equal(r.current, stored);
  },
  "destroy() removes a key and ignores a missing one": async (store) => {
    const key = freshKey();
    await store.create(key, "v", 60);
    await store.destroy(key);
    assert.equal(await store.get(key), null);
    await store.destroy(key);
  },
  "take() removes a key and resolves what it held, or null": async (store) => {
    const key = freshKey();
    await store.create(key, "v", 60);
    assert.equal(await store.take(key), "v");
    assert.equal(await store.get(key), null);
    assert.equal(await store.take(key), null);
  },
  "update() after destroy() does not bring the key back": async (store) => {
    const key = freshKey();
    await store.create(key, "v", 60);
    await store.destroy(key);
    assert.deepEqual(await store.update(key, "resurrected", 60, "v"), { status: "missing" });
    assert.equal(await store.get(key), null);
  },
  "replace() writes the new key and leaves the marker under the old one": async (store) => {
    const oldKey = freshKey();
    const newKey = freshKey();
    await store.create(oldKey, "v", 60);
    assert.deepEqual(await store.replace(oldKey, newKey, "v2", 60, "marker", 30), {
      created: true,
      previous: "v",
    });
    assert.equal(await store.get(oldKey), "marker");
    assert.equal(await store.get(newKey), "v2");
  },
  "replace() reports an old key that was already gone and writes nothing there": async (store) => {
    const oldKey = freshKey();
    const newKey = freshKey();
    assert.deepEqual(await store.replace(oldKey, newKey, "v", 60, "marker", 30), {
      created: true,
      previous: null,
    });
    assert.equal(await store.get(oldKey), null, "the marker must only replace an existing key (SET XX)");
    await store.destroy(newKey);
  },
  "replace() refuses an existing new key": async (store) => {
    const oldKey = freshKey();
    const newKey = freshKey();
    await store.create(oldKey, "v", 60);
    await store.create(newKey, "taken", 60);
    const result = await store.replace(oldKey, newKey, "v2", 60, "marker", 30);
    assert.equal(result.created, false);
    assert.equal(await store.get(newKey), "taken");
  },
  "values round-trip unchanged, including non-ASCII text": async (store) => {
    const key = freshKey();
    const value = JSON.stringify({ text: "héllo ✓ 🍪", n: 1 });
    await store.create(key, value, 60);
    assert.equal(await store.get(key), value);
    assert.deepEqual(await store.update(key, `${value} `, 60, value), { status: "updated" });
  },
};

const now = () => Math.floor(Date.now() / 1000);

function usersOf(store: SessionStore): NonNullable<SessionStore["users"]> {
  assert.ok(store.users, "the store keeps no user indexes (store.users)");
  return store.users;
}

/** The user-index contract, for stores that keep them (`store.users`). */
export const USER_CHECKS: Readonly<Record<string, StoreCheck>> = {
  "users: updateIndex() adds members with their deadlines and readIndex() gives them back": async (store) => {
    const users = usersOf(store);
    const key = freshKey();
    const t = now();
    await users.updateIndex(key, { now: t, add: { member: "a", deadline: t + 100 }, stampLife: 60 });
    await users.updateIndex(key, { now: t, add: { member: "b", deadline: null }, stampLife: 60 });
    await users.updateIndex(key, { now: t, add: { member: "a", deadline: t + 200 }, stampLife: 60 });
    const { members, stamp } = await users.readIndex(key, t);
    assert.deepEqual(
      [...members].sort((x, y) => x.member.localeCompare(y.member)),
      [
        { member: "a", deadline: t + 200 },
        { member: "b", deadline: null },
      ],
    );
    assert.equal(stamp, null);
  },
  "users: members whose deadline has passed are pruned, on update and on read": async (store) => {
    const users = usersOf(store);
    const key = freshKey();
    const t = now();
    await users.updateIndex(key, { now: t - 100, add: { member: "old", deadline: t - 10 }, stampLife: 60 });
    assert.deepEqual((await users.readIndex(key, t)).members, []);
    await users.updateIndex(key, { now: t, add: { member: "new", deadline: t + 50 }, stampLife: 60 });
    assert.deepEqual((await users.readIndex(key, t - 100)).members, [{ member: "new", deadline: t + 50 }]);
  },
  "users: remove and removeFromIndex() take members out": async (store) => {
    const users = usersOf(store);
    const key = freshKey();
    const t = now();
    for (const member of ["a", "b", "c"]) {
      await users.updateIndex(key, { now: t, add: { member, deadline: t + 100 }, stampLife: 60 });
    }
    await users.updateIndex(key, {
      now: t,
      add: { member: "d", deadline: t + 100 },
      remove: "a",
      stampLife: 60,
    });
    assert.equal(await users.removeFromIndex(key, ["b", "zz"]), 1);
    const members = (await users.readIndex(key, t)).members.map((m) => m.member).sort();
    assert.deepEqual(members, ["c", "d"]);
  },
  "users: a limit evicts the sessions that end soonest, never the one just added": async (store) => {
    const users = usersOf(store);
    const key = freshKey();
    const t = now();
    await users.updateIndex(key, { now: t, add: { member: "late", deadline: t + 300 }, stampLife: 60 });
    await users.updateIndex(key, { now: t, add: { member: "soon", deadline: t + 100 }, stampLife: 60 });
    const result = await users.updateIndex(key, {
      now: t,
      add: { member: "added", deadline: t + 50 },
      limit: 2,
      stampLife: 60,
    });
    assert.deepEqual(result.evicted, ["soon"]);
    const members = (await users.readIndex(key, t)).members.map((m) => m.member).sort();
    assert.deepEqual(members, ["added", "late"]);
  },
  "users: a stamp is kept apart from the members and answered by every update and read": async (store) => {
    const users = usersOf(store);
    const key = freshKey();
    const t = now();
    await users.updateIndex(key, { now: t, add: { member: "a", deadline: t + 100 }, stampLife: 60 });
    const stamp = Date.now();
    await users.stampIndex(key, stamp, 600);
    assert.equal((await users.readIndex(key, t)).stamp, stamp, "the stamp is kept to the millisecond");
    const result = await users.updateIndex(key, {
      now: t + 1,
      add: { member: "b", deadline: t + 100 },
      stampLife: 600,
    });
    assert.equal(result.stamp, stamp);
    assert.deepEqual((await users.readIndex(key, t)).members.map((m) => m.member).sort(), ["a", "b"]);
  },
};

/** The TTL contract, for stores whose backend can report TTLs. */
export const TTL_CHECKS: Readonly<Record<string, TtlCheck>> = {
  "users: an index expires with its last session, or never while one has no deadline": async (
    store,
    ttlOf,
  ) => {
    const users = usersOf(store);
    const key = freshKey();
    const t = now();
    await users.updateIndex(key, { now: t, add: { member: "a", deadline: t + 100 }, stampLife: 60 });
    await users.updateIndex(key, { now: t, add: { member: "b", deadline: t + 300 }, stampLife: 60 });
    assertTtl(await ttlOf(key), 300);
    await users.updateIndex(key, { now: t, add: { member: "c", deadline: null }, stampLife: 60 });
    assert.equal(await ttlOf(key), -1);
    await users.removeFromIndex(key, ["a", "b", "c"]);
    await users.stampIndex(key, Date.now(), 500);
    // At least the stamp's life: its end is rounded up to the whole second.
    assertTtl(await ttlOf(key), 501);
  },
  "create(), update() and replace() set the TTL they are given; the marker its own": async (store, ttlOf) => {
    const key = freshKey();
    const other = freshKey();
    await store.create(key, "v", 100);
    assertTtl(await ttlOf(key), 100);
    await store.update(key, "w", 50, "v");
    assertTtl(await ttlOf(key), 50);
    await store.replace(key, other, "v", 30, "marker", 10);
    assertTtl(await ttlOf(other), 30);
    assertTtl(await ttlOf(key), 10);
  },
  "a null TTL stores the key without expiry, on create and on update": async (store, ttlOf) => {
    const key = freshKey();
    await store.create(key, "v", null);
    assert.equal(await ttlOf(key), -1);
    await store.update(key, "w", 100, "v");
    assertTtl(await ttlOf(key), 100);
    await store.update(key, "x", null, "w");
    assert.equal(await ttlOf(key), -1, "an update without a TTL must not keep the old one (LRU mode)");
    await store.destroy(key);
  },
};

function assertTtl(actual: number, seconds: number): void {
  assert.ok(
    actual > 0 && actual <= seconds * 1000,
    `expected 0 < TTL <= ${seconds * 1000} ms, got ${actual}`,
  );
  assert.ok(actual > (seconds - 5) * 1000, `expected a TTL close to ${seconds} s, got ${actual} ms`);
}
