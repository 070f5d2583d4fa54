import { Redis as IoRedis, Cluster as IoRedisCluster } from "ioredis";
import { Cluster as ValkeyCluster, Redis as ValkeyRedis } from "iovalkey";
import { createClient, createCluster, createSentinel } from "redis";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { digestId, redisStore, SessionError, type SessionStore } from "../src/index.js";
import { storeConformanceCases } from "../src/testing/index.js";
import { CommandLog } from "./helpers/command-log.js";
import { type TestRedis, testRedis } from "./helpers/redis-server.js";
import { SessionBook, written } from "./helpers/session-traffic.js";

describe("redisStore() with an iovalkey client on a single node", () => {
  const prefix = "valkey:";
  let server: TestRedis;
  let client: ValkeyRedis;
  let store: SessionStore;
  let log: CommandLog;

  beforeAll(async () => {
    server = await testRedis();
    client = new ValkeyRedis(server.url, {
      lazyConnect: true,
      connectTimeout: 1000,
      commandTimeout: 1000,
      maxRetriesPerRequest: 0,
    });
    client.on("error", () => {});
    await client.connect();
    store = redisStore(client, { prefix });
    log = new CommandLog(server.url, prefix);
    await log.start();
  });

  afterAll(async () => {
    await log?.stop();
    client?.disconnect();
    await server?.stop();
  });

  describe("store conformance", () => {
    for (const c of storeConformanceCases(() => store, { ttlOf: (key) => client.pttl(prefix + key) })) {
      it(c.name, () => c.run());
    }
  });

  it("with a timeout, fails an operation the server holds longer, and leaves the late reply handled", async () => {
    const patient = new ValkeyRedis(server.url, { lazyConnect: true, maxRetriesPerRequest: 0 });
    patient.on("error", () => {});
    await patient.connect();
    try {
      const bounded = redisStore(patient, { prefix, timeout: 0.2 });
      await client.call("CLIENT", "PAUSE", "600", "ALL");
      const start = performance.now();
      await expect(bounded.get("held")).rejects.toThrow(/did not answer within 0.2 s/);
      expect(performance.now() - start).toBeLessThan(500);
      // The held GET is answered once the pause ends; the store has already given up on it.
      expect(await patient.call("PING")).toBe("PONG");
    } finally {
      patient.disconnect();
    }
  });

  describe("Redis contract", () => {
    beforeEach(async () => {
      await log.take();
    });

    it("a new session that writes costs one SET NX EX", async () => {
      await new SessionBook(store).create();
      expect(await log.shapes()).toEqual(["SET NX EX"]);
    });

    it("a returning read costs one GET", async () => {
      const book = new SessionBook(store);
      await book.read(await written(book, log));
      expect(await log.shapes()).toEqual(["GET"]);
    });

    it("a returning write costs GET then SET XX EX", async () => {
      const book = new SessionBook(store);
      await book.write(await written(book, log));
      expect(await log.shapes()).toEqual(["GET", "CAS SET EX"]);
    });

    it("invalidate() costs GET then GETDEL", async () => {
      const book = new SessionBook(store);
      const s = await book.sessions.load(await written(book, log));
      await s.invalidate();
      await book.sessions.commit(s);
      expect(await log.shapes()).toEqual(["GET", "GETDEL"]);
    });

    it("regenerate() costs GET, then SET NX EX on the new key and a marker over the old one", async () => {
      const book = new SessionBook(store);
      const s = await book.sessions.load(await written(book, log));
      const oldKey = prefix + digestId(s.id ?? "");
      s.regenerate();
      await book.sessions.commit(s);
      const newKey = prefix + digestId(s.id ?? "");
      const commands = (await log.take()).map(
        (c) => `${c[0]} ${c[1] === oldKey ? "old" : c[1] === newKey ? "new" : "?"}`,
      );
      expect(commands[0]).toBe("GET old");
      expect(commands.slice(1).sort()).toEqual(["SET new", "SET old"]);
    });
  });
});

describe("redisStore() client types", () => {
  // Built without connecting: these checks are for the type checker (npm test runs tsc) and the shape detection.
  const nodes = [{ host: "127.0.0.1", port: 1 }];
  const clients = {
    "node-redis createClient": () => createClient({ url: "redis://127.0.0.1:1" }),
    "node-redis createCluster": () => createCluster({ rootNodes: [{ url: "redis://127.0.0.1:1" }] }),
    "node-redis createSentinel": () => createSentinel({ name: "primary", sentinelRootNodes: nodes }),
    "ioredis Redis": () => new IoRedis({ lazyConnect: true, port: 1 }),
    "ioredis Redis with sentinels": () =>
      new IoRedis({ lazyConnect: true, sentinels: nodes, name: "primary" }),
    "ioredis Cluster": () => new IoRedisCluster(nodes, { lazyConnect: true }),
    "iovalkey Redis": () => new ValkeyRedis({ lazyConnect: true, port: 1 }),
    "iovalkey Cluster": () => new ValkeyCluster(nodes, { lazyConnect: true }),
  };

  it.each(Object.entries(clients))("accepts a %s without a cast", (_name, make) => {
    const store = redisStore(make(), { prefix: "types:" });
    for (const operation of ["get", "create", "update", "destroy", "replace"] as const) {
      expect(store[operation]).toBeTypeOf("function");
    }
  });

  it("rejects an object that is no Redis client, in the types and at run time", () => {
    // @ts-expect-error a plain object has neither get/set/del nor call
    expect(() => redisStore({ get() {} })).toThrow(SessionError);
  });

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY, "1"])("rejects a timeout of %s", (timeout) => {
    expect(() =>
      redisStore(new ValkeyRedis({ lazyConnect: true, port: 1 }), { timeout: timeout as number }),
    ).toThrow(/timeout must be a positive number of seconds/);
  });
});
