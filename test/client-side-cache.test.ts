// Reads at zero round-trips (issue 17, target 5): node-redis 5 with RESP3 client-side caching
// (`CLIENT TRACKING`, server-assisted invalidation) serves a returning read of an unchanged session from
// the process. Two app instances on one Redis, each with its own cached client: what one writes, logs out
// or ends is seen by the other, a stale cached read cannot lose a change (the compare-and-set is judged
// at the server), and a cut-off connection serves stale sessions for at most the cache's `ttl`.

import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import { BasicClientSideCache, createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSessions, type Sessions } from "../src/index.js";
import { storeConformanceCases } from "../src/testing/index.js";
import {
  type ClientUnderTest,
  connectAsStore,
  destroyNodeRedis,
  inspectionClient,
} from "./helpers/clients.js";
import { CommandLog } from "./helpers/command-log.js";
import { startFaultProxy } from "./helpers/fault-proxy.js";
import { type TestRedis, testRedis } from "./helpers/redis-server.js";
import { cookiePair, SECRET } from "./helpers/sessions.js";
import { warmScripts } from "./helpers/slow-store.js";

/** How long a cached entry may be served without the server confirming it, as the README recommends. */
const CACHE_TTL_MS = 400;

interface Instance extends ClientUnderTest {
  cache: BasicClientSideCache;
  sessions: Sessions;
}

/** One app instance: its own RESP3 client with a client-side cache, a store and a factory on `prefix`. */
async function instance(url: string, prefix: string, timeout?: number): Promise<Instance> {
  const cache = new BasicClientSideCache({ ttl: CACHE_TTL_MS, maxEntries: 10_000, evictPolicy: "LRU" });
  const client = createClient({
    url,
    RESP: 3,
    clientSideCache: cache,
    disableOfflineQueue: true,
    socket: { connectTimeout: 1000, reconnectStrategy: false },
  });
  const under = await connectAsStore(client, { prefix, ...(timeout ? { timeout } : {}) }, () => {
    if (client.isOpen) destroyNodeRedis(client);
  });
  await warmScripts(under.store);
  return {
    ...under,
    cache,
    sessions: createSessions({ store: under.store, secret: SECRET, touchInterval: 60 }),
  };
}

/** One turn of the event loop, so replies and invalidation pushes already on the sockets are read. */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Resolves when `inst`'s cache hears the server invalidate one of this file's keys. Call it before the
 * write: the push may arrive a few milliseconds after the writer's reply (the staleness window), later
 * still on a loaded machine, so one turn of the event loop is not always enough.
 */
function invalidation(inst: Instance, within = 2000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      inst.cache.off("invalidate", heard);
      reject(new Error(`no invalidation reached the other instance within ${within} ms`));
    }, within);
    function heard(key: unknown) {
      if (key !== null && !String(key).startsWith(prefix)) return;
      clearTimeout(timer);
      inst.cache.off("invalidate", heard);
      resolve();
    }
    inst.cache.on("invalidate", heard);
  });
}

let redis: TestRedis;
let prefix: string;
let log: CommandLog;
let raw: Redis;
let a: Instance;
let b: Instance;

beforeAll(async () => {
  redis = await testRedis();
  prefix = `csc${randomBytes(4).toString("hex")}:`;
  a = await instance(redis.url, prefix);
  b = await instance(redis.url, prefix);
  log = new CommandLog(redis.url, prefix);
  await log.start();
  raw = inspectionClient(redis.url);
});

afterAll(async () => {
  raw?.disconnect();
  await log?.stop();
  await a?.close();
  await b?.close();
  await redis?.stop();
});

/** A session stored through instance A with `data`, its cookie, and the log drained. */
async function stored(data: Record<string, unknown>): Promise<string> {
  const s = await a.sessions.load(undefined);
  Object.assign(s.data, data);
  const cookie = cookiePair((await a.sessions.commit(s)).setCookie);
  await log.take();
  return cookie;
}

describe("the store's conformance suite over a RESP3 client with a client-side cache", () => {
  for (const c of storeConformanceCases(() => a.store, { ttlOf: (key) => raw.pttl(prefix + key) })) {
    it(c.name, () => c.run());
  }
});

