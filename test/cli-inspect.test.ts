// `sessile stats|show|rm|user` against a single node and a Cluster holding thousands of sessions.
import { Cluster, Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../src/cli/run.js";
import { createSessions, redisStore, type Sessions } from "../src/index.js";
import { startCluster, type TestCluster } from "./helpers/cluster.js";
import { spawnRedis, type TestRedis } from "./helpers/redis-server.js";
import { SECRET } from "./helpers/sessions.js";
import { captureIo } from "./migrate/keyspace.js";

const SMALL = 1500;
const LARGE = 600;
const BOUND = 4;

/** Stores SMALL sessions under 256 bytes, LARGE ones of 1-4 KiB, BOUND bound to user "ada"; answers handles. */
async function populate(factory: Sessions): Promise<{ handles: string[]; bound: string[]; ids: string[] }> {
  const handles: string[] = [];
  const bound: string[] = [];
  const ids: string[] = [];
  const one = async (i: number) => {
    const session = await factory.load(undefined);
    session.data.n = i;
    if (i >= SMALL) session.data.blob = "x".repeat(2000);
    if (i < BOUND) session.bindUser("ada", { device: `d${i}` });
    await factory.commit(session);
    handles.push(session.handle as string);
    ids.push(session.id as string);
    if (i < BOUND) bound.push(session.handle as string);
  };
  for (let start = 0; start < SMALL + LARGE; start += 100) {
    await Promise.all(
      Array.from({ length: 100 }, (_, k) => start + k)
        .filter((i) => i < SMALL + LARGE)
        .map(one),
    );
  }
  return { handles, bound, ids };
}

async function cli(argv: string[]) {
  const captured = captureIo();
  const code = await runCli(argv, captured.io);
  return { code, out: captured.out(), err: captured.err() };
}

function expectStats(stats: Record<string, unknown>): void {
  expect(stats).toMatchObject({
    sessions: SMALL + LARGE,
    userIndexes: 1,
    rotationMarkers: 0,
    unreadable: 0,
    noTtl: 0,
    ttlSeconds: { "<=60": 0, "<=600": 0, "<=3600": SMALL + LARGE, more: 0 },
  });
  const sizes = stats.payloadBytes as Record<string, number>;
  expect((sizes["<=256"] ?? 0) + (sizes["<=1024"] ?? 0)).toBe(SMALL);
  expect(sizes["<=4096"]).toBe(LARGE);
}

describe.each(["single node", "cluster"])("sessile stats/show/rm/user on a %s", (topology) => {
  let redis: TestRedis | undefined;
  let cluster: TestCluster | undefined;
  let client: Redis | Cluster;
  let url: string;
  let made: Awaited<ReturnType<typeof populate>>;
  const prefix = "insp:";

  beforeAll(async () => {
    if (topology === "cluster") {
      cluster = await startCluster();
      const [first] = cluster.rootNodes;
      url = `redis://${first?.host}:${first?.port}`;
      client = new Cluster([...cluster.rootNodes], { enableAutoPipelining: true });
    } else {
      redis = await spawnRedis();
      url = redis.url;
      client = new Redis(redis.url);
    }
    const factory = createSessions({ store: redisStore(client, { prefix }), secret: SECRET });
    made = await populate(factory);
  }, 120_000);

  afterAll(async () => {
    client?.disconnect();
    await cluster?.stop();
    await redis?.stop();
  });

  it("counts every session, its payload size and TTL, on every primary", async () => {
    const { code, out, err } = await cli(["stats", "--redis-url", url, "--prefix", prefix, "--json"]);
    expect([code, err.includes("keys scanned")]).toEqual([0, true]);
    const stats = JSON.parse(out) as Record<string, unknown>;
    expectStats(stats);
    expect(stats).toMatchObject({
      cluster: topology === "cluster",
      primaries: topology === "cluster" ? 3 : 1,
    });
    const table = await cli(["stats", "--redis-url", url, "--prefix", prefix]);
    expect(table.out).toMatch(new RegExp(`^sessions\\s+${SMALL + LARGE}$`, "m"));
  });

  it("shows a session without its data, lists a user's sessions, and never prints an id", async () => {
    const handle = made.bound[0] as string;
    const shown = await cli(["show", handle, "--redis-url", url, "--prefix", prefix, "--json"]);
    // One CI run printed nothing here; say what the CLI reported if it happens again.
    expect(shown.code, `sessile show failed: ${shown.err}`).toBe(0);
    expect(JSON.parse(shown.out)).toMatchObject({ handle, found: true, userId: "ada", dataKeys: 1 });
    const user = await cli(["user", "ada", "--redis-url", url, "--prefix", prefix, "--json"]);
    expect((JSON.parse(user.out) as { handle: string }[]).map((s) => s.handle).sort()).toEqual(
      [...made.bound].sort(),
    );
    for (const output of [shown.out, user.out]) for (const id of made.ids) expect(output).not.toContain(id);
  });

  it("removes a session only with --yes", async () => {
    const handle = made.handles.at(-1) as string;
    const refused = await cli(["rm", handle, "--redis-url", url, "--prefix", prefix]);
    expect(refused.code).toBe(2);
    expect(await client.exists(`${prefix}${handle}`)).toBe(1);
    const removed = await cli(["rm", handle, "--yes", "--redis-url", url, "--prefix", prefix, "--json"]);
    expect([removed.code, JSON.parse(removed.out)]).toEqual([0, { handle, deleted: true }]);
    expect(await client.exists(`${prefix}${handle}`)).toBe(0);
    const gone = await cli(["show", handle, "--redis-url", url, "--prefix", prefix, "--json"]);
    expect(JSON.parse(gone.out)).toEqual({ handle, found: false });
  });
});
