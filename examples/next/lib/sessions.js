// Two sessile factories on one Redis client at REDIS_URL, made once per server process.
import { createClient } from "redis";
import { createSessions, redisStore } from "sessile";

function connect() {
  const client = createClient({
    url: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
    // Fail fast while Redis is away instead of queueing commands, so requests answer 5xx at once.
    disableOfflineQueue: true,
    socket: { reconnectStrategy: (retries) => Math.min(50 * (retries + 1), 500) },
  });
  client.on("error", () => {});
  // Connecting in the background: commands sent before it is up fail fast (no offline queue).
  client.connect().catch(() => {});
  return client;
}

function create() {
  const secret = process.env.SESSION_SECRET;
  if (!secret) throw new Error("set SESSION_SECRET (32 or more random characters)");
  const store = redisStore(connect(), { timeout: 1000 });
  return {
    sessions: createSessions({ store, secret }),
    // A second factory beside the first: its own cookie, the same store.
    prefs: createSessions({ store, secret, cookie: { name: "prefs" } }),
  };
}

// Read at the first request, not at build time, and kept on globalThis so every route bundle shares it.
const KEY = Symbol.for("sessile-example-next");

function factories() {
  globalThis[KEY] ??= create();
  return globalThis[KEY];
}

/** The main factory (cookie "session"). Lazy: env is read at run time, once per process. */
export const sessions = lazy("sessions");
/** The second factory (cookie "prefs"). */
export const prefs = lazy("prefs");

function lazy(name) {
  return new Proxy(
    {},
    {
      get: (_target, property) => {
        const factory = factories()[name];
        const value = factory[property];
        return typeof value === "function" ? value.bind(factory) : value;
      },
    },
  );
}
