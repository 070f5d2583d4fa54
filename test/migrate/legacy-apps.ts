// The three legacy libraries, running for real: each app creates and changes sessions the way an
// application does, through the library's own code. They are loaded through `require` so that their
// global type augmentations (which clash with sessile's) stay out of this TypeScript program.
import { createServer } from "node:http";
import { createRequire } from "node:module";
import express from "express";
import Fastify from "fastify";
import Koa from "koa";
import { createClient } from "redis";
import { afterAll, beforeAll } from "vitest";
import {
  expressSessionSource,
  fastifySessionSource,
  koaSessionSource,
  type LegacySource,
} from "../../src/migrate/index.js";
import { spawnRedis, type TestRedis } from "../helpers/redis-server.js";
import { listen } from "../spec/listen.js";

const require = createRequire(import.meta.url);

/** A running legacy app on a loopback port. */
export interface LegacyApp {
  readonly url: string;
  close(): Promise<void>;
}

/** The legacy app's settings. Durations as the legacy libraries take them: milliseconds. */
export interface LegacyAppOptions {
  readonly redisUrl: string;
  readonly secret: string | string[];
  /** The cookie's `maxAge` in ms; `null` for a browser-session cookie. */
  readonly maxAgeMs: number | null;
  /** Further options given to the session middleware as they are. */
  readonly extra?: Record<string, unknown>;
}

/** What every legacy app does on `/visit`: a counter, a nested object and text outside ASCII. */
export function visit(data: Record<string, unknown>): void {
  data.count = (typeof data.count === "number" ? data.count : 0) + 1;
  data.user = { name: "Ada Lovelace", roles: ["admin", "author"], prefs: { theme: "dark", tz: null } };
  data.note = "héllo ✓ — 日本";
}

const REMEMBER_MS = 30 * 24 * 3600 * 1000;

type Dict = Record<string, unknown>;
type Next = (error?: unknown) => void;

function dataOf(session: Dict): Dict {
  return Object.fromEntries(Object.entries(session).filter(([key]) => key !== "cookie"));
}

/** express-session + connect-redis on Express 5, configured as express-session's README suggests. */
export async function startExpressSessionApp(options: LegacyAppOptions): Promise<LegacyApp> {
  const session = require("express-session") as (
    options: Dict,
  ) => (req: unknown, res: unknown, next: Next) => void;
  const { RedisStore } = require("connect-redis") as { RedisStore: new (options: Dict) => unknown };
  const client = createClient({ url: options.redisUrl });
  client.on("error", () => {});
  await client.connect();
  const app = express();
  app.use(
    session({
      secret: options.secret,
      store: new RedisStore({ client }),
      resave: false,
      saveUninitialized: false,
      cookie: options.maxAgeMs === null ? {} : { maxAge: options.maxAgeMs },
      ...options.extra,
    }) as express.RequestHandler,
  );
  const sessionOf = (req: express.Request) =>
    (req as unknown as { session: Dict & { cookie: Dict } }).session;
  app.get("/visit", (req, res) => {
    visit(sessionOf(req));
    res.json(dataOf(sessionOf(req)));
  });
  app.get("/read", (req, res) => {
    res.json(dataOf(sessionOf(req)));
  });
  app.get("/remember", (req, res) => {
    sessionOf(req).cookie.maxAge = REMEMBER_MS;
    res.json(dataOf(sessionOf(req)));
  });
  const server = await listen(createServer(app));
  return {
    url: server.url,
    async close() {
      await server.close();
      client.destroy();
    },
  };
}

