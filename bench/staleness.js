// The staleness window of RESP3 client-side caching (issue 17, target 5): how long after one app
// instance's write (or logout) has been acknowledged another instance, serving the session from its
// client-side cache, still reads the old value. `npm run build && node bench/staleness.js`.
//
// The writer is this process; the reader is a child process with its own cached node-redis client that
// reads the session in a loop and reports, on a clock both processes share, when it first saw each new
// value. With STALENESS_BUSY_MS the reader also blocks its event loop that long between reads, as a busy
// app would: the invalidation is then read only when the loop comes round.

import { fork } from "node:child_process";
import { once } from "node:events";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { createClient } from "redis";
import { envNumber } from "./env.js";
import { startRedis } from "./redis.js";

const SECRET = "a-bench-secret-that-is-long-enough-0001";
const PREFIX = "stale:";
const now = () => performance.timeOrigin + performance.now();

async function cachedSessions(url) {
  const { createSessions, redisStore } = await import("sessile");
  const client = createClient({
    url,
    RESP: 3,
    clientSideCache: { ttl: 1000, maxEntries: 10_000, evictPolicy: "LRU" },
  });
  client.on("error", (error) => console.error("node-redis:", error.message));
  await client.connect();
  return {
    client,
    sessions: createSessions({ store: redisStore(client, { prefix: PREFIX }), secret: SECRET }),
  };
}

/** The child: reads `cookie` for ever, reports each new value (or the logout) with the time it saw it. */
async function reader(url, cookie, busyMs) {
  const { sessions } = await cachedSessions(url);
  let last;
  for (;;) {
    const s = await sessions.load(cookie);
    const value = s.isNew ? "gone" : s.data.v;
    if (value !== last) {
      last = value;
      process.send({ value, at: now() });
    }
    if (busyMs > 0) {
      const until = performance.now() + busyMs;
      while (performance.now() < until) {}
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function writer() {
  const writes = Math.max(1, Math.floor(envNumber("STALENESS_WRITES", 500)));
  const busyMs = envNumber("STALENESS_BUSY_MS", 0);
  const redis = await startRedis();
  const { client, sessions } = await cachedSessions(redis.url);
  const first = await sessions.load(undefined);
  first.data.v = 0;
  const cookie = (await sessions.commit(first)).setCookie.split(";")[0];

  const child = fork(fileURLToPath(import.meta.url), ["reader", redis.url, cookie, String(busyMs)]);
  const seen = new Map();
  const waiting = new Map();
  child.on("message", ({ value, at }) => {
    seen.set(value, at);
    waiting.get(value)?.();
  });
  const sawValue = (value) =>
    seen.has(value) ? Promise.resolve() : new Promise((resolve) => waiting.set(value, resolve));
  await sawValue(0);

  const windows = [];
  for (let v = 1; v <= writes; v++) {
    const s = await sessions.load(cookie);
    s.data.v = v;
    await sessions.commit(s);
    const acked = now();
    await sawValue(v);
    windows.push(seen.get(v) - acked);
  }
  const out = await sessions.load(cookie);
  await out.invalidate();
  await sessions.commit(out);
  const loggedOut = now();
  await sawValue("gone");
  const logoutWindow = seen.get("gone") - loggedOut;

  child.kill();
  await once(child, "exit");
  await client.quit();
  await redis.stop();

  const sorted = windows.map((w) => Math.max(0, w)).sort((a, b) => a - b);
  const ms = (x) => `${x.toFixed(3)} ms`;
  console.log(
    `${writes} writes, reader busy ${busyMs} ms per read, ${redis.version}, Node ${process.versions.node}`,
  );
  console.log(
    `stale after the write's acknowledgement: p50 ${ms(percentile(sorted, 50))}, p99 ${ms(percentile(sorted, 99))}, max ${ms(sorted.at(-1))}; ` +
      `${windows.filter((w) => w <= 0).length} of ${writes} seen before the writer had its reply`,
  );
  console.log(`logout seen by the reader ${ms(Math.max(0, logoutWindow))} after it was acknowledged`);
}

if (process.argv[2] === "reader") await reader(process.argv[3], process.argv[4], Number(process.argv[5]));
else await writer();
