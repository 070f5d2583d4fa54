// Returning reads when Redis is not on the same machine (issue 17, target 5): the one-GET floor,
// sessile/node and sessile/node with RESP3 client-side caching, each reaching Redis directly and
// through a proxy that holds every chunk REMOTE_DELAY_MS in each direction, as a network would.
// `npm run build && node bench/remote.js`.
//
// On loopback a round-trip costs little, and it batches: the replies of ten connections' GETs arrive
// together and are handled in one turn of the event loop. Through the proxy each GET waits out the
// delay, so a server that never asks Redis answers sooner. The proxy runs in its own process; the
// round-trip it adds is measured with PING and printed.

import { fork } from "node:child_process";
import { createConnection, createServer } from "node:net";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { createClient } from "redis";
import { running, startApp } from "./app-process.js";
import { envNumber } from "./env.js";
import { load } from "./load.js";
import { seedSessions } from "./probe.js";
import { startRedis } from "./redis.js";
import { median, ratio } from "./report.js";

const CONTENDERS = [
  ["node-floor", "node:http + raw node-redis (one GET floor)"],
  ["sessile-node", "sessile/node + node-redis"],
  ["sessile-node-csc", "sessile/node + node-redis, RESP3 client-side caching"],
];

/** The proxy child: forwards to `target`, each chunk released `delayMs` after it arrived. */
function proxy(targetPort, delayMs) {
  const delayed = (from, to) => {
    from.on("data", (chunk) => setTimeout(() => to.write(chunk), delayMs));
    from.on("error", () => to.destroy());
    from.on("close", () => setTimeout(() => to.destroy(), delayMs));
  };
  const server = createServer((client) => {
    client.setNoDelay(true);
    const upstream = createConnection({ host: "127.0.0.1", port: targetPort });
    upstream.setNoDelay(true);
    delayed(client, upstream);
    delayed(upstream, client);
  });
  server.listen(0, "127.0.0.1", () => process.send({ port: server.address().port }));
}

async function startProxy(targetPort, delayMs) {
  const child = fork(fileURLToPath(import.meta.url), ["proxy", String(targetPort), String(delayMs)]);
  const kill = () => child.kill("SIGKILL");
  running.add(kill);
  const { port } = await new Promise((resolve) => child.once("message", resolve));
  return {
    url: `redis://127.0.0.1:${port}`,
    stop() {
      running.delete(kill);
      kill();
    },
  };
}

async function pingMs(url) {
  const client = createClient({ url });
  await client.connect();
  const times = [];
  for (let i = 0; i < 200; i++) {
    const t = performance.now();
    await client.ping();
    times.push(performance.now() - t);
  }
  await client.quit();
  return times.sort((a, b) => a - b)[100];
}

async function main() {
  const delayMs = envNumber("REMOTE_DELAY_MS", 1);
  const rounds = envNumber("BENCH_ROUNDS", 3);
  const seconds = envNumber("BENCH_DURATION", 3);
  const connections = envNumber("BENCH_CONNECTIONS", 10);
  const redis = await startRedis();
  running.add(redis.kill);
  const far = await startProxy(Number(new URL(redis.url).port), delayMs);
  const paths = [
    ["loopback", redis.url],
    [`${delayMs} ms each way`, far.url],
  ];
  const rtt = { [paths[0][0]]: await pingMs(redis.url), [paths[1][0]]: await pingMs(far.url) };
  const results = new Map();
  for (let round = 1; round <= rounds; round++) {
    for (const [where, url] of paths) {
      for (const [id] of CONTENDERS) {
        await redis.admin.flushAll();
        const app = await startApp(id, url);
        const cookies = await seedSessions(app.port, 100);
        await load({ port: app.port, path: "/read", cookies, seconds: 1, connections });
        const r = await load({ port: app.port, path: "/read", cookies, seconds, connections });
        await app.stop();
        if (r.errors > 0 || r.non2xx > 0)
          throw new Error(`${id} (${where}): ${r.errors} errors, ${r.non2xx} non-2xx`);
        const key = `${where}|${id}`;
        if (!results.has(key)) results.set(key, []);
        results.get(key).push(r);
        console.log(
          `  round ${round} ${where.padEnd(16)} ${id.padEnd(18)} ${Math.round(r.rps)} req/s  p50 ${r.p50} ms`,
        );
      }
    }
  }
  far.stop();
  await redis.stop();

  console.log(
    `\nReturning reads, ${connections} connections, ${rounds} rounds of ${seconds} s, medians; Redis ${redis.version}, Node ${process.versions.node}\n`,
  );
  console.log("| Redis reached | PING round-trip | contender | req/s | p50 ms | ÷ floor |");
  console.log("|---|---:|---|---:|---:|---:|");
  for (const [where] of paths) {
    const floor = results.get(`${where}|node-floor`);
    for (const [id, label] of CONTENDERS) {
      const runs = results.get(`${where}|${id}`);
      const vsFloor = id === "node-floor" ? "1" : `${ratio(runs, floor).toFixed(2)}×`;
      console.log(
        `| ${where} | ${rtt[where].toFixed(2)} ms | ${label} | ${Math.round(median(runs.map((r) => r.rps))).toLocaleString("en-US")} | ${median(runs.map((r) => r.p50))} | ${vsFloor} |`,
      );
    }
  }
}

if (process.argv[2] === "proxy") proxy(Number(process.argv[3]), Number(process.argv[4]));
else await main();
