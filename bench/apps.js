// One app per contender, each with the same two routes:
//   GET /read  -> the session's `views` (0 when absent), session unchanged
//   GET /write -> increments `views` and returns the new value
// Every library is configured as its own README recommends; see bench/README.md for the details.

import { randomBytes } from "node:crypto";
import { cpSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const SECRET = "bench-secret-0123456789abcdef0123456789abcdef";
const HOST = "127.0.0.1";

function listen(server) {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, HOST, () => resolve(server.address().port));
  });
}

async function nodeRedis(url, options = {}) {
  const { createClient } = await import("redis");
  const client = createClient({ url, ...options });
  client.on("error", (error) => console.error("node-redis:", error.message));
  await client.connect();
  return client;
}

async function ioredis(url, enableAutoPipelining) {
  const { Redis } = await import("ioredis");
  const client = new Redis(url, { enableAutoPipelining, lazyConnect: true });
  client.on("error", (error) => console.error("ioredis:", error.message));
  await client.connect();
  return client;
}

async function sessileFactory(client, wrapStore = (store) => store, storeOptions = {}, from = "sessile") {
  const { createSessions, redisStore } = await import(from === "sessile" ? "sessile" : `${from}/index.js`);
  return createSessions({ store: wrapStore(redisStore(client, storeOptions), client), secret: SECRET });
}

const setOptions = (ttl, get) => ({
  condition: "XX",
  ...(ttl === null ? {} : { expiration: { type: "EX", value: ttl } }),
  ...(get ? { GET: true } : {}),
});

/**
 * sessile with its compare-and-set write (`EVALSHA`) swapped for the plain `SET … XX EX` it replaced:
 * no check of what the key holds, so no conflict is ever seen. The reference of issue 10's target.
 */
function plainSetStore(store, client, prefix = "sessile:") {
  return {
    ...store,
    async update(key, value, ttl) {
      if (value === null) return (await client.del(prefix + key)) === 1 ? UPDATED : MISSING;
      return (await client.set(prefix + key, value, setOptions(ttl, false))) === null ? MISSING : UPDATED;
    },
  };
}

/**
 * The other compare-and-set candidate of issue 10: `SET … XX GET EX`, the conflict seen in the old
 * value it answers. Measured for its cost only: the repair write a conflict would need is not here
 * (returning visitors in the bench do not race one another's sessions).
 */
function setGetStore(store, client, prefix = "sessile:") {
  return {
    ...store,
    async update(key, value, ttl, expected) {
      if (value === null) return store.update(key, value, ttl, expected);
      const old = await client.set(prefix + key, value, setOptions(ttl, true));
      if (old === null) return MISSING;
      return old === expected ? UPDATED : { status: "changed", current: old };
    },
  };
}

/**
 * Issue 16's reference: a copy of dist/ with the observability taken out (the tracing channels' wrappers
 * and the events emitter replaced by pass-throughs), so "nothing subscribed" can be compared with "no such
 * feature" in one run. Returns the copy's file URL.
 */
function untracedBuild() {
  const dist = join(import.meta.dirname, "../dist");
  const copy = join(import.meta.dirname, "../.bench-tmp/untraced-dist");
  rmSync(copy, { recursive: true, force: true });
  cpSync(dist, copy, { recursive: true });
  writeFileSync(
    join(copy, "core/trace.js"),
    [
      'import { tracingChannel } from "node:diagnostics_channel";',
      'export const loadChannel = tracingChannel("sessile:load");',
      'export const commitChannel = tracingChannel("sessile:commit");',
      "export const currentTrace = () => undefined;",
      "export const traced = (_channel, _make, run) => run();",
      "export const tracedEarly = (_owner, _name, run) => run();",
      "export const earlyCommands = () => [];",
      "export const timedStore = (store) => store;",
      "",
    ].join("\n"),
  );
  const events = join(copy, "core/events.js");
  const source = readFileSync(events, "utf8");
  const patched = source.replace(
    "export function createEmitter(",
    "export function createEmitter() {\n  return Object.assign(() => {}, { wants: () => false });\n}\nfunction emitterWithEvents(",
  );
  if (patched === source) throw new Error("bench: dist/core/events.js has no createEmitter to replace");
  writeFileSync(events, patched);
  return pathToFileURL(copy).href;
}

const UPDATED = { status: "updated" };
const MISSING = { status: "missing" };

function notFound(res) {
  res.statusCode = 404;
  res.end("not found");
}

/** node:http with no session: the reference for every node contender. */
async function bareNode() {
  return listen(
    createServer((req, res) => {
      if (req.url === "/read") res.end("0");
      else if (req.url === "/write") res.end("1");
      else notFound(res);
    }),
  );
}

