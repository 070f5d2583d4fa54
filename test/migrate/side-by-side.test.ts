// Both session libraries in one app during a switch: the legacy one under `session`, sessile's bare
// adapter under `sessile`, each with its own cookie and keys, neither disturbing the other.
import { createServer } from "node:http";
import { createRequire } from "node:module";
import express from "express";
import Fastify from "fastify";
import Koa from "koa";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sessions as expressSessions } from "../../src/adapters/express-bare.js";
import { sessions as fastifySessions } from "../../src/adapters/fastify-bare.js";
import { sessions as koaSessions } from "../../src/adapters/koa-bare.js";
import { createSessions, redisStore, type Session } from "../../src/index.js";
import { spawnRedis, type TestRedis } from "../helpers/redis-server.js";
import { Browser } from "../spec/browser.js";
import { listen } from "../spec/listen.js";

const require = createRequire(import.meta.url);
type Dict = Record<string, unknown>;

let redis: TestRedis;
let client: ReturnType<typeof createClient>;
const SECRET = "legacy and sessile secrets, 32+ characters";

beforeAll(async () => {
  redis = await spawnRedis();
  client = createClient({ url: redis.url });
  await client.connect();
});
afterAll(async () => {
  client.destroy();
  await redis.stop();
});

/** Counts in both sessions on every request; answers both counts. */
function bump(legacy: Dict, sessile: Session): Dict {
  legacy.n = (typeof legacy.n === "number" ? legacy.n : 0) + 1;
  sessile.data.n = ((sessile.data.n as number | undefined) ?? 0) + 1;
  return { legacy: legacy.n, sessile: sessile.data.n };
}

async function expectBothKept(url: string, legacyCookie: string): Promise<void> {
  const browser = new Browser(url);
  expect((await browser.request("/")).json()).toEqual({ legacy: 1, sessile: 1 });
  expect(browser.cookie(legacyCookie)).toBeDefined();
  expect(browser.cookie("session")).toBeDefined();
  expect((await browser.request("/")).json()).toEqual({ legacy: 2, sessile: 2 });
  expect(await client.keys("sessile:*")).toHaveLength(1);
}

describe("a legacy session library and sessile in one app", () => {
  it("Express: express-session + connect-redis and sessile/express/bare", async () => {
    await client.flushAll();
    const session = require("express-session") as (o: Dict) => express.RequestHandler;
    const { RedisStore } = require("connect-redis") as { RedisStore: new (o: Dict) => unknown };
    const app = express();
    app.use(
      session({ secret: SECRET, store: new RedisStore({ client }), resave: false, saveUninitialized: false }),
    );
    app.use(
      expressSessions(createSessions({ store: redisStore(client), secret: SECRET }), { name: "sessile" }),
    );
    app.get("/", (req, res) => {
      const r = req as unknown as { session: Dict; sessile: Session };
      res.json(bump(r.session, r.sessile));
    });
    const server = await listen(createServer(app));
    try {
      await expectBothKept(server.url, "connect.sid");
      expect(await client.keys("sess:*")).toHaveLength(1);
    } finally {
      await server.close();
    }
  });

  it("Fastify: @fastify/session + connect-redis and sessile/fastify/bare", async () => {
    await client.flushAll();
    const { RedisStore } = require("connect-redis") as { RedisStore: new (o: Dict) => unknown };
    const app = Fastify();
    await app.register(require("@fastify/cookie"));
    await app.register(require("@fastify/session"), {
      secret: SECRET,
      store: new RedisStore({ client }),
      saveUninitialized: false,
      cookie: { secure: false },
    });
    await app.register(fastifySessions, {
      factory: createSessions({ store: redisStore(client), secret: SECRET }),
      name: "sessile",
    });
    app.get("/", async (request) => {
      const r = request as unknown as { session: Dict; sessile: Session };
      return bump(r.session, r.sessile);
    });
    await app.listen({ port: 0, host: "127.0.0.1" });
    try {
      await expectBothKept(
        `http://127.0.0.1:${(app.server.address() as { port: number }).port}`,
        "sessionId",
      );
      expect(await client.keys("sess:*")).toHaveLength(1);
    } finally {
      await app.close();
    }
  });

  it("Koa: koa-session + koa-redis and sessile/koa/bare", async () => {
    await client.flushAll();
    const { createSession } = require("koa-session") as {
      createSession: (o: Dict, app: Koa) => Koa.Middleware;
    };
    const store = (require("koa-redis") as (o: Dict) => { quit(): Promise<unknown> })({
      host: redis.host,
      port: redis.port,
    });
    const app = new Koa();
    app.keys = [SECRET];
    app.use(createSession({ store }, app));
    app.use(koaSessions(createSessions({ store: redisStore(client), secret: SECRET }), { name: "sessile" }));
    app.use((ctx) => {
      const c = ctx as unknown as { session: Dict; sessile: Session };
      ctx.body = bump(c.session, c.sessile);
    });
    const server = await listen(createServer(app.callback()));
    try {
      await expectBothKept(server.url, "koa.sess");
      expect((await client.keys("*-*-*-*-*")).length).toBe(1);
    } finally {
      await server.close();
      await store.quit();
    }
  });
});
