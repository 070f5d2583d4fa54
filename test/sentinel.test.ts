import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { digestId, redisStore, StoreError } from "../src/index.js";
import { storeConformanceCases } from "../src/testing/index.js";
import { CommandLog } from "./helpers/command-log.js";
import { failures, loop, type RequestRecord, SessionBook, timed } from "./helpers/session-traffic.js";
import { adminCall, startSentinel, type TestSentinel, waitUntil } from "./helpers/topology.js";
import {
  COMMAND_TIMEOUT_MS,
  connectSentinelClient,
  SENTINEL_CLIENT_KINDS,
  type SentinelClientKind,
  STORE_TIMEOUT_SECONDS,
  type TopologyClient,
} from "./helpers/topology-clients.js";

/** A request is at most two commands, each bounded by the client's (or the store's) timeout, plus slack. */
const REQUEST_BOUND_MS = 2 * Math.max(COMMAND_TIMEOUT_MS, STORE_TIMEOUT_SECONDS * 1000) + 1000;

let topology: TestSentinel;

beforeAll(async () => {
  topology = await startSentinel({ downAfterMs: 1000, failoverTimeoutMs: 5000 });
});

afterAll(async () => {
  await topology?.stop();
});

describe.each(SENTINEL_CLIENT_KINDS)("redisStore() through Sentinel with %s", (kind) => {
  const prefix = `se-${kind}:`;
  let client: TopologyClient;
  let log: CommandLog;

  beforeAll(async () => {
    client = await connectSentinelClient(kind, topology.name, topology.sentinelAddresses, prefix);
    log = new CommandLog(topology.primary.url, prefix);
    await log.start();
  });

  afterAll(async () => {
    await log?.stop();
    await client?.close();
  });

  describe("store conformance", () => {
    const ttlOf = async (key: string): Promise<number> =>
      Number(await adminCall(topology.primary, "PTTL", prefix + key));
    for (const c of storeConformanceCases(() => client.store, { ttlOf })) it(c.name, () => c.run());
  });

  describe("Redis contract, counted at the primary", () => {
    beforeEach(async () => {
      await log.take();
    });

    async function written(book: SessionBook): Promise<string> {
      const cookie = await book.create();
      await log.take();
      return cookie;
    }

    it("a new session that writes costs one SET NX EX", async () => {
      await new SessionBook(client.store).create();
      expect(await log.shapes()).toEqual(["SET NX EX"]);
    });

    it("a returning read costs one GET and a returning write GET then SET XX EX", async () => {
      const book = new SessionBook(client.store);
      const cookie = await written(book);
      await book.read(cookie);
      expect(await log.shapes()).toEqual(["GET"]);
      await book.write(cookie);
      expect(await log.shapes()).toEqual(["GET", "SET XX EX"]);
    });

    it("invalidate() costs GET then DEL; regenerate() GET, then SET NX EX and DEL", async () => {
      const book = new SessionBook(client.store);
      const s = await book.sessions.load(await written(book));
      await s.invalidate();
      await book.sessions.commit(s);
      expect(await log.shapes()).toEqual(["GET", "DEL"]);
      const r = await book.sessions.load(await written(book));
      const oldKey = prefix + digestId(r.id ?? "");
      r.regenerate();
      await book.sessions.commit(r);
      const commands = await log.take();
      expect(commands[0]?.slice(0, 2)).toEqual(["GET", oldKey]);
      expect(
        commands
          .slice(1)
          .map((c) => `${c[0]} ${c[1] === oldKey ? "old" : "new"}`)
          .sort(),
      ).toEqual(["DEL old", "SET new"]);
    });
  });
});