/**
 * The floor for any Redis-backed server-side session: no signing, no hashing, no library. A returning
 * read is exactly one GET; a returning write is GET + SET EX; a new visitor is one SET NX EX. The node:http
 * and the Hono floor share these pieces and await Redis themselves, so neither pays a helper's promise.
 */
const FLOOR_PREFIX = "floor:";
const FLOOR_EXPIRATION = { type: "EX", value: 1200 };

/** The floor's session id from a `Cookie` header, or `null`. */
function floorId(cookieHeader) {
  return /(?:^|;\s*)sid=([A-Za-z0-9_-]+)/.exec(cookieHeader ?? "")?.[1] ?? null;
}

/**
 * The floor's write: SET EX for a returning visitor (`id`), SET NX EX under a new id otherwise, with the
 * `Set-Cookie` value for it. Answers the command's promise rather than awaiting it, so the caller awaits
 * Redis directly, as a hand-written server would.
 */
function floorWrite(redis, id, views) {
  const value = JSON.stringify({ views });
  if (id !== null) {
    return {
      cookie: undefined,
      written: redis.set(FLOOR_PREFIX + id, value, { expiration: FLOOR_EXPIRATION }),
    };
  }
  const fresh = randomBytes(32).toString("base64url");
  return {
    cookie: `sid=${fresh}; Path=/; HttpOnly; SameSite=Lax`,
    written: redis.set(FLOOR_PREFIX + fresh, value, { expiration: FLOOR_EXPIRATION, condition: "NX" }),
  };
}

async function nodeFloor(url) {
  const redis = await nodeRedis(url);
  return listen(
    createServer(async (req, res) => {
      try {
        if (req.url !== "/read" && req.url !== "/write") return notFound(res);
        const id = floorId(req.headers.cookie);
        const raw = id === null ? null : await redis.get(FLOOR_PREFIX + id);
        const data = raw === null ? null : JSON.parse(raw);
        if (req.url === "/read") return res.end(String(data?.views ?? 0));
        const views = (data?.views ?? 0) + 1;
        const { cookie, written } = floorWrite(redis, data === null ? null : id, views);
        await written;
        if (cookie !== undefined) res.setHeader("Set-Cookie", cookie);
        res.end(String(views));
      } catch (error) {
        res.statusCode = 500;
        res.end(String(error));
      }
    }),
  );
}

/**
 * sessile/node; `bind` binds every new session to one of 1,000 users (issue 13: a bound session's
 * returning reads and writes cost what an unbound one's do).
 */
async function sessileNode(client, { wrapStore, bind = false, storeOptions, from = "sessile" } = {}) {
  const { sessions } = await import(from === "sessile" ? "sessile/node" : `${from}/adapters/node.js`);
  const factory = await sessileFactory(client, wrapStore, storeOptions, from);
  let visitors = 0;
  return listen(
    createServer(
      sessions(factory, (req, res) => {
        const data = req.session.data;
        if (req.url === "/read") res.end(String(data.views ?? 0));
        else if (req.url === "/write") {
          if (bind && req.session.isNew)
            req.session.bindUser(`user-${visitors++ % 1000}`, { label: "bench" });
          data.views = (data.views ?? 0) + 1;
          res.end(String(data.views));
        } else notFound(res);
      }),
    ),
  );
}

async function bareExpress() {
  const { default: express } = await import("express");
  const app = express();
  app.get("/read", (_req, res) => res.send("0"));
  app.get("/write", (_req, res) => res.send("1"));
  return listen(createServer(app));
}

async function sessileExpress(url) {
  const { default: express } = await import("express");
  const { sessions } = await import("sessile/express");
  const factory = await sessileFactory(await nodeRedis(url));
  const app = express();
  app.use(sessions(factory));
  app.get("/read", (req, res) => res.send(String(req.session.data.views ?? 0)));
  app.get("/write", (req, res) => {
    const data = req.session.data;
    data.views = (data.views ?? 0) + 1;
    res.send(String(data.views));
  });
  return listen(createServer(app));
}

async function expressSession(url) {
  const { default: express } = await import("express");
  const { default: session } = await import("express-session");
  const { RedisStore } = await import("connect-redis");
  const app = express();
  app.use(
    session({
      store: new RedisStore({ client: await nodeRedis(url) }),
      resave: false,
      saveUninitialized: false,
      secret: SECRET,
    }),
  );
  app.get("/read", (req, res) => res.send(String(req.session.views ?? 0)));
  app.get("/write", (req, res) => {
    req.session.views = (req.session.views ?? 0) + 1;
    res.send(String(req.session.views));
  });
  return listen(createServer(app));
}

async function fastifyListen(app) {
  await app.listen({ port: 0, host: HOST });
  return app.server.address().port;
}

