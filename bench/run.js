// `npm run bench`: sessile against the peer session libraries on node:http, Express, Fastify, Koa and
// Hono, all on one Redis started here. See bench/README.md for what is measured and how.
//
// Environment: BENCH_DURATION (seconds per measured run, 3), BENCH_WARMUP (seconds, 1),
// BENCH_ROUNDS (3), BENCH_CONNECTIONS (10), BENCH_SESSIONS (returning sessions, 100),
// BENCH_ONLY (comma-separated contender ids, or `<framework>:*` for all of one framework's), BENCH_SCENARIOS (read,write,new),
// BENCH_OUT (output directory; bench/ for full runs, .bench-tmp/ when BENCH_ONLY is set),
// BENCH_QUIET (wait before each run until the machine's busy share is below this, 0.25; 1 = never
// wait), BENCH_QUIET_MAX (seconds to wait at most, 10), BENCH_NODE_ARGS (extra node flags for the apps, e.g. "--cpu-prof --cpu-prof-dir=.bench-tmp/prof").

import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { running, startApp } from "./app-process.js";
import { renderChart } from "./chart.js";
import { CONTENDERS, SCENARIOS } from "./contenders.js";
import { envList, envNumber } from "./env.js";
import { load } from "./load.js";
import { cpuSeconds, foreignShare, snapshot, waitForQuiet } from "./machine.js";
import { measureSession, preflight, seedSessions, syntheticCookies } from "./probe.js";
import { commandStats, startRedis } from "./redis.js";
import { analyse, previousFigures, renderMarkdown } from "./report.js";

const here = dirname(fileURLToPath(import.meta.url));
const root = dirname(here);

const settings = {
  duration: envNumber("BENCH_DURATION", 3),
  warmup: envNumber("BENCH_WARMUP", 1),
  rounds: Math.max(1, Math.floor(envNumber("BENCH_ROUNDS", 3))),
  connections: Math.max(1, Math.floor(envNumber("BENCH_CONNECTIONS", 10))),
  sessions: Math.max(1, Math.floor(envNumber("BENCH_SESSIONS", 100))),
  quiet: envNumber("BENCH_QUIET", 0.25),
  quietMax: envNumber("BENCH_QUIET_MAX", 10),
};
const only = envList("BENCH_ONLY");
const scenarioIds = envList("BENCH_SCENARIOS");
const outDir = join(root, process.env.BENCH_OUT ?? (only || scenarioIds ? ".bench-tmp" : "bench"));
const nodeArgs = (process.env.BENCH_NODE_ARGS ?? "").split(" ").filter(Boolean);

// Each framework's bare contender has the framework's name as its id, so a name alone selects just that
// contender, and `express:*` all of a framework's (bare, sessile, peers and variants).
// An opt-in contender (the baseline build) runs only when its variable is set.
const contenders = CONTENDERS.filter(
  (c) =>
    (!c.optIn || process.env[c.optIn]) && (!only || only.includes(c.id) || only.includes(`${c.framework}:*`)),
);
const scenarios = SCENARIOS.filter((s) => !scenarioIds || scenarioIds.includes(s.id));
if (contenders.length === 0 || scenarios.length === 0)
  throw new Error("BENCH_ONLY/BENCH_SCENARIOS select nothing");

function reproduceCommand() {
  const env = Object.keys(process.env)
    .filter((k) => k.startsWith("BENCH_"))
    .sort()
    .map((k) => `${k}=${JSON.stringify(process.env[k])}`);
  return [...env, "npm run bench"].join(" ");
}

function versionOf(pkg) {
  try {
    return JSON.parse(readFileSync(join(root, "node_modules", pkg, "package.json"), "utf8")).version;
  } catch {
    return "missing";
  }
}

