// `npm run soak`: SOAK_REQUESTS requests (default 1,000,000) through sessile on each adapter against a
// Redis started here, mixing new visitors, returning reads and returning writes, with the app's heap
// sampled after a forced full GC every SOAK_SAMPLE_EVERY requests. Writes bench/soak-results.json,
// bench/soak-results.md and bench/soak.svg (or into SOAK_OUT); `node bench/soak.js --render` only
// re-renders the table and the plot from the JSON already there.
//
// Environment: SOAK_REQUESTS (per adapter, 1000000), SOAK_SAMPLE_EVERY (50000), SOAK_CONCURRENCY (16),
// SOAK_SESSIONS (returning visitors in rotation, 1000), SOAK_ADAPTERS (comma-separated subset of
// node,express,fastify,koa,hono), SOAK_OUT (output directory, bench/ for a full run).

import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { Agent, request } from "node:http";
import os from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { running, startApp } from "./app-process.js";
import { envList, envNumber } from "./env.js";
import { commandStats, startRedis } from "./redis.js";
import { renderSoakChart } from "./soak-chart.js";

const here = dirname(fileURLToPath(import.meta.url));
const root = dirname(here);

/** A whole number ≥ 1 from the environment. */
function envWhole(name, fallback) {
  return Math.max(1, Math.floor(envNumber(name, fallback)));
}

const ADAPTERS = ["node", "express", "fastify", "koa", "hono"];
const settings = {
  requests: envWhole("SOAK_REQUESTS", 1_000_000),
  sampleEvery: envWhole("SOAK_SAMPLE_EVERY", 50_000),
  concurrency: envWhole("SOAK_CONCURRENCY", 16),
  sessions: envWhole("SOAK_SESSIONS", 1000),
};
const adapters = envList("SOAK_ADAPTERS") ?? ADAPTERS;
for (const a of adapters) if (!ADAPTERS.includes(a)) throw new Error(`unknown adapter ${a}`);
const outDir = join(root, process.env.SOAK_OUT ?? (process.env.SOAK_ADAPTERS ? ".bench-tmp" : "bench"));

/**
 * The mix, by share of requests: a new visitor who only reads (no session, no command), a new visitor
 * who writes (`SET NX EX`, a new cookie in rotation), a returning read (`GET`), a returning write
 * (`GET` + `SET XX EX`).
 */
const MIX = [
  ["new-read", 0.05],
  ["new-write", 0.1],
  ["returning-read", 0.6],
  ["returning-write", 0.25],
];

function log(message) {
  process.stdout.write(`${message}\n`);
}

/** A tiny PRNG so every run draws the same sequence of request kinds. */
function mulberry32(seed) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function get(agent, port, path, cookie) {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: "127.0.0.1", port, path, agent, headers: cookie ? { cookie } : {} },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk) => {
          body += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode, body, setCookie: res.headers["set-cookie"] }));
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error(`GET ${path} timed out`)));
    req.once("error", reject);
    req.end();
  });
}

/**
 * Drives `count` requests at `concurrency` and checks every answer: a returning visitor must read back
 * exactly the `views` its last acknowledged write left (a visitor is never in two requests at once).
 */
