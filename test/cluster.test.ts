import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { Cluster } from "ioredis";
import { createCluster } from "redis";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { indexKeyOf } from "../src/core/user-index.js";
import { createSessions, digestId, type SessionStore, type Sessions } from "../src/index.js";
import { storeConformanceCases } from "../src/testing/index.js";
import { connectAsStore } from "./helpers/clients.js";
import { startCluster, type TestCluster } from "./helpers/cluster.js";
import { MultiNodeCommandLog } from "./helpers/command-log.js";
import { checkFailoverTraffic, type FailoverRun, runFailover } from "./helpers/failover.js";
import { commandCalls, errorReplies } from "./helpers/node-stats.js";
import { adminCall, type TopologyNode } from "./helpers/server-process.js";
import { failures, loop, SessionBook, timed, written } from "./helpers/session-traffic.js";
import { cookiePair, SECRET } from "./helpers/sessions.js";
import {
  CLUSTER_CLIENT_KINDS,
  type ClusterClientKind,
  COMMAND_TIMEOUT_MS,
  connectClusterClient,
  type TopologyClient,
} from "./helpers/topology-clients.js";

/** node-redis refreshes the Cluster topology after a node stops answering only from @redis/client 6 on. */
const NODE_REDIS_MAJOR = Number(
  (
    JSON.parse(
      readFileSync(createRequire(import.meta.url).resolve("@redis/client/package.json"), "utf8"),
    ) as {
      version: string;
    }
  ).version.split(".")[0],
);

/** A request is one or two commands, each bounded by the client's timeout; the rest is scheduling slack. */
const REQUEST_BOUND_MS = 2 * COMMAND_TIMEOUT_MS + 1000;

const prefixOf = (kind: ClusterClientKind): string => `cl-${kind}:`;

let cluster: TestCluster;
let inspector: Cluster;

beforeAll(async () => {
  cluster = await startCluster({ nodeTimeoutMs: 1000 });
  inspector = new Cluster(
    cluster.rootNodes.map((n) => ({ ...n })),
    { redisOptions: { commandTimeout: 2000 } },
  );
  inspector.on("error", () => {});
});

afterAll(async () => {
  inspector?.disconnect();
  await cluster?.stop();
});

