// The contenders: what runs, on which framework, and in which role. Metadata only; the apps are
// built by apps.js inside the child process so the runner never loads a framework.

/** Frameworks in chart order. */
export const FRAMEWORKS = ["node", "express", "fastify", "koa", "hono", "fetch"];

/**
 * role: "bare" (the framework with no session, the 1.0 reference), "floor" (raw Redis, no session
 * library), "sessile", or "peer" (another session library).
 */
export const CONTENDERS = [
  { id: "node", framework: "node", role: "bare", label: "node:http, no session" },
  {
    id: "node-floor",
    framework: "node",
    role: "floor",
    label: "node:http + raw node-redis (floor)",
    short: "1 GET floor",
  },
  {
    id: "sessile-node",
    framework: "node",
    role: "sessile",
    label: "sessile/node + node-redis",
    short: "sessile",
  },
  {
    id: "sessile-node-baseline",
    framework: "node",
    role: "sessile",
    variant: true,
    // Only when BENCH_BASELINE names another build's dist/ (see bench/README.md, "Before and after").
    optIn: "BENCH_BASELINE",
    label: "sessile/node + node-redis, from the build in BENCH_BASELINE (before a change)",
    short: "sessile baseline",
  },
  {
    id: "sessile-node-ioredis",
    framework: "node",
    role: "sessile",
    variant: true,
    label: "sessile/node + ioredis",
    short: "sessile ioredis",
  },
  {
    id: "sessile-node-ioredis-autopipe",
    framework: "node",
    role: "sessile",
    variant: true,
    label: "sessile/node + ioredis (enableAutoPipelining)",
    short: "sessile ioredis+AP",
  },
  {
    id: "sessile-node-bound",
    framework: "node",
    role: "sessile",
    variant: true,
    label: "sessile/node + node-redis, sessions bound to users (bindUser)",
    short: "sessile bound",
    // A new visitor's session is bound: its write adds it to the user's index (one script call).
    expect: { new: { set: 1, "evalsha:index": 1 } },
  },
  {
    id: "sessile-node-metrics",
    framework: "node",
    role: "sessile",
    variant: true,
    label: "sessile/node + node-redis, sessile/metrics subscribed (tracing channels and events)",
    short: "sessile metrics",
  },
  {
    id: "sessile-node-untraced",
    framework: "node",
    role: "sessile",
    variant: true,
    label: "sessile/node + node-redis, built without tracing channels or events (issue 16's reference)",
    short: "sessile untraced",
  },
  {
    id: "sessile-node-otel",
    framework: "node",
    role: "sessile",
    variant: true,
    label: "sessile/node + node-redis, the OpenTelemetry SDK subscribed (examples/otel)",
    short: "sessile OTel",
  },
  {
    id: "sessile-node-setxx",
    framework: "node",
    role: "sessile",
    variant: true,
    label: "sessile/node + node-redis, plain SET XX write (no compare-and-set)",
    short: "sessile SET XX",
    expect: { write: { get: 1, set: 1 } },
  },
  {
    id: "sessile-node-setxxget",
    framework: "node",
    role: "sessile",
    variant: true,
    label: "sessile/node + node-redis, SET XX GET write (candidate, no repair path)",
    short: "sessile SET XX GET",
    expect: { write: { get: 1, set: 1 } },
  },
  {
    id: "sessile-node-csc",
    framework: "node",
    role: "sessile",
    variant: true,
    label: "sessile/node + node-redis, RESP3 client-side caching (clientSideCache)",
    short: "sessile cached",
    // An unchanged session is read from the client's cache: after each visitor's first read, no command.
    // A write still reads at the server, since its own previous write invalidated the cached value.
    expect: { read: {} },
  },
  {
    id: "sessile-node-valkey",
    framework: "node",
    role: "sessile",
    variant: true,
    server: "valkey",
    label: "sessile/node + node-redis on Valkey 8.1, compare-and-set script (the default)",
    short: "sessile Valkey script",
  },
  {
    id: "sessile-node-ifeq",
    framework: "node",
    role: "sessile",
    variant: true,
    server: "valkey",
    label: 'sessile/node + node-redis on Valkey 8.1, compareAndSet: "ifeq" (SET … IFEQ … GET)',
    short: "sessile Valkey IFEQ",
    expect: { write: { get: 1, set: 1 } },
  },
  {
    id: "sessile-node-setxx-valkey",
    framework: "node",
    role: "sessile",
    variant: true,
    server: "valkey",
    label: "sessile/node + node-redis on Valkey 8.1, plain SET XX write (no compare-and-set)",
    short: "sessile Valkey SET XX",
    expect: { write: { get: 1, set: 1 } },
  },
  { id: "express", framework: "express", role: "bare", label: "express, no session" },
  {
    id: "sessile-express",
    framework: "express",
    role: "sessile",
    label: "sessile/express + node-redis",
    short: "sessile",
  },
  {
    id: "express-session",
    framework: "express",
    role: "peer",
    label: "express-session + connect-redis",
    short: "express-session",
  },
  { id: "fastify", framework: "fastify", role: "bare", label: "fastify, no session" },
  {
    id: "sessile-fastify",
    framework: "fastify",
    role: "sessile",
    label: "sessile/fastify + node-redis",
    short: "sessile",
  },
  {
    id: "fastify-session",
    framework: "fastify",
    role: "peer",
    label: "@fastify/session + connect-redis (rolling: true, default)",
    short: "@fastify/session",
  },
  {
    id: "fastify-session-norolling",
    framework: "fastify",
    role: "peer",
    variant: true,
    label: "@fastify/session + connect-redis (rolling: false)",
    short: "@f/session no-roll",
  },
  { id: "koa", framework: "koa", role: "bare", label: "koa, no session" },
  {
    id: "sessile-koa",
    framework: "koa",
    role: "sessile",
    label: "sessile/koa + node-redis",
    short: "sessile",
  },
  {
    id: "koa-session",
    framework: "koa",
    role: "peer",
    label: "koa-session + koa-redis",
    short: "koa-session",
  },
  { id: "hono", framework: "hono", role: "bare", label: "hono (@hono/node-server), no session" },
  {
    id: "hono-floor",
    framework: "hono",
    role: "floor",
    label: "hono + raw node-redis middleware (floor)",
    short: "1 GET floor",
  },
  {
    id: "sessile-hono",
    framework: "hono",
    role: "sessile",
    label: "sessile/hono + node-redis",
    short: "sessile",
  },
  { id: "fetch", framework: "fetch", role: "bare", label: "fetch handler on @hono/node-server, no session" },
  {
    id: "sessile-fetch",
    framework: "fetch",
    role: "sessile",
    label: "sessile/fetch (withSessions) on @hono/node-server + node-redis",
    short: "sessile",
  },
];

/** The scenarios, each a path and whether requests carry one of the pre-made session cookies. */
export const SCENARIOS = [
  { id: "read", label: "returning visitor, read", path: "/read", returning: true },
  { id: "write", label: "returning visitor, write", path: "/write", returning: true },
  { id: "new", label: "new visitor, write", path: "/write", returning: false },
];
