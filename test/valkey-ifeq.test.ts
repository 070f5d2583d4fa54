import { Redis as IoRedis } from "ioredis";
import { Redis as ValkeyRedis } from "iovalkey";
import { createClient } from "redis";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  createSessions,
  type RedisLikeClient,
  redisStore,
  type SessionStore,
  StoreError,
} from "../src/index.js";
import { storeConformanceCases } from "../src/testing/index.js";
import { destroyNodeRedis, inspectionClient } from "./helpers/clients.js";
import { CommandLog } from "./helpers/command-log.js";
import { spawnValkey, type TestRedis, testRedis } from "./helpers/redis-server.js";
import { cookiePair, SECRET } from "./helpers/sessions.js";
import { storedFields } from "./helpers/stored.js";

/**
 * `compareAndSet: "ifeq"`: a returning write is one `SET … IFEQ … GET` on a Valkey 8.1 server (no Lua),
 * with the same answers as the script. The race cases run on it too, in races.test.ts.
 */

const CLIENTS = {
  "node-redis": async (url: string) => {
    const client = createClient({ url, socket: { reconnectStrategy: false } });
    client.on("error", () => {});
    await client.connect();
    return { client: client as RedisLikeClient, close: () => destroyNodeRedis(client) };
  },
  ioredis: async (url: string) => {
    const client = new IoRedis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    client.on("error", () => {});
    await client.connect();
    return { client: client as RedisLikeClient, close: () => client.disconnect() };
  },
  iovalkey: async (url: string) => {
    const client = new ValkeyRedis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    client.on("error", () => {});
    await client.connect();
    return { client: client as RedisLikeClient, close: () => client.disconnect() };
  },
};

let valkey: TestRedis;
let inspector: IoRedis;

beforeAll(async () => {
  valkey = await spawnValkey();
  inspector = inspectionClient(valkey.url);
}, 60_000);

afterAll(async () => {
  inspector?.disconnect();
  await valkey?.stop();
});

describe.each(Object.keys(CLIENTS) as (keyof typeof CLIENTS)[])("compareAndSet ifeq with %s", (kind) => {
  const prefix = `ifeq-${kind}:`;
  let connected: Awaited<ReturnType<(typeof CLIENTS)["ioredis"]>>;
  let store: SessionStore;
  let log: CommandLog;

  beforeAll(async () => {
    connected = await CLIENTS[kind](valkey.url);
    store = redisStore(connected.client, { prefix, compareAndSet: "ifeq" });
    log = new CommandLog(valkey.url, prefix);
    await log.start();
  });

  afterAll(async () => {
    await log?.stop();
    connected?.close();
  });

  beforeEach(async () => {
    await log.take();
  });

  describe("store conformance", () => {
    for (const c of storeConformanceCases(() => store, { ttlOf: (key) => inspector.pttl(prefix + key) })) {
      it(c.name, () => c.run());
    }
  });

  it("a returning write is one SET IFEQ GET EX; a read one GET; a new visitor SET NX EX", async () => {
    const sessions = createSessions({ store, secret: SECRET });
    const first = await sessions.load(undefined);
    first.data.views = 1;
    const pair = cookiePair((await sessions.commit(first)).setCookie);
    expect(await log.shapes()).toEqual(["SET NX EX"]);
    const read = await sessions.load(pair);
    expect(read.data).toEqual({ views: 1 });
    await sessions.commit(read);
    expect(await log.shapes()).toEqual(["GET"]);
    const write = await sessions.load(pair);
    write.data.views = 2;
    expect((await sessions.commit(write)).setCookie).toBeUndefined();
    expect(await log.shapes()).toEqual(["GET", "SET IFEQ GET EX"]);
    expect((await sessions.load(pair)).data).toEqual({ views: 2 });
  });

  it("a session emptied by its request is deleted by the compare-and-set script", async () => {
    const sessions = createSessions({ store, secret: SECRET });
    const s = await sessions.load(undefined);
    s.data.note = "x";
    const pair = cookiePair((await sessions.commit(s)).setCookie);
    const again = await sessions.load(pair);
    delete again.data.note;
    await log.take();
    await sessions.commit(again);
    expect(await log.shapes()).toEqual(["CAS DEL"]);
    expect((await sessions.load(pair)).isNew).toBe(true);
  });
});

describe("compareAndSet ifeq where it cannot work", () => {
  it("on a Redis without SET IFEQ, a write fails with a StoreError that says what to change", async () => {
    const redis = await testRedis();
    const client = new IoRedis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    client.on("error", () => {});
    await client.connect();
    try {
      const info = await client.info("server");
      if (/redis_version:(8\.(4|[5-9])|9|\d{2})/.test(info)) return; // This Redis has IFEQ.
      const sessions = createSessions({
        store: redisStore(client, { prefix: "ifeq-old:", compareAndSet: "ifeq" }),
        secret: SECRET,
      });
      const s = await sessions.load(undefined);
      s.data.views = 1;
      const pair = cookiePair((await sessions.commit(s)).setCookie);
      const again = await sessions.load(pair);
      again.data.views = 2;
      const error = await sessions.commit(again).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoreError);
      expect((error as Error).message).toMatch(/does not know SET … IFEQ.*compareAndSet/);
      // The stored session is the one written before, untouched.
      const keys = await client.keys("ifeq-old:*");
      expect(keys).toHaveLength(1);
      expect(storedFields(await client.get(keys[0] as string))).toMatchObject({ m: { views: 1 } });
    } finally {
      client.disconnect();
      await redis.stop();
    }
  });

  it("an unknown compareAndSet, or ifeq with node-redis 4 (no withTypeMapping), is refused at creation", () => {
    const v5 = createClient();
    expect(() => redisStore(v5, { compareAndSet: "cas" as never })).toThrow(
      /compareAndSet must be "script" \(any Redis\) or "ifeq"/,
    );
    // node-redis 4's client has every method the store calls but cannot send IFEQ's value.
    const v4Shaped = {
      get: v5.get.bind(v5),
      set: v5.set.bind(v5),
      del: v5.del.bind(v5),
      getDel: v5.getDel.bind(v5),
      evalSha: v5.evalSha.bind(v5),
      eval: v5.eval.bind(v5),
    };
    expect(() => redisStore(v4Shaped, { compareAndSet: "ifeq" })).toThrow(/needs node-redis 5.10 or later/);
    expect(() => redisStore(v4Shaped)).not.toThrow();
  });
});