describe.each(CLUSTER_CLIENT_KINDS)("redisStore() on a Redis Cluster with %s", (kind) => {
  const prefix = prefixOf(kind);
  let client: TopologyClient;
  let log: MultiNodeCommandLog;
  let primaries: TopologyNode[];

  beforeAll(async () => {
    client = await connectClusterClient(kind, cluster.rootNodes, prefix);
    primaries = await cluster.primaries();
    log = new MultiNodeCommandLog(primaries, prefix);
    await log.start();
  });

  afterAll(async () => {
    await log?.stop();
    await client?.close();
  });

  describe("store conformance", () => {
    const cases = storeConformanceCases(() => client.store, { ttlOf: (key) => inspector.pttl(prefix + key) });
    for (const c of cases) it(c.name, () => c.run());
  });

  describe("Redis contract, counted at the primaries", () => {
    const keyOf = (id: string | null): string => prefix + digestId(id ?? "");

    beforeEach(async () => {
      await log.take();
    });

    it("a new session that writes costs one SET NX EX", async () => {
      const book = new SessionBook(client.store);
      await book.create();
      expect(await log.shapes()).toEqual(["SET NX EX"]);
    });

    it("a returning read costs one GET", async () => {
      const book = new SessionBook(client.store);
      await book.read(await written(book, log));
      expect(await log.shapes()).toEqual(["GET"]);
    });

    it("a returning write costs GET then one compare-and-set on the same key", async () => {
      const book = new SessionBook(client.store);
      const cookie = await written(book, log);
      await book.write(cookie);
      expect([...(await log.byKey()).values()]).toEqual([["GET", "CAS SET EX"]]);
    });

    it("invalidate() costs GET then GETDEL", async () => {
      const book = new SessionBook(client.store);
      const cookie = await written(book, log);
      const s = await book.sessions.load(cookie);
      await s.invalidate();
      await book.sessions.commit(s);
      expect([...(await log.byKey()).values()]).toEqual([["GET", "GETDEL"]]);
    });

    it("regenerate() costs GET, then SET NX EX on the new key and a marker over the old one", async () => {
      const book = new SessionBook(client.store);
      const cookie = await written(book, log);
      const s = await book.sessions.load(cookie);
      const oldKey = keyOf(s.id);
      s.regenerate();
      await book.sessions.commit(s);
      const byKey = await log.byKey();
      expect(byKey.get(oldKey)).toEqual(["GET", "SET XX GET EX"]);
      expect(byKey.get(keyOf(s.id))).toEqual(["SET NX EX"]);
      expect(byKey.size).toBe(2);
    });

    it("merges concurrent writes on one key, and a write racing regenerate() into the new session across nodes", async () => {
      const book = new SessionBook(client.store);
      const cookie = await book.create();
      const [a, b] = [await book.sessions.load(cookie), await book.sessions.load(cookie)];
      a.data.theme = "dark";
      b.data.lang = "fr";
      await Promise.all([book.sessions.commit(a), book.sessions.commit(b)]);
      const [c, login] = [await book.sessions.load(cookie), await book.sessions.load(cookie)];
      login.regenerate();
      const rotated = cookiePair((await book.sessions.commit(login)).setCookie);
      c.data.late = true;
      expect((await book.sessions.commit(c)).setCookie).toBeUndefined();
      expect((await book.sessions.load(rotated)).data).toEqual({
        views: 1,
        theme: "dark",
        lang: "fr",
        late: true,
      });
      expect((await book.sessions.load(cookie)).superseded).toBe(true);
      await log.take();
    });

    it("binds sessions to a user whose index sits on another node, and lists and ends them there", async () => {
      const book = new SessionBook(client.store);
      const userId = `ada-${prefix}@example.com`;
      const devices: { cookie: string; handle: string }[] = [];
      for (let i = 0; i < 6; i++) {
        const s = await book.sessions.load(undefined);
        s.data.views = 1;
        s.bindUser(userId, { label: `device ${i}` });
        devices.push({
          cookie: cookiePair((await book.sessions.commit(s)).setCookie),
          handle: s.handle ?? "",
        });
      }
      const indexKey = prefix + indexKeyOf(userId);
      const owners = await Promise.all(
        devices.map(async (d) => cluster.ownerOf(keyOf((await book.sessions.load(d.cookie)).id))),
      );
      const indexOwner = await cluster.ownerOf(indexKey);
      expect(owners.some((o) => o !== indexOwner)).toBe(true);
      await log.take();
      const [first, ...rest] = devices as [(typeof devices)[0], ...typeof devices];
      const listed = await book.sessions.users.list(userId);
      expect(listed.map((d) => d.handle).sort()).toEqual(devices.map((d) => d.handle).sort());
      expect(await book.sessions.users.end(userId, first.handle)).toBe(true);
      expect(await book.sessions.users.endAll(userId)).toBe(rest.length);
      for (const d of devices) expect((await book.sessions.load(d.cookie)).isNew).toBe(true);
      expect(await inspector.exists(indexKey)).toBe(0);
      await log.take();
    });

    it("keeps every command single-key, with no MULTI, EXEC or RENAME, even when regenerate() crosses nodes", async () => {
      const book = new SessionBook(client.store);
      const transactions = ["multi", "exec", "rename", "renamenx"];
      const before = await commandCalls(primaries, transactions);
      const moves: Array<[string, string]> = [];
      for (let i = 0; i < 12; i++) {
        const cookie = await book.create();
        await book.write(cookie);
        const s = await book.sessions.load(cookie);
        const oldKey = keyOf(s.id);
        s.regenerate();
        const regenerated = cookiePair((await book.sessions.commit(s)).setCookie);
        moves.push([oldKey, keyOf(s.id)]);
        const again = await book.sessions.load(regenerated);
        expect(again.data.views).toBe(2);
        await again.invalidate();
        await book.sessions.commit(again);
      }
      const commands = await log.take();
      let crossedNodes = 0;
      for (const [oldKey, newKey] of moves) {
        if ((await cluster.ownerOf(oldKey)) !== (await cluster.ownerOf(newKey))) crossedNodes++;
      }
      expect(crossedNodes).toBeGreaterThan(0);
      expect(new Set(commands.map((c) => c[0]))).toEqual(new Set(["GET", "SET", "EVALSHA", "GETDEL"]));
      for (const command of commands) {
        expect(command.filter((arg) => arg.startsWith(prefix))).toHaveLength(1);
        // The compare-and-set script declares its one key, so the cluster routes it by that key.
        if (command[0] === "EVALSHA")
          expect([command[2], command[3]?.startsWith(prefix)]).toEqual(["1", true]);
      }
      expect(await commandCalls(primaries, transactions)).toBe(before);
    });
  });
});