async function bareFastify() {
  const { default: Fastify } = await import("fastify");
  const app = Fastify();
  app.get("/read", async () => "0");
  app.get("/write", async () => "1");
  return fastifyListen(app);
}

async function sessileFastify(url) {
  const { default: Fastify } = await import("fastify");
  const { sessions } = await import("sessile/fastify");
  const factory = await sessileFactory(await nodeRedis(url));
  const app = Fastify();
  await app.register(sessions, { factory });
  app.get("/read", async (request) => String(request.session.data.views ?? 0));
  app.get("/write", async (request) => {
    const data = request.session.data;
    data.views = (data.views ?? 0) + 1;
    return String(data.views);
  });
  return fastifyListen(app);
}

async function fastifySession(url, rolling) {
  const { default: Fastify } = await import("fastify");
  const { default: fastifyCookie } = await import("@fastify/cookie");
  const { default: fastifySessionPlugin } = await import("@fastify/session");
  const { RedisStore } = await import("connect-redis");
  const app = Fastify();
  await app.register(fastifyCookie);
  await app.register(fastifySessionPlugin, {
    secret: SECRET,
    store: new RedisStore({ client: await nodeRedis(url) }),
    // Plain HTTP needs secure: false (its README); saveUninitialized: false as for express-session.
    cookie: { secure: false },
    saveUninitialized: false,
    rolling,
  });
  app.get("/read", async (request) => String(request.session.get("views") ?? 0));
  app.get("/write", async (request) => {
    const views = (request.session.get("views") ?? 0) + 1;
    request.session.set("views", views);
    return String(views);
  });
  return fastifyListen(app);
}

function koaRoutes(read, write) {
  return (ctx) => {
    if (ctx.path === "/read") ctx.body = String(read(ctx));
    else if (ctx.path === "/write") ctx.body = String(write(ctx));
    else ctx.status = 404;
  };
}

async function bareKoa() {
  const { default: Koa } = await import("koa");
  const app = new Koa();
  app.use(
    koaRoutes(
      () => 0,
      () => 1,
    ),
  );
  return listen(createServer(app.callback()));
}

async function sessileKoa(url) {
  const { default: Koa } = await import("koa");
  const { sessions } = await import("sessile/koa");
  const factory = await sessileFactory(await nodeRedis(url));
  const app = new Koa();
  app.use(sessions(factory));
  app.use(
    koaRoutes(
      (ctx) => ctx.session.data.views ?? 0,
      (ctx) => {
        const data = ctx.session.data;
        data.views = (data.views ?? 0) + 1;
        return data.views;
      },
    ),
  );
  return listen(createServer(app.callback()));
}

async function koaSession(url) {
  const { default: Koa } = await import("koa");
  const { default: session } = await import("koa-session");
  const { default: koaRedis } = await import("koa-redis");
  const app = new Koa();
  app.keys = [SECRET];
  app.use(session({ store: koaRedis({ url }) }, app));
  app.use(
    koaRoutes(
      (ctx) => ctx.session.views ?? 0,
      (ctx) => {
        ctx.session.views = (ctx.session.views ?? 0) + 1;
        return ctx.session.views;
      },
    ),
  );
  return listen(createServer(app.callback()));
}

async function honoServer(app) {
  const { createAdaptorServer } = await import("@hono/node-server");
  return listen(createAdaptorServer({ fetch: app.fetch }));
}

async function bareHono() {
  const { Hono } = await import("hono");
  const app = new Hono();
  app.get("/read", (c) => c.text("0"));
  app.get("/write", (c) => c.text("1"));
  return honoServer(app);
}

/** The one-`GET` floor as Hono middleware, so sessile/hono is held against a floor on its own framework. */
async function honoFloor(url) {
  const { Hono } = await import("hono");
  const redis = await nodeRedis(url);
  const app = new Hono();
  app.use(async (c, next) => {
    const id = floorId(c.req.header("cookie"));
    const raw = id === null ? null : await redis.get(FLOOR_PREFIX + id);
    c.set("floor", raw === null ? { id: null, data: null } : { id, data: JSON.parse(raw) });
    await next();
  });
  app.get("/read", (c) => c.text(String(c.get("floor").data?.views ?? 0)));
  app.get("/write", async (c) => {
    const { id, data } = c.get("floor");
    const views = (data?.views ?? 0) + 1;
    const { cookie, written } = floorWrite(redis, id, views);
    await written;
    if (cookie !== undefined) c.header("Set-Cookie", cookie);
    return c.text(String(views));
  });
  return honoServer(app);
}

async function sessileHono(url) {
  const { Hono } = await import("hono");
  const { sessions } = await import("sessile/hono");
  const factory = await sessileFactory(await nodeRedis(url));
  const app = new Hono();
  app.use(sessions(factory));
  app.get("/read", (c) => c.text(String(c.get("session").data.views ?? 0)));
  app.get("/write", (c) => {
    const data = c.get("session").data;
    data.views = (data.views ?? 0) + 1;
    return c.text(String(data.views));
  });
  return honoServer(app);
}