/** @fastify/session + @fastify/cookie with connect-redis as its store, on Fastify 5. */
export async function startFastifySessionApp(options: LegacyAppOptions): Promise<LegacyApp> {
  const fastifyCookie = require("@fastify/cookie");
  const fastifySession = require("@fastify/session");
  const { RedisStore } = require("connect-redis") as { RedisStore: new (options: Dict) => unknown };
  const client = createClient({ url: options.redisUrl });
  client.on("error", () => {});
  await client.connect();
  const app = Fastify();
  await app.register(fastifyCookie);
  await app.register(fastifySession, {
    secret: options.secret,
    store: new RedisStore({ client }),
    saveUninitialized: false,
    cookie: options.maxAgeMs === null ? { secure: false } : { secure: false, maxAge: options.maxAgeMs },
    ...options.extra,
  });
  const sessionOf = (request: unknown) => (request as { session: Dict & { cookie: Dict } }).session;
  app.get("/visit", async (request) => {
    visit(sessionOf(request));
    return dataOf(sessionOf(request));
  });
  app.get("/read", async (request) => dataOf(sessionOf(request)));
  app.get("/remember", async (request) => {
    sessionOf(request).cookie.maxAge = REMEMBER_MS;
    // Changing only the cookie does not mark the session modified; this key does.
    sessionOf(request).remembered = true;
    return dataOf(sessionOf(request));
  });
  await app.listen({ port: 0, host: "127.0.0.1" });
  const address = app.server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}`,
    async close() {
      await app.close();
      client.destroy();
    },
  };
}

/** koa-session in external-store mode with koa-redis, on Koa 3. */
export async function startKoaSessionApp(options: LegacyAppOptions): Promise<LegacyApp> {
  const { createSession } = require("koa-session") as {
    createSession: (options: Dict, app: Koa) => Koa.Middleware;
  };
  const redisStore = require("koa-redis") as (options: Dict) => { quit(): Promise<unknown> };
  const url = new URL(options.redisUrl);
  const store = redisStore({ host: url.hostname, port: Number(url.port) });
  const app = new Koa();
  app.keys = Array.isArray(options.secret) ? options.secret : [options.secret];
  app.use(
    createSession(
      { store, maxAge: options.maxAgeMs === null ? "session" : options.maxAgeMs, ...options.extra },
      app,
    ),
  );
  app.use((ctx) => {
    const session = (ctx as unknown as { session: Dict & { toJSON(): Dict; maxAge: number } }).session;
    if (ctx.path === "/visit") visit(session);
    if (ctx.path === "/remember") session.maxAge = REMEMBER_MS;
    ctx.body = session.toJSON();
  });
  const server = await listen(createServer(app.callback()));
  return {
    url: server.url,
    async close() {
      await server.close();
      await store.quit();
    },
  };
}

/** One legacy library: its real app, the sessile/migrate source reading it, and its cookies and keys. */
export interface Library {
  readonly name: string;
  readonly start: (options: LegacyAppOptions) => Promise<LegacyApp>;
  readonly source: (secret: string | string[]) => LegacySource;
  /** The cookie whose `Expires` the library sets from the session's deadline. */
  readonly cookie: string;
  /** Every cookie the library sets for a session. */
  readonly cookies: readonly string[];
  /** Where its keys live (koa-redis keys are bare uuids). */
  readonly prefix: string;
}

export const LIBRARIES: readonly Library[] = [
  {
    name: "express-session + connect-redis",
    start: startExpressSessionApp,
    source: (secret) => expressSessionSource({ secret }),
    cookie: "connect.sid",
    cookies: ["connect.sid"],
    prefix: "sess:",
  },
  {
    name: "@fastify/session + connect-redis",
    start: startFastifySessionApp,
    source: (secret) => fastifySessionSource({ secret }),
    cookie: "sessionId",
    cookies: ["sessionId"],
    prefix: "sess:",
  },
  {
    name: "koa-session + koa-redis",
    start: startKoaSessionApp,
    source: (keys) => koaSessionSource({ keys }),
    cookie: "koa.sess",
    cookies: ["koa.sess", "koa.sess.sig"],
    prefix: "",
  },
];

/** A private `redis-server` and a node-redis client on it, for one test file; read the fields inside tests. */
export function useLegacyRedis(): { redis: TestRedis; client: ReturnType<typeof createClient> } {
  const fixture = {} as { redis: TestRedis; client: ReturnType<typeof createClient> };
  beforeAll(async () => {
    fixture.redis = await spawnRedis();
    fixture.client = createClient({ url: fixture.redis.url });
    await fixture.client.connect();
  });
  afterAll(async () => {
    fixture.client?.destroy();
    await fixture.redis?.stop();
  });
  return fixture;
}
