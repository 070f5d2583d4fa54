import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, it, vi } from "vitest";
import { memoryStore } from "../src/index.js";
import { storeConformanceCases } from "../src/testing/index.js";
import { CLIENT_KINDS, type ClientUnderTest, connectClient, inspectionClient } from "./helpers/clients.js";
import { type TestRedis, testRedis } from "./helpers/redis-server.js";

describe("memoryStore()", () => {
  for (const c of storeConformanceCases(() => memoryStore())) it(c.name, () => c.run());

  it("expires keys when their TTL has passed", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      const store = memoryStore();
      await store.create("k", "v", 10);
      vi.setSystemTime(Date.now() + 9_999);
      if ((await store.get("k")) !== "v") throw new Error("expired too early");
      vi.setSystemTime(Date.now() + 1);
      if ((await store.get("k")) !== null) throw new Error("did not expire");
    } finally {
      vi.useRealTimers();
    }
  });

  it("drops the least recently written session beyond maxEntries", async () => {
    const store = memoryStore({ maxEntries: 2 });
    await store.create("a", "1", 60);
    await store.create("b", "2", 60);
    await store.create("c", "3", 60);
    if ((await store.get("a")) !== null || (await store.get("c")) !== "3") throw new Error("no eviction");
  });
});

describe.each(CLIENT_KINDS)("redisStore() with %s", (kind) => {
  let redis: TestRedis;
  let client: ClientUnderTest;
  let inspector: Redis;
  const prefix = `conf-${kind}:`;
  beforeAll(async () => {
    redis = await testRedis();
    client = await connectClient(kind, redis.url, prefix);
    inspector = inspectionClient(redis.url);
  });
  afterAll(async () => {
    inspector.disconnect();
    await client.close();
    await redis.stop();
  });
  const cases = storeConformanceCases(() => client.store, { ttlOf: (key) => inspector.pttl(prefix + key) });
  for (const c of cases) it(c.name, () => c.run());
});