async function drive(state, count) {
  const { agent, port, pool, random } = state;
  let issued = 0;
  const worker = async () => {
    while (issued < count) {
      issued++;
      const r = random();
      let kind = MIX[MIX.length - 1][0];
      let acc = 0;
      for (const [k, share] of MIX) {
        acc += share;
        if (r < acc) {
          kind = k;
          break;
        }
      }
      state.counts[kind]++;
      if (kind === "new-read") {
        const reply = await get(agent, port, "/read");
        if (reply.status !== 200 || reply.body !== "0" || reply.setCookie)
          state.errors.push(`new-read ${reply.status}`);
        continue;
      }
      if (kind === "new-write") {
        const reply = await get(agent, port, "/write");
        const cookie = reply.setCookie?.[0]?.split(";", 1)[0];
        if (reply.status !== 200 || reply.body !== "1" || !cookie) {
          state.errors.push(`new-write ${reply.status} ${reply.body}`);
          continue;
        }
        // Replace an idle visitor in the rotation: the old one simply stops coming back.
        const slot = state.idle.pop();
        if (slot !== undefined) {
          pool[slot] = { cookie, views: 1 };
          state.idle.unshift(slot);
        }
        continue;
      }
      const slot = state.idle.pop();
      if (slot === undefined) throw new Error("SOAK_SESSIONS must be larger than SOAK_CONCURRENCY");
      const visitor = pool[slot];
      const write = kind === "returning-write";
      const reply = await get(agent, port, write ? "/write" : "/read", visitor.cookie);
      const want = write ? visitor.views + 1 : visitor.views;
      if (reply.status !== 200 || reply.body !== String(want)) {
        state.errors.push(`${kind} ${reply.status} ${JSON.stringify(reply.body)} (want ${want})`);
      } else {
        visitor.views = want;
      }
      state.idle.unshift(slot);
    }
  };
  await Promise.all(Array.from({ length: settings.concurrency }, worker));
}

/** Least-squares slope of `y` against `x`. */
function slope(points) {
  const n = points.length;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  const sxy = points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0);
  const sxx = points.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  return sxx === 0 ? 0 : sxy / sxx;
}

async function soak(adapter, redis) {
  await redis.admin.sendCommand(["FLUSHALL"]);
  const app = await startApp(`sessile-${adapter}`, redis.url, ["--expose-gc"]);
  try {
    const agent = new Agent({ keepAlive: true, maxSockets: settings.concurrency });
    const state = {
      agent,
      port: app.port,
      pool: [],
      idle: [],
      random: mulberry32(0x5e551e),
      counts: Object.fromEntries(MIX.map(([k]) => [k, 0])),
      errors: [],
    };
    for (let i = 0; i < settings.sessions; i++) {
      const reply = await get(agent, app.port, "/write");
      state.pool.push({ cookie: reply.setCookie[0].split(";", 1)[0], views: 1 });
      state.idle.push(i);
    }
    await redis.admin.sendCommand(["CONFIG", "RESETSTAT"]);
    const samples = [{ requests: 0, ...(await app.sample()) }];
    const started = Date.now();
    let done = 0;
    while (done < settings.requests) {
      const batch = Math.min(settings.sampleEvery, settings.requests - done);
      await drive(state, batch);
      done += batch;
      const sample = { requests: done, ...(await app.sample()) };
      samples.push(sample);
      const rate = Math.round(done / ((Date.now() - started) / 1000));
      log(
        `  ${adapter}: ${done} requests, heap ${(sample.heapUsed / 2 ** 20).toFixed(2)} MiB, ${rate} req/s`,
      );
      if (state.errors.length > 0) break;
    }
    const seconds = (Date.now() - started) / 1000;
    agent.destroy();
    const { calls } = await commandStats(redis.admin);
    const keys = Number(await redis.admin.sendCommand(["DBSIZE"]));
    // The first tenth is warm-up (JIT, pools, caches): the slope is fitted to the rest.
    const steady = samples.filter((s) => s.requests >= settings.requests / 10);
    const perRequest = slope(steady.map((s) => ({ x: s.requests, y: s.heapUsed })));
    return {
      adapter,
      requests: done,
      seconds,
      rps: done / seconds,
      counts: state.counts,
      errors: state.errors.length,
      firstErrors: state.errors.slice(0, 5),
      commands: calls,
      keysAtEnd: keys,
      samples,
      heapStart: samples[0].heapUsed,
      heapAfterWarmup: steady[0]?.heapUsed ?? samples[0].heapUsed,
      heapEnd: samples.at(-1).heapUsed,
      heapMax: Math.max(...steady.map((s) => s.heapUsed)),
      heapMin: Math.min(...steady.map((s) => s.heapUsed)),
      slopeBytesPer100k: perRequest * 100_000,
    };
  } finally {
    await app.stop();
  }
}

const MiB = 2 ** 20;
const mib = (bytes) => (bytes / MiB).toFixed(2);

/** Least-squares heap growth in bytes per 100,000 requests over the samples from `from` requests on. */
export function slopeFrom(samples, from) {
  const points = samples.filter((s) => s.requests >= from).map((s) => ({ x: s.requests, y: s.heapUsed }));
  return slope(points) * 100_000;
}