describe("redisStore() on a Redis Cluster with node-redis RESP3 client-side caching", () => {
  const prefix = "cl-cached:";
  let clients: Array<{ store: SessionStore; close(): Promise<void> }> = [];
  let log: MultiNodeCommandLog;

  /** An app instance's cluster client: RESP3 with a client-side cache, as the README shows. */
  async function cachedInstance(): Promise<Sessions> {
    const client = createCluster({
      rootNodes: cluster.rootNodes.map(({ host, port }) => ({ url: `redis://${host}:${port}` })),
      RESP: 3,
      clientSideCache: { ttl: 1000, maxEntries: 10_000, evictPolicy: "LRU" },
      defaults: { socket: { connectTimeout: 1000, reconnectStrategy: false } },
    });
    const under = await connectAsStore(client, { prefix }, () => client.destroy());
    clients.push(under);
    return createSessions({ store: under.store, secret: SECRET });
  }

  beforeAll(async () => {
    log = new MultiNodeCommandLog(await cluster.primaries(), prefix);
    await log.start();
  });

  afterAll(async () => {
    await log?.stop();
    for (const c of clients) await c.close();
    clients = [];
  });

  it("serves returning reads from the process, and one instance's write and logout reach the other", async () => {
    const [a, b] = [await cachedInstance(), await cachedInstance()];
    const cookies: string[] = [];
    for (let i = 0; i < 8; i++) {
      const s = await a.load(undefined);
      s.data.views = 1;
      cookies.push(cookiePair((await a.commit(s)).setCookie));
    }
    await log.take();
    for (let round = 0; round < 3; round++) {
      for (const cookie of cookies) expect((await b.load(cookie)).data.views).toBe(1);
      await new Promise((resolve) => setImmediate(resolve));
    }
    // Eight sessions spread over the primaries: one GET each, whatever the number of reads.
    expect((await log.shapes()).sort()).toEqual(Array(8).fill("GET"));

    const w = await a.load(cookies[0]);
    w.data.views = 2;
    await a.commit(w);
    const out = await a.load(cookies[1]);
    await out.invalidate();
    await a.commit(out);
    // The invalidations arrive within the staleness window (milliseconds, more on a loaded machine):
    // poll for them, bounded, rather than guess a sleep.
    const deadline = Date.now() + 2000;
    for (;;) {
      const [written, ended] = [await b.load(cookies[0]), await b.load(cookies[1])];
      if ((written.data.views === 2 && ended.isNew) || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect((await b.load(cookies[0])).data.views).toBe(2);
    expect((await b.load(cookies[1])).isNew).toBe(true);
    expect((await b.load(cookies[2])).data.views).toBe(1);
  });
});

describe("redisStore() on a Redis Cluster during a slot migration", () => {
  it("loses no session and fails no request while slots holding sessions move (clients follow ASK and MOVED)", async () => {
    const clients = await Promise.all(
      CLUSTER_CLIENT_KINDS.map((k) => connectClusterClient(k, cluster.rootNodes, `mig-${k}:`)),
    );
    try {
      const books = clients.map((c) => new SessionBook(c.store));
      const cookies = await Promise.all(
        books.map(async (book) => {
          const out: string[] = [];
          for (let i = 0; i < 10; i++) out.push(await book.create());
          return out;
        }),
      );
      // The slots of two sessions per client move; filler keys in the same slots (hash tag = the session
      // key) make each migration take several MIGRATE batches, so traffic meets half-migrated slots.
      const slots = new Map<number, string[]>();
      for (const [i, kind] of CLUSTER_CLIENT_KINDS.entries()) {
        for (const cookie of cookies[i]?.slice(0, 2) ?? []) {
          const key = `mig-${kind}:${digestId(await (books[i] as SessionBook).idOf(cookie))}`;
          const slot = await cluster.slotOf(key);
          slots.set(slot, [...(slots.get(slot) ?? []), key]);
          for (let n = 0; n < 60; n++) await inspector.set(`{${key}}:filler:${n}`, "x");
        }
      }
      const redirectsBefore = {
        ask: await errorReplies(cluster.nodes, "ASK"),
        moved: await errorReplies(cluster.nodes, "MOVED"),
      };
      let migrating = true;
      const traffic = Promise.all(
        books.map((book, i) => {
          const own = cookies[i] as string[];
          return loop(
            (j) => {
              // Half the requests go to the two sessions whose slots move.
              const cookie = (j % 2 === 0 ? own[(j / 2) % 2] : own[j % own.length]) as string;
              if (j % 5 === 4) return timed("new", async () => own.push(await book.create()));
              return j % 3 === 0
                ? timed("read", () => book.read(cookie))
                : timed("write", () => book.write(cookie));
            },
            { stop: () => !migrating, maxRequests: 20_000, maxMs: 20_000 },
          );
        }),
      );
      const primaries = await cluster.primaries();
      const moved: Array<{ slot: number; target: TopologyNode }> = [];
      for (const [slot, sessionKeys] of slots) {
        const owner = await cluster.ownerOfSlot(slot);
        const target = primaries[(primaries.indexOf(owner) + 1) % primaries.length] as TopologyNode;
        await cluster.migrateSlot(slot, target, { keysFirst: sessionKeys, pauseMs: 25 });
        moved.push({ slot, target });
      }
      await new Promise((r) => setTimeout(r, 300));
      migrating = false;
      const records = (await traffic).flat();

      expect(failures(records)).toEqual([]);
      expect(records.length).toBeGreaterThan(100);
      // The clients did meet half-migrated and moved slots, and followed the redirections.
      expect(await errorReplies(cluster.nodes, "ASK")).toBeGreaterThan(redirectsBefore.ask);
      expect(await errorReplies(cluster.nodes, "MOVED")).toBeGreaterThan(redirectsBefore.moved);
      for (const [i, book] of books.entries()) {
        for (const cookie of cookies[i] ?? []) await book.read(cookie);
      }
      for (const { slot, target } of moved) {
        expect(Number(await adminCall(target, "CLUSTER", "COUNTKEYSINSLOT", String(slot)))).toBeGreaterThan(
          0,
        );
      }
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
  });
});

describe("redisStore() on a Redis Cluster when a primary is killed", () => {
  /** node-redis before v6 only refreshes its slot map on MOVED/ASK, which a dead node never sends. */
  const recovers = (kind: ClusterClientKind): boolean => kind !== "node-redis" || NODE_REDIS_MAJOR >= 6;
  const prefix = (kind: ClusterClientKind): string => `kill-${kind}:`;
  const clients = new Map<ClusterClientKind, TopologyClient>();
  const books = new Map<ClusterClientKind, SessionBook>();
  /** Sessions on the killed primary, written and replicated before the kill. */
  const before = new Map<ClusterClientKind, string[]>();
  let replicasAcked = 0;
  let run: FailoverRun<ClusterClientKind> = { failoverMs: 0, during: new Map() };

  beforeAll(async () => {
    for (const kind of CLUSTER_CLIENT_KINDS) {
      const client = await connectClusterClient(kind, cluster.rootNodes, prefix(kind));
      clients.set(kind, client);
      books.set(kind, new SessionBook(client.store));
    }
    const victim = (await cluster.primaries())[0] as TopologyNode;
    for (const kind of CLUSTER_CLIENT_KINDS) {
      const book = books.get(kind) as SessionBook;
      const onVictim: string[] = [];
      for (let i = 0; i < 60 && onVictim.length < 6; i++) {
        const cookie = await book.create();
        const key = prefix(kind) + digestId(await book.idOf(cookie));
        if ((await cluster.ownerOf(key)) === victim) onVictim.push(cookie);
      }
      before.set(kind, onVictim);
    }
    // Replication is asynchronous: wait until the replica has every write acknowledged so far.
    replicasAcked = Number(await adminCall(victim, "WAIT", "1", "1000"));
    run = await runFailover(books, before, {
      kill: () => victim.kill(),
      recovered: () => cluster.waitHealthy(20_000),
      // Until the client has served a while after the promotion (or given up on one that cannot).
      lingerMs: (kind) => (recovers(kind) ? 2500 : 1500),
      maxMs: 20_000,
    });
  });

  afterAll(async () => {
    await Promise.all([...clients.values()].map((c) => c.close()));
  });

  it("the writes had reached the replica before the kill (WAIT 1)", () => {
    expect(replicasAcked).toBeGreaterThanOrEqual(1);
    expect(run.failoverMs).toBeLessThan(10_000);
  });

  describe.each(CLUSTER_CLIENT_KINDS)("with %s", (kind) => {
    checkFailoverTraffic(
      () => ({
        records: run.during.get(kind) ?? [],
        book: books.get(kind) as SessionBook,
        before: before.get(kind) ?? [],
      }),
      { boundMs: REQUEST_BOUND_MS, recovers: recovers(kind) },
    );

    it("a client connected after the failover reads every session acknowledged before or during it", async () => {
      const client = await connectClusterClient(kind, cluster.rootNodes, prefix(kind));
      try {
        const book = new SessionBook(client.store, (books.get(kind) as SessionBook).expected);
        expect(book.expected.size).toBeGreaterThan(before.get(kind)?.length ?? 0);
        for (const cookie of book.expected.keys()) await book.read(cookie);
        await book.create();
      } finally {
        await client.close();
      }
    });
  });
});
