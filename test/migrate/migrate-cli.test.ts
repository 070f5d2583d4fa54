// `sessile migrate` against thousands of legacy sessions on one real Redis node.
import { execFile, execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "../../src/cli/migrate.js";
import { Progress } from "../../src/cli/progress.js";
import { runCli } from "../../src/cli/run.js";
import { digestId, redisStore } from "../../src/index.js";
import { spawnRedis, type TestRedis } from "../helpers/redis-server.js";
import {
  buildKeyspace,
  captureIo,
  captureSession,
  type Keyspace,
  type LibraryName,
  legacyKey,
  loadThroughSessile,
  MIX,
} from "./keyspace.js";

let redis: TestRedis;
let client: ReturnType<typeof createClient>;

beforeAll(async () => {
  redis = await spawnRedis();
  client = createClient({ url: redis.url });
  await client.connect();
});

afterAll(async () => {
  client.destroy();
  await redis.stop();
});

const send = (args: string[]) => client.sendCommand(args);
const sessileKey = (id: string) => `sessile:${digestId(id)}`;

async function countKeys(pattern: string): Promise<number> {
  let n = 0;
  for await (const keys of client.scanIterator({ MATCH: pattern, COUNT: 1000 })) n += keys.length;
  return n;
}

/** The summary a migration of {@link MIX} must report. Express's past-deadline keys are touched sessions. */
function expected(library: LibraryName) {
  const touched = library === "express-session";
  const migrated = MIX.live - MIX.alreadyPresent + (touched ? MIX.pastDeadline : 0);
  return {
    scanned: MIX.live + MIX.pastDeadline + MIX.unreadable + MIX.wrongType,
    migrated,
    skippedExpired: touched ? 0 : MIX.pastDeadline,
    unreadable: MIX.unreadable + MIX.wrongType,
    alreadyPresent: MIX.alreadyPresent,
    legacyDeleted: migrated + MIX.alreadyPresent,
  };
}

const LIBRARIES: LibraryName[] = ["express-session", "fastify-session", "koa-session"];

for (const library of LIBRARIES) {
  describe(`sessile migrate --from ${library}, one node`, () => {
    let keyspace: Keyspace;
    beforeAll(async () => {
      await client.flushAll();
      const sample = await captureSession(library, redis.url);
      keyspace = await buildKeyspace(library, sample, send);
    });

    it("--dry-run counts what it would do and writes nothing", async () => {
      const before = await client.dbSize();
      const { io } = captureIo();
      const summary = await migrate(["--from", library, "--redis-url", redis.url, "--dry-run"], io);
      const { legacyDeleted: _none, ...counts } = expected(library);
      expect(summary).toMatchObject({ ...counts, dryRun: true, legacyDeleted: 0, cluster: false });
      expect(await client.dbSize()).toBe(before);
      expect(await countKeys("sessile:*")).toBe(MIX.alreadyPresent);
    });

    it("writes each live session as a sessile session under sessile:<digestId(id)> and deletes the legacy key", async () => {
      const { io, out } = captureIo();
      const summary = await migrate(["--from", library, "--redis-url", redis.url, "--json"], io);
      expect(summary).toMatchObject({ ...expected(library), dryRun: false, primaries: 1 });
      expect(JSON.parse(out())).toEqual(summary);
      if (library === "koa-session") {
        // koa-redis keys have no prefix, so SCAN sees every key; those that are not session ids are ignored.
        expect(summary.ignored).toBeGreaterThanOrEqual(MIX.other + MIX.alreadyPresent);
      } else {
        expect(summary.ignored).toBe(0);
      }

      const now = Math.floor(Date.now() / 1000);
      const ids = [...keyspace.live.keys()];
      const [values, ttls, legacy] = await Promise.all([
        Promise.all(ids.map((id) => client.get(sessileKey(id)))),
        Promise.all(ids.map((id) => client.pTTL(sessileKey(id)))),
        Promise.all(ids.map((id) => client.exists(legacyKey(library, id)))),
      ]);
      ids.forEach((id, i) => {
        const { count, ttl } = keyspace.live.get(id) ?? { count: NaN, ttl: NaN };
        expect(legacy[i]).toBe(0);
        const payload = JSON.parse(values[i] ?? "null");
        if (keyspace.alreadyPresent.includes(id)) {
          expect(payload.m).toEqual({ adopted: true }); // NX: the existing sessile session wins
          return;
        }
        expect(payload).toMatchObject({ v: 1, t: 1200, m: { count } });
        expect(payload.c).toBeLessThanOrEqual(now);
        expect(payload.x - now).toBeLessThanOrEqual(Math.min(1200, ttl));
        expect(ttls[i]).toBeGreaterThan(0);
        expect(ttls[i]).toBeLessThanOrEqual(Math.min(1200, ttl) * 1000);
      });
      // Unreadable keys are left for the application to look at.
      for (const key of keyspace.unreadableKeys) expect(await client.exists(key)).toBe(1);
      for (const id of keyspace.pastDeadline) {
        const migrated = (await client.exists(sessileKey(id))) === 1;
        expect(migrated).toBe(library === "express-session");
        expect(await client.exists(legacyKey(library, id))).toBe(migrated ? 0 : 1);
      }
    });

    it("leaves sessions sessile's own load() reads with their data intact", async () => {
      const store = redisStore(client);
      const ids = [...keyspace.live.keys()]
        .filter((id) => !keyspace.alreadyPresent.includes(id))
        .slice(0, 20);
      for (const id of ids) {
        const data = await loadThroughSessile(store, id);
        expect(data).toMatchObject({
          count: keyspace.live.get(id)?.count,
          user: { name: "Ada Lovelace", roles: ["admin", "author"], prefs: { theme: "dark", tz: null } },
          note: "héllo ✓ — 日本",
        });
        expect(Object.keys(data ?? {}).some((k) => k === "cookie" || k.startsWith("_"))).toBe(false);
      }
    });

    it("a second run finds only what it left behind", async () => {
      const { io } = captureIo();
      const summary = await migrate(["--from", library, "--redis-url", redis.url], io);
      const left = expected(library);
      expect(summary).toMatchObject({
        scanned: left.scanned - left.legacyDeleted,
        migrated: 0,
        alreadyPresent: 0,
        unreadable: left.unreadable,
        skippedExpired: left.skippedExpired,
      });
    });
  });
}

describe("sessile migrate options", () => {
  it("--keep-legacy with node-redis: legacy keys stay, a rerun finds every session already present", async () => {
    await client.flushAll();
    const sample = await captureSession("fastify-session", redis.url);
    const keyspace = await buildKeyspace("fastify-session", sample, send);
    const args = [
      "--from",
      "fastify-session",
      "--redis-url",
      redis.url,
      "--client",
      "redis",
      "--keep-legacy",
    ];
    const first = await migrate(args, captureIo().io);
    expect(first).toMatchObject({ migrated: MIX.live - MIX.alreadyPresent, legacyDeleted: 0 });
    for (const id of [...keyspace.live.keys()].slice(0, 50))
      expect(await client.exists(legacyKey("fastify-session", id))).toBe(1);
    const second = await migrate(args, captureIo().io);
    expect(second).toMatchObject({ migrated: 0, alreadyPresent: MIX.live, legacyDeleted: 0 });
  });

  it("--store-did-not-touch makes express-session's stored deadline final", async () => {
    await client.flushAll();
    const sample = await captureSession("express-session", redis.url);
    await buildKeyspace("express-session", sample, send);
    const summary = await migrate(
      ["--from", "express-session", "--redis-url", redis.url, "--store-did-not-touch", "--dry-run"],
      captureIo().io,
    );
    expect(summary).toMatchObject({
      skippedExpired: MIX.pastDeadline,
      migrated: MIX.live - MIX.alreadyPresent,
    });
  });

  it("--idle-timeout and --sessile-prefix shape what is written", async () => {
    await client.flushAll();
    const sample = await captureSession("koa-session", redis.url);
    const keyspace = await buildKeyspace("koa-session", sample, send, "app:");
    const summary = await migrate(
      [
        "--from",
        "koa-session",
        "--redis-url",
        redis.url,
        "--sessile-prefix",
        "app:",
        "--idle-timeout",
        "60",
        "--json",
      ],
      captureIo().io,
    );
    expect(summary).toMatchObject({
      migrated: MIX.live - MIX.alreadyPresent,
      alreadyPresent: MIX.alreadyPresent,
    });
    const id = [...keyspace.live.keys()][0] ?? "";
    expect(await client.pTTL(`app:${digestId(id)}`)).toBeLessThanOrEqual(60_000);
    expect(JSON.parse((await client.get(`app:${digestId(id)}`)) ?? "{}").t).toBe(60);
  });

  it.each([
    [["migrate"], /--from must be one of/],
    [["migrate", "--from", "express-session"], /--redis-url/],
    [
      ["migrate", "--from", "express-session", "--redis-url", "redis://x", "--idle-timeout", "0"],
      /--idle-timeout/,
    ],
    [["migrate", "--from", "express-session", "--redis-url", "redis://x", "--bogus"], /bogus/],
    [
      ["migrate", "--from", "express-session", "--redis-url", "redis://x", "--client", "memcached"],
      /--client/,
    ],
    [["frobnicate"], /unknown command/],
  ])("%j exits 2 with a sessile: message", async (argv, message) => {
    const { io, err } = captureIo();
    expect(await runCli(argv, io)).toBe(2);
    expect(err()).toMatch(/^sessile: /);
    expect(err()).toMatch(message);
  });

  it.each(["ioredis", "redis"])(
    "a Redis that does not answer exits 1 with a sessile: message (%s)",
    async (name) => {
      const { io, err } = captureIo();
      const argv = [
        "migrate",
        "--from",
        "express-session",
        "--redis-url",
        "redis://127.0.0.1:1",
        "--client",
        name,
      ];
      const code = await runCli(argv, io);
      expect(code).toBe(1);
      expect(err()).toMatch(/^sessile: .*ECONNREFUSED/);
    },
  );
});

describe("the sessile bin", () => {
  const bin = join(import.meta.dirname, "../../dist/cli/index.js");
  beforeAll(() => {
    // npm test builds first; a lone run of this file builds here.
    if (!existsSync(bin)) execFileSync("npx", ["tsc", "-p", "tsconfig.build.json"], { stdio: "ignore" });
  });

  it("prints plain progress lines off a terminal and a summary, and never an id or a value", async () => {
    await client.flushAll();
    const sample = await captureSession("express-session", redis.url);
    const keyspace = await buildKeyspace("express-session", sample, send);
    const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>(
      (resolve) => {
        execFile(
          process.execPath,
          [bin, "migrate", "--from", "express-session", "--redis-url", redis.url, "--count", "200"],
          (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
        );
      },
    );
    expect(code).toBe(0);
    expect(stderr).toMatch(/^sessile migrate: 1\d{3} keys scanned, \d+ migrated$/m);
    expect(stdout).toMatch(/migrated\s+2450\n/);
    expect(stdout).toMatch(/already-present\s+100\n/);
    const output = stdout + stderr;
    for (const id of keyspace.live.keys()) expect(output.includes(id)).toBe(false);
    expect(output.includes("Ada")).toBe(false);
  });

  it("draws a bar in place on a terminal", () => {
    const { io, err } = captureIo(true);
    const progress = new Progress(io.stderr);
    progress.total = 200;
    progress.update(50, 40);
    progress.update(200, 180);
    progress.done();
    expect(err()).toBe(
      `\r\x1b[K[${"#".repeat(8)}${"-".repeat(22)}] 50 of ≤ 200 keys scanned, 40 migrated` +
        `\r\x1b[K[${"#".repeat(30)}] 200 of ≤ 200 keys scanned, 180 migrated\n`,
    );
  });
});