describe("two app instances, each with a client-side cache, on one Redis", () => {
  it("serves a returning read of an unchanged session from the process: one GET at the server, then none", async () => {
    const cookie = await stored({ views: 1 });
    for (let i = 0; i < 5; i++) {
      const s = await b.sessions.load(cookie);
      expect(s.data.views).toBe(1);
      await b.sessions.commit(s);
      await turn();
    }
    expect(await log.shapes()).toEqual(["GET"]);
  });

  it("a write in one instance is seen by the other's next read, which goes to the server again", async () => {
    const cookie = await stored({ views: 1 });
    expect((await b.sessions.load(cookie)).data.views).toBe(1);
    await log.take();
    const w = await a.sessions.load(cookie);
    w.data.views = 2;
    const heard = invalidation(b);
    await a.sessions.commit(w);
    await heard;
    expect((await b.sessions.load(cookie)).data.views).toBe(2);
    // A wrote once; B's next read went to the server again, after the invalidation emptied its cache.
    const shapes = await log.shapes();
    expect(shapes.filter((s) => s === "CAS SET EX")).toHaveLength(1);
    expect(shapes.at(-1)).toBe("GET");
  });

  it("a logout in one instance is seen by the other: its next read is a new session", async () => {
    const cookie = await stored({ user: "ada" });
    expect((await b.sessions.load(cookie)).data.user).toBe("ada");
    const out = await a.sessions.load(cookie);
    const heard = invalidation(b);
    await out.invalidate();
    await a.sessions.commit(out);
    await heard;
    const after = await b.sessions.load(cookie);
    expect(after.isNew).toBe(true);
    expect(after.data.user).toBeUndefined();
  });

  it("ending a user's sessions in one instance is seen by the other", async () => {
    const s = await a.sessions.load(undefined);
    s.data.user = "grace";
    const userId = `grace-${randomBytes(4).toString("hex")}`;
    s.bindUser(userId, { label: "laptop" });
    const cookie = cookiePair((await a.sessions.commit(s)).setCookie);
    expect((await b.sessions.load(cookie)).data.user).toBe("grace");
    const heard = invalidation(b);
    expect(await a.sessions.users.endAll(userId)).toBe(1);
    await heard;
    expect((await b.sessions.load(cookie)).isNew).toBe(true);
  });

  it("a stale cached read loses nothing: the write is judged at the server and merged onto the newer session", async () => {
    // Slow B's connection so its invalidation arrives late: B reads its cached copy after A's write.
    const proxy = await startFaultProxy(redis);
    const slow = await instance(proxy.url, prefix);
    try {
      const cookie = await stored({ a: 0, b: 0 });
      expect((await slow.sessions.load(cookie)).data).toMatchObject({ a: 0, b: 0 });
      proxy.latency({ down: 300 });
      const w = await a.sessions.load(cookie);
      w.data.a = 1;
      await a.sessions.commit(w);
      await log.take();
      const stale = await slow.sessions.load(cookie);
      expect(stale.data.a).toBe(0); // served from the cache: the invalidation is still on its way
      expect(await log.shapes()).toEqual([]);
      stale.data.b = 1;
      await slow.sessions.commit(stale);
      proxy.latency({});
      const final = await a.sessions.load(cookie);
      expect(final.data).toMatchObject({ a: 1, b: 1 });
    } finally {
      await slow.close();
      await proxy.close();
    }
  });

  it("a connection cut off without an error serves cached sessions for at most the cache's ttl, then fails", async () => {
    const proxy = await startFaultProxy(redis);
    const cut = await instance(proxy.url, prefix, 0.5);
    try {
      const cookie = await stored({ user: "ada" });
      expect((await cut.sessions.load(cookie)).data.user).toBe("ada");
      const loadedAt = Date.now();
      await proxy.blackhole();
      const out = await a.sessions.load(cookie);
      await out.invalidate();
      await a.sessions.commit(out);
      // Within the ttl the cut-off instance cannot hear the logout and still serves the session.
      expect((await cut.sessions.load(cookie)).data.user).toBe("ada");
      await new Promise((resolve) => setTimeout(resolve, CACHE_TTL_MS - (Date.now() - loadedAt) + 50));
      // Past it the entry has expired: the read goes to the server, which does not answer, and fails.
      await expect(cut.sessions.load(cookie)).rejects.toThrow();
    } finally {
      await cut.close();
      await proxy.close();
    }
  });
});