describe("redisStore() through Sentinel when the primary is killed", () => {
  const prefix = (kind: SentinelClientKind): string => `fo-${kind}:`;
  const clients = new Map<SentinelClientKind, TopologyClient>();
  const books = new Map<SentinelClientKind, SessionBook>();
  const before = new Map<SentinelClientKind, string[]>();
  const during = new Map<SentinelClientKind, RequestRecord[]>();
  let replicasAcked = 0;
  let failoverMs = 0;

  beforeAll(async () => {
    for (const kind of SENTINEL_CLIENT_KINDS) {
      const client = await connectSentinelClient(
        kind,
        topology.name,
        topology.sentinelAddresses,
        prefix(kind),
      );
      clients.set(kind, client);
      const book = new SessionBook(client.store);
      books.set(kind, book);
      const cookies: string[] = [];
      for (let i = 0; i < 6; i++) cookies.push(await book.create());
      before.set(kind, cookies);
    }
    // Replication is asynchronous: wait until the replica has every write acknowledged so far.
    replicasAcked = Number(await adminCall(topology.primary, "WAIT", "1", "1000"));

    const killedAt = Date.now();
    await topology.primary.kill();
    let promoted = false;
    const failover = waitUntil(
      "the Sentinels to promote the replica",
      async () => (await topology.currentPrimaryPort()) === topology.replica.port,
      20_000,
    ).then(() => {
      failoverMs = Date.now() - killedAt;
      promoted = true;
    });
    await Promise.all(
      SENTINEL_CLIENT_KINDS.map(async (kind) => {
        const book = books.get(kind) as SessionBook;
        const sessions = before.get(kind) as string[];
        let promotedSince = 0;
        const records = await loop(
          (i) =>
            i % 2 === 0
              ? timed("read", () => book.read(sessions[(i / 2) % sessions.length] as string))
              : timed("new", () => book.create()),
          {
            stop: () => {
              if (!promoted) return false;
              promotedSince ||= Date.now();
              return Date.now() - promotedSince > 3000;
            },
            maxRequests: 2000,
            maxMs: 25_000,
            pauseMs: 20,
          },
        );
        during.set(kind, records);
      }),
    );
    await failover;
  });

  afterAll(async () => {
    await Promise.all([...clients.values()].map((c) => c.close()));
  });

  it("the writes had reached the replica before the kill (WAIT 1), and the replica was promoted", () => {
    expect(replicasAcked).toBeGreaterThanOrEqual(1);
    expect(failoverMs).toBeLessThan(15_000);
  });

  describe.each(SENTINEL_CLIENT_KINDS)("with %s", (kind) => {
    it("settles every request within the timeouts during the failover", () => {
      const records = during.get(kind) ?? [];
      expect(records.length).toBeGreaterThan(2);
      const slow = records
        .filter((r) => r.ms > REQUEST_BOUND_MS)
        .map((r) => `${r.kind}: ${Math.round(r.ms)} ms`);
      expect(slow).toEqual([]);
    });

    it("fails the requests it cannot serve with a StoreError", () => {
      const errors = (during.get(kind) ?? []).map((r) => r.error).filter((e) => e !== undefined);
      expect(errors.length).toBeGreaterThan(0);
      for (const error of errors) expect(error).toBeInstanceOf(StoreError);
    });

    it("reads every session written before the kill and writes new ones once the replica is promoted", async () => {
      expect(failures((during.get(kind) ?? []).slice(-10))).toEqual([]);
      const book = books.get(kind) as SessionBook;
      for (const cookie of before.get(kind) ?? []) await book.read(cookie);
      for (const cookie of before.get(kind) ?? []) await book.write(cookie);
      await book.read(await book.create());
    });

    it("a client connected after the failover reads every session acknowledged before or during it", async () => {
      const client = await connectSentinelClient(
        kind,
        topology.name,
        topology.sentinelAddresses,
        prefix(kind),
      );
      try {
        const book = new SessionBook(client.store, (books.get(kind) as SessionBook).expected);
        expect(book.expected.size).toBeGreaterThan(before.get(kind)?.length ?? 0);
        for (const cookie of book.expected.keys()) await book.read(cookie);
      } finally {
        await client.close();
      }
    });
  });

  describe("with no primary left", () => {
    beforeAll(async () => {
      await topology.replica.kill();
    });

    it.each(SENTINEL_CLIENT_KINDS)("%s fails every request within the timeouts", async (kind) => {
      const book = books.get(kind) as SessionBook;
      const cookie = before.get(kind)?.[0] as string;
      const records = [
        await timed("read", () => book.read(cookie)),
        await timed("write", () => book.write(cookie)),
        await timed("new", () => book.create()),
      ];
      for (const r of records) {
        expect(r.error).toBeInstanceOf(StoreError);
        expect(r.ms).toBeLessThan(REQUEST_BOUND_MS);
      }
    });

    it("node-redis createSentinel holds a command for as long as no primary is known, so the store timeout is needed", async () => {
      const bare = redisStore((clients.get("node-redis") as TopologyClient).client, {
        prefix: prefix("node-redis"),
      });
      const outcome = await Promise.race([
        bare.get("anything").then(
          () => "answered",
          () => "failed",
        ),
        new Promise((r) => setTimeout(() => r("still waiting"), 3 * COMMAND_TIMEOUT_MS)),
      ]);
      expect(outcome).toBe("still waiting");
    });
  });
});
