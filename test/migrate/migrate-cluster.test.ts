// `sessile migrate` on a Redis Cluster of 3 primaries: every primary is scanned, writes are routed.
import { Cluster } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "../../src/cli/migrate.js";
import { digestId } from "../../src/index.js";
import { startCluster, type TestCluster } from "../helpers/cluster.js";
import { spawnRedis } from "../helpers/redis-server.js";
import { buildKeyspace, captureIo, captureSession, type Keyspace, legacyKey, MIX } from "./keyspace.js";

let cluster: TestCluster;
let client: Cluster;
let keyspace: Keyspace;
let url: string;

beforeAll(async () => {
  // One session made by the real express-session app (on a node of its own), cloned into the Cluster.
  const single = await spawnRedis();
  const sample = await captureSession("express-session", single.url);
  await single.stop();
  cluster = await startCluster();
  const [first] = cluster.rootNodes;
  url = `redis://${first?.host}:${first?.port}`;
  client = new Cluster([...cluster.rootNodes], { enableAutoPipelining: true });
  keyspace = await buildKeyspace("express-session", sample, (args) =>
    client.call(args[0] ?? "", ...args.slice(1)),
  );
}, 60_000);

afterAll(async () => {
  client?.disconnect();
  await cluster?.stop();
});

async function countOnPrimaries(pattern: string): Promise<number[]> {
  return Promise.all(
    client.nodes("master").map(async (node) => {
      let n = 0;
      let cursor = "0";
      do {
        const [next, keys] = await node.scan(cursor, "MATCH", pattern, "COUNT", 1000);
        cursor = next;
        n += keys.length;
      } while (cursor !== "0");
      return n;
    }),
  );
}

const EXPECTED = {
  scanned: MIX.live + MIX.pastDeadline + MIX.unreadable + MIX.wrongType,
  migrated: MIX.live - MIX.alreadyPresent + MIX.pastDeadline,
  skippedExpired: 0,
  unreadable: MIX.unreadable + MIX.wrongType,
  alreadyPresent: MIX.alreadyPresent,
};

describe("sessile migrate on a Redis Cluster", () => {
  it("the legacy keys are spread over the three primaries", async () => {
    const perPrimary = await countOnPrimaries("sess:*");
    expect(perPrimary).toHaveLength(3);
    for (const n of perPrimary) expect(n).toBeGreaterThan(EXPECTED.scanned / 6);
    expect(perPrimary.reduce((a, b) => a + b, 0)).toBe(EXPECTED.scanned);
  });

  it("--dry-run with node-redis scans every primary and writes nothing", async () => {
    const summary = await migrate(
      ["--from", "express-session", "--redis-url", url, "--client", "redis", "--dry-run"],
      captureIo().io,
    );
    expect(summary).toMatchObject({ ...EXPECTED, cluster: true, primaries: 3, legacyDeleted: 0 });
    expect((await countOnPrimaries("sessile:*")).reduce((a, b) => a + b, 0)).toBe(MIX.alreadyPresent);
  });

  it("with ioredis: migrates every live session and its summary matches the keyspace", async () => {
    const summary = await migrate(
      ["--from", "express-session", "--redis-url", url, "--json"],
      captureIo().io,
    );
    expect(summary).toMatchObject({
      ...EXPECTED,
      cluster: true,
      primaries: 3,
      legacyDeleted: EXPECTED.migrated + EXPECTED.alreadyPresent,
    });
    const sessileKeys = (await countOnPrimaries("sessile:*")).reduce((a, b) => a + b, 0);
    expect(sessileKeys).toBe(EXPECTED.migrated + EXPECTED.alreadyPresent);
    const legacyLeft = (await countOnPrimaries("sess:*")).reduce((a, b) => a + b, 0);
    expect(legacyLeft).toBe(EXPECTED.unreadable);
    const ids = [...keyspace.live.keys()].filter((id) => !keyspace.alreadyPresent.includes(id));
    const values = await Promise.all(ids.map((id) => client.get(`sessile:${digestId(id)}`)));
    ids.forEach((id, i) => {
      expect(JSON.parse(values[i] ?? "null")?.m?.count).toBe(keyspace.live.get(id)?.count);
    });
    expect(await client.exists(legacyKey("express-session", ids[0] ?? ""))).toBe(0);
  });

  it("a second run finds only the unreadable keys", async () => {
    const summary = await migrate(["--from", "express-session", "--redis-url", url], captureIo().io);
    expect(summary).toMatchObject({
      scanned: EXPECTED.unreadable,
      unreadable: EXPECTED.unreadable,
      migrated: 0,
    });
  });
});
