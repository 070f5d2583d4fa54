import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Redis } from "ioredis";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { sessions } from "../src/adapters/node.js";
import { createSessions, redisStore, type Sessions } from "../src/index.js";
import { createMetrics, type SessileMetrics } from "../src/metrics/index.js";
import { spawnRedis } from "./helpers/redis-server.js";
import { cookiePair, SECRET, useRedis } from "./helpers/sessions.js";

const servers: Server[] = [];
const metricsList: SessileMetrics[] = [];

async function serve(factory: Sessions): Promise<string> {
  const server = createServer(
    sessions(factory, async (req, res) => {
      if (req.url === "/login") {
        req.session.regenerate();
        req.session.data.user = "ada";
      }
      if (req.url === "/write") req.session.data.n = Number(req.session.data.n ?? 0) + 1;
      if (req.url === "/logout") await req.session.invalidate();
      res.end("ok");
    }),
  );
  servers.push(server);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

afterEach(async () => {
  for (const m of metricsList.splice(0)) m.close();
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** The value of one sample line of a Prometheus text, `undefined` when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe("sessile/metrics", () => {
  const f = useRedis("ioredis");

  it("counts commands, loads, writes, refreshes and invalid reasons of real requests, as the server saw them", async () => {
    const metrics = createMetrics();
    metricsList.push(metrics);
    const url = await serve(f.sessions({ idleTimeout: 600, touchInterval: 0 }));
    await f.log.take();
    const cookies: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${url}/write`);
      cookies.push(cookiePair(res.headers.getSetCookie()[0]));
    }
    for (const cookie of cookies) await (await fetch(`${url}/`, { headers: { cookie } })).text();
    for (const cookie of cookies.slice(0, 2))
      await (await fetch(`${url}/logout`, { headers: { cookie } })).text();
    await (await fetch(`${url}/`, { headers: { cookie: cookies[0] as string } })).text();
    await (await fetch(`${url}/`, { headers: { cookie: "session=junk.junk" } })).text();
    const seen = (await f.log.take()).map((c) => c[0]);
    const text = metrics.text();

    const count = (name: string) => seen.filter((c) => c === name).length;
    expect(sample(text, 'sessile_store_commands_total{command="create"}')).toBe(count("SET"));
    expect(sample(text, 'sessile_store_commands_total{command="get"}')).toBe(count("GET"));
    expect(sample(text, 'sessile_store_commands_total{command="update"}')).toBe(count("EVALSHA"));
    expect(sample(text, 'sessile_store_commands_total{command="take"}')).toBe(count("GETDEL"));
    expect([count("SET"), count("GET"), count("EVALSHA"), count("GETDEL")]).toEqual([5, 8, 5, 2]);
    expect(sample(text, 'sessile_loads_total{outcome="none"}')).toBe(5);
    expect(sample(text, 'sessile_loads_total{outcome="loaded"}')).toBe(7);
    expect(sample(text, 'sessile_loads_total{outcome="not-found"}')).toBe(1);
    expect(sample(text, 'sessile_loads_total{outcome="bad-signature"}')).toBe(1);
    expect(sample(text, 'sessile_writes_total{kind="create"}')).toBe(5);
    expect(sample(text, 'sessile_writes_total{kind="update"}')).toBe(5);
    expect(sample(text, "sessile_refreshes_total")).toBe(5);
    expect(sample(text, 'sessile_invalidated_total{cause="logout"}')).toBe(2);
    expect(sample(text, 'sessile_invalid_total{reason="bad-signature"}')).toBe(1);
    expect(sample(text, "sessile_payload_bytes_count")).toBe(10);
    expect(sample(text, 'sessile_store_command_seconds_count{command="get"}')).toBe(8);
    expect(text).toMatch(/^# TYPE sessile_load_seconds histogram$/m);
    for (const cookie of cookies) expect(text).not.toContain(cookie.split("=")[1]?.split(".")[0]);
  });

  it("counts store errors of a Redis that went away", async () => {
    const metrics = createMetrics();
    metricsList.push(metrics);
    const redis = await spawnRedis();
    const client = new Redis(redis.url, {
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      lazyConnect: true,
    });
    client.on("error", () => {});
    await client.connect();
    try {
      const url = await serve(createSessions({ store: redisStore(client), secret: SECRET }));
      const res = await fetch(`${url}/write`);
      const cookie = cookiePair(res.headers.getSetCookie()[0]);
      await redis.stop();
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect((await fetch(`${url}/`, { headers: { cookie } })).status).toBe(500);
      const text = metrics.text();
      expect(sample(text, 'sessile_store_errors_total{operation="load",timeout="false"}')).toBe(1);
      expect(sample(text, 'sessile_loads_total{outcome="error"}')).toBe(1);
      expect(sample(text, 'sessile_events_total{event="storeError"}')).toBe(1);
    } finally {
      client.disconnect();
    }
  });

  it("stops counting once closed", async () => {
    const metrics = createMetrics();
    const url = await serve(f.sessions());
    await (await fetch(`${url}/write`)).text();
    metrics.close();
    await (await fetch(`${url}/write`)).text();
    expect(sample(metrics.text(), 'sessile_writes_total{kind="create"}')).toBe(1);
  });
});

afterAll(() => {
  for (const m of metricsList) m.close();
});