function log(message) {
  process.stdout.write(`${message}\n`);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function measure(app, contender, scenario, redis) {
  const { admin } = redis;
  const needsSessions = scenario.returning && contender.role !== "bare";
  const prepare = async () => {
    await admin.sendCommand(["FLUSHALL"]);
    if (!scenario.returning) return [];
    return needsSessions ? seedSessions(app.port, settings.sessions) : syntheticCookies(settings.sessions);
  };
  const common = { port: app.port, path: scenario.path, connections: settings.connections };
  const waited = settings.quiet < 1 ? await waitForQuiet(settings.quiet, settings.quietMax) : 0;
  if (settings.warmup > 0) await load({ ...common, cookies: await prepare(), seconds: settings.warmup });
  const cookies = await prepare();
  await admin.sendCommand(["CONFIG", "RESETSTAT"]);
  const pids = [process.pid, app.pid, redis.pid];
  const before = snapshot(pids);
  const run = await load({ ...common, cookies, seconds: settings.duration });
  const after = snapshot(pids);
  const foreign = foreignShare(before, after);
  // CPU microseconds per request of the runner (autocannon), the app and Redis.
  const cpu = cpuSeconds(before, after);
  const cpuPerRequest = cpu && {
    client: (cpu[0] * 1e6) / run.requests,
    app: (cpu[1] * 1e6) / run.requests,
    redis: (cpu[2] * 1e6) / run.requests,
  };
  // Let requests cut off by the end of the run finish, so their commands are counted with them.
  await sleep(150);
  const stats = await commandStats(admin);
  return { ...run, foreign, waited, cpuPerRequest, commands: stats.calls, usec: stats.usec };
}

/** The app CPU figures of the results.json this run replaces, to report beside the new ones. */
function readPrevious() {
  try {
    return previousFigures(JSON.parse(readFileSync(join(outDir, "results.json"), "utf8")));
  } catch {
    return null;
  }
}

/** The Valkey 8.1 of scripts/valkey.sh, for contenders with `server: "valkey"` (SET … IFEQ). */
async function startValkey() {
  const binary = execFileSync("bash", [join(here, "../scripts/valkey.sh")], { encoding: "utf8" }).trim();
  return startRedis(binary);
}

async function main() {
  const redis = await startRedis();
  running.add(redis.kill);
  const valkey = contenders.some((c) => c.server === "valkey") ? await startValkey() : null;
  if (valkey) running.add(valkey.kill);
  const serverOf = (contender) => (contender.server === "valkey" ? valkey : redis);
  const cpus = os.cpus();
  const meta = {
    date: new Date().toISOString(),
    command: reproduceCommand(),
    cpu: cpus[0]?.model ?? "unknown",
    cores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    redis: redis.version,
    ...(valkey ? { valkey: valkey.version } : {}),
    settings,
    versions: Object.fromEntries(
      [
        "autocannon",
        "redis",
        "ioredis",
        "express",
        "express-session",
        "connect-redis",
        "fastify",
        "@fastify/session",
        "@fastify/cookie",
        "koa",
        "koa-session",
        "koa-redis",
        "hono",
        "@hono/node-server",
      ].map((p) => [p, versionOf(p)]),
    ),
  };
  log(
    `sessile bench: ${contenders.length} contenders x ${scenarios.length} scenarios x ${settings.rounds} rounds, ` +
      `${settings.duration}s (+${settings.warmup}s warm-up), ${settings.connections} connections; ` +
      `Redis ${redis.version} at ${redis.url}; ${meta.cpu} x${meta.cores}; Node ${meta.node}`,
  );
  const results = Object.fromEntries(
    contenders.map((c) => [
      c.id,
      { ...c, status: "pending", scenarios: Object.fromEntries(scenarios.map((s) => [s.id, []])) },
    ]),
  );
  try {
    for (let round = 1; round <= settings.rounds; round++) {
      for (const contender of contenders) {
        const entry = results[contender.id];
        if (entry.status === "failed" || entry.status === "unavailable") continue;
        let app;
        const server = serverOf(contender);
        try {
          app = await startApp(contender.id, server.url, nodeArgs);
        } catch (error) {
          entry.status = "unavailable";
          entry.reason = String(error instanceof Error ? error.message : error).split("\n")[0];
          log(`  ${contender.id}: unavailable (${entry.reason})`);
          continue;
        }
        try {
          if (entry.status === "pending") {
            if (contender.role !== "bare") {
              await server.admin.sendCommand(["FLUSHALL"]);
              const problem = await preflight(app.port);
              if (problem !== null) {
                entry.status = "failed";
                entry.reason = problem;
                log(`  ${contender.id}: pre-flight FAILED: ${problem}`);
                continue;
              }
              entry.session = await measureSession(app.port, server.admin);
            }
            entry.status = "ok";
          }
          for (const scenario of scenarios) {
            const run = await measure(app, contender, scenario, server);
            entry.scenarios[scenario.id].push(run);
            const perRequest = Object.entries(run.commands)
              .map(([name, calls]) => `${name} ${(calls / run.requests).toFixed(2)}`)
              .join(", ");
            log(
              `  round ${round} ${contender.id.padEnd(30)} ${scenario.id.padEnd(5)} ` +
                `${Math.round(run.rps).toString().padStart(6)} req/s  p99 ${run.p99} ms` +
                `${run.errors || run.non2xx ? `  errors ${run.errors} non-2xx ${run.non2xx}` : ""}` +
                `${run.foreign === null ? "" : `  others ${Math.round(run.foreign * 100)}%`}` +
                `${run.cpuPerRequest ? `  app ${run.cpuPerRequest.app.toFixed(0)} µs/req redis ${run.cpuPerRequest.redis.toFixed(0)}` : ""}` +
                `${run.waited > 0.5 ? ` (waited ${run.waited.toFixed(0)} s)` : ""}` +
                `${perRequest ? `  [${perRequest}]` : ""}`,
            );
          }
        } catch (error) {
          entry.status = "failed";
          entry.reason = String(error instanceof Error ? error.message : error);
          log(`  ${contender.id}: FAILED: ${entry.reason}`);
        } finally {
          await app.stop();
        }
      }
    }
  } finally {
    running.delete(redis.kill);
    await redis.stop();
    if (valkey) {
      running.delete(valkey.kill);
      await valkey.stop();
    }
  }
  const analysis = analyse(meta, Object.values(results), scenarios, readPrevious());
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, "results.json"), `${JSON.stringify(analysis, null, 2)}\n`);
  writeFileSync(join(outDir, "results.md"), renderMarkdown(analysis));
  writeFileSync(join(outDir, "chart.svg"), renderChart(analysis));
  log(
    `wrote ${["results.json", "results.md", "chart.svg"].map((f) => relative(root, join(outDir, f))).join(", ")}`,
  );
}

await main();