function renderMarkdown(meta, results) {
  const lines = [
    "# Soak: heap against requests",
    "",
    `${meta.date}; ${meta.machine}; Node ${meta.node}; Redis ${meta.redis}. ${meta.settings.requests.toLocaleString("en")} requests per adapter ` +
      `(${MIX.map(([k, share]) => `${Math.round(share * 100)}% ${k}`).join(", ")}), ${meta.settings.concurrency} concurrent, ` +
      `${meta.settings.sessions} returning visitors in rotation; heap sampled after \`gc()\` (twice, \`--expose-gc\`) every ` +
      `${meta.settings.sampleEvery.toLocaleString("en")} requests. Slopes: least squares over the samples after the first tenth ` +
      "(warm-up: JIT, pools, caches) and over the second half. Every answer was checked (a returning visitor reads back exactly " +
      "what its last write left). req/s is context only: the machine is shared and the load generator runs on it too.",
    "",
    "| adapter | requests | req/s | wrong answers | heap at start (MiB) | after warm-up | at end | min–max after warm-up | slope after warm-up (KiB per 100k requests) | slope, second half | bytes kept per request (second half) | Redis commands per request |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const r of results) {
    const commands = Object.values(r.commands).reduce((s, n) => s + n, 0);
    const late = slopeFrom(r.samples, r.requests / 2);
    lines.push(
      `| ${r.adapter} | ${r.requests.toLocaleString("en")} | ${Math.round(r.rps)} | ${r.errors} | ${mib(r.heapStart)} | ` +
        `${mib(r.heapAfterWarmup)} | ${mib(r.heapEnd)} | ${mib(r.heapMin)}–${mib(r.heapMax)} | ` +
        `${(r.slopeBytesPer100k / 1024).toFixed(1)} | ${(late / 1024).toFixed(1)} | ${(late / 100_000).toFixed(3)} | ` +
        `${(commands / r.requests).toFixed(3)} |`,
    );
  }
  lines.push("", `Reproduce: \`${meta.command}\`. The plot is [soak.svg](soak.svg).`, "");
  return lines.join("\n");
}

/** Writes the markdown table and the plot for `meta` and `results`. */
function render(meta, results) {
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, "soak-results.json"), `${JSON.stringify({ meta, results }, null, 2)}\n`);
  writeFileSync(join(outDir, "soak-results.md"), renderMarkdown(meta, results));
  writeFileSync(join(outDir, "soak.svg"), renderSoakChart(meta, results));
  log(
    `wrote ${["soak-results.json", "soak-results.md", "soak.svg"].map((f) => relative(root, join(outDir, f))).join(", ")}`,
  );
}

if (process.argv.includes("--render")) {
  // Only re-renders the table and the plot from the results already written.
  const { meta, results } = JSON.parse(readFileSync(join(outDir, "soak-results.json"), "utf8"));
  render(meta, results);
  process.exit(0);
}

const redis = await startRedis();
running.add(redis.kill);
try {
  const results = [];
  for (const adapter of adapters) {
    log(`soak: ${adapter}`);
    results.push(await soak(adapter, redis));
  }
  const meta = {
    date: new Date().toISOString().slice(0, 10),
    machine: `${os.cpus().length}-core ${os.cpus()[0]?.model.trim() ?? "cpu"}`,
    node: process.versions.node,
    redis: redis.version,
    settings,
    mix: Object.fromEntries(MIX),
    command: [
      ...Object.keys(process.env)
        .filter((k) => k.startsWith("SOAK_"))
        .sort()
        .map((k) => `${k}=${process.env[k]}`),
      "npm run soak",
    ].join(" "),
  };
  render(meta, results);
  const failed = results.filter((r) => r.errors > 0);
  if (failed.length > 0) {
    for (const r of failed) log(`${r.adapter}: ${r.errors} wrong answers, e.g. ${r.firstErrors.join("; ")}`);
    process.exitCode = 1;
  }
} finally {
  running.delete(redis.kill);
  await redis.stop();
}