/** The bench's two routes as a bare Fetch handler: `views` reads the count, `bump` raises it. */
function fetchRoutes(views, bump) {
  return (request) => {
    const path = new URL(request.url).pathname;
    if (path === "/read") return new Response(String(views(request)));
    if (path === "/write") return new Response(String(bump(request)));
    return new Response(null, { status: 404 });
  };
}

async function fetchServer(fetch) {
  const { createAdaptorServer } = await import("@hono/node-server");
  return listen(createAdaptorServer({ fetch }));
}

async function bareFetch() {
  return fetchServer(
    fetchRoutes(
      () => 0,
      () => 1,
    ),
  );
}

async function sessileFetch(url) {
  const { sessionOf, withSessions } = await import("sessile/fetch");
  const factory = await sessileFactory(await nodeRedis(url));
  const routes = fetchRoutes(
    (request) => sessionOf(request, factory).data.views ?? 0,
    (request) => {
      const data = sessionOf(request, factory).data;
      data.views = (data.views ?? 0) + 1;
      return data.views;
    },
  );
  return fetchServer(withSessions(factory, routes));
}

/** Starts the app of contender `id` against Redis at `url`; resolves to its port. */
export const APPS = {
  node: bareNode,
  "node-floor": nodeFloor,
  "sessile-node": async (url) => sessileNode(await nodeRedis(url)),
  "sessile-node-ioredis": async (url) => sessileNode(await ioredis(url, false)),
  "sessile-node-ioredis-autopipe": async (url) => sessileNode(await ioredis(url, true)),
  "sessile-node-bound": async (url) => sessileNode(await nodeRedis(url), { bind: true }),
  "sessile-node-metrics": async (url) => {
    // Issue 16: the same app with sessile/metrics subscribed to the tracing channels and events.
    const { createMetrics } = await import("sessile/metrics");
    createMetrics();
    return sessileNode(await nodeRedis(url));
  },
  "sessile-node-untraced": async (url) => sessileNode(await nodeRedis(url), { from: untracedBuild() }),
  "sessile-node-baseline": async (url) =>
    sessileNode(await nodeRedis(url), { from: resolve(process.env.BENCH_BASELINE ?? "") }),
  "sessile-node-otel": async (url) => {
    // Issue 16: the OpenTelemetry example's subscriber with the real SDK (spans and metrics kept in memory).
    const { instrumentSessile } = await import("../examples/otel/instrument.js");
    const { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } = await import(
      "@opentelemetry/sdk-trace-base"
    );
    const { MeterProvider } = await import("@opentelemetry/sdk-metrics");
    const exporter = new InMemorySpanExporter();
    const tracer = new BasicTracerProvider({
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    }).getTracer("bench");
    // Spans are dropped as they end, so memory stays flat over a run.
    setInterval(() => exporter.reset(), 1000).unref();
    instrumentSessile({ tracer, meter: new MeterProvider().getMeter("bench") });
    return sessileNode(await nodeRedis(url));
  },
  "sessile-node-setxx": async (url) => sessileNode(await nodeRedis(url), { wrapStore: plainSetStore }),
  "sessile-node-setxxget": async (url) => sessileNode(await nodeRedis(url), { wrapStore: setGetStore }),
  // On the runner's Valkey 8.1 (contenders.js `server: "valkey"`), which has SET … IFEQ.
  "sessile-node-csc": async (url) =>
    sessileNode(
      await nodeRedis(url, { RESP: 3, clientSideCache: { ttl: 0, maxEntries: 10000, evictPolicy: "LRU" } }),
    ),
  "sessile-node-valkey": async (url) => sessileNode(await nodeRedis(url)),
  "sessile-node-ifeq": async (url) =>
    sessileNode(await nodeRedis(url), { storeOptions: { compareAndSet: "ifeq" } }),
  "sessile-node-setxx-valkey": async (url) => sessileNode(await nodeRedis(url), { wrapStore: plainSetStore }),
  express: bareExpress,
  "sessile-express": sessileExpress,
  "express-session": expressSession,
  fastify: bareFastify,
  "sessile-fastify": sessileFastify,
  "fastify-session": (url) => fastifySession(url, true),
  "fastify-session-norolling": (url) => fastifySession(url, false),
  koa: bareKoa,
  "sessile-koa": sessileKoa,
  "koa-session": koaSession,
  hono: bareHono,
  "hono-floor": honoFloor,
  "sessile-hono": sessileHono,
  fetch: bareFetch,
  "sessile-fetch": sessileFetch,
};
