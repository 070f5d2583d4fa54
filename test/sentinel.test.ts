import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { digestId, redisStore, StoreError } from "../src/index.js";
import { storeConformanceCases } from "../src/testing/index.js";
import { CommandLog } from "./helpers/command-log.js";
import { checkFailoverTraffic, type FailoverRun, runFailover } from "./helpers/failover.js";
import { startSentinel, type TestSentinel } from "./helpers/sentinel.js";
import { adminCall } from "./helpers/server-process.js";
import { SessionBook, timed, written } from "./helpers/session-traffic.js";
import {
  COMMAND_TIMEOUT_MS,
  connectSentinelClient,
  SENTINEL_CLIENT_KINDS,
  type SentinelClientKind,
  STORE_TIMEOUT_SECONDS,
  type TopologyClient,
} from "./helpers/topology-clients.js";
import { waitUntil } from "./helpers/wait-until.js";

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

    it("a new session that writes costs one SET NX EX", async () => {
      await new SessionBook(client.store).create();
      expect(await log.shapes()).toEqual(["SET NX EX"]);
    });

    it("a returning read costs one GET and a returning write GET then SET XX EX", async () => {
      const book = new SessionBook(client.store);
      const cookie = await written(book, log);
      await book.read(cookie);
      expect(await log.shapes()).toEqual(["GET"]);
      await book.write(cookie);
      expect(await log.shapes()).toEqual(["GET", "CAS SET EX"]);
    });

    it("invalidate() costs GET then GETDEL; regenerate() GET, then SET NX EX and a marker over the old key", async () => {
      const book = new SessionBook(client.store);
      const s = await book.sessions.load(await written(book, log));
      await s.invalidate();
      await book.sessions.commit(s);
      expect(await log.shapes()).toEqual(["GET", "GETDEL"]);
      const r = await book.sessions.load(await written(book, log));
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
      ).toEqual(["SET new", "SET old"]);
    });
  });
});

describe("redisStore() through Sentinel when the primary is killed", () => {
  const prefix = (kind: SentinelClientKind): string => `fo-${kind}:`;
  const clients = new Map<SentinelClientKind, TopologyClient>();
  const books = new Map<SentinelClientKind, SessionBook>();
  const before = new Map<SentinelClientKind, string[]>();
  let replicasAcked = 0;
  let run: FailoverRun<SentinelClientKind> = { failoverMs: 0, during: new Map() };

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
    run = await runFailover(books, before, {
      kill: () => topology.primary.kill(),
      recovered: () =>
        waitUntil(
          "the Sentinels to promote the replica",
          async () => (await topology.currentPrimaryPort()) === topology.replica.port,
          20_000,
        ),
      lingerMs: () => 3000,
      maxMs: 25_000,
    });
  });

  afterAll(async () => {
    await Promise.all([...clients.values()].map((c) => c.close()));
  });

  it("the writes had reached the replica before the kill (WAIT 1), and the replica was promoted", () => {
    expect(replicasAcked).toBeGreaterThanOrEqual(1);
    expect(run.failoverMs).toBeLessThan(15_000);
  });

  describe.each(SENTINEL_CLIENT_KINDS)("with %s", (kind) => {
    checkFailoverTraffic(
      () => ({
        records: run.during.get(kind) ?? [],
        book: books.get(kind) as SessionBook,
        before: before.get(kind) ?? [],
      }),
      { boundMs: REQUEST_BOUND_MS },
    );

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
