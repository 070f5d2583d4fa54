// The session store every example uses: node-redis set up to fail fast (README, "Timeouts"), or
// memoryStore() when no Redis answers at start.
//
//   REDIS_URL       Redis to keep sessions in (default redis://127.0.0.1:6379)
//   SESSION_SECRET  at least 32 bytes; when unset, a random one is made for this run
import { randomBytes } from "node:crypto";
import { createClient } from "redis";
import { createSessions, memoryStore, redisStore } from "sessile";

/** Seconds a store command may take before the request fails with a 500. */
export const STORE_TIMEOUT = 1;

async function openRedis(url) {
  let started = false;
  const client = createClient({
    url,
    // No queue while disconnected: a command then fails at once instead of waiting for Redis.
    disableOfflineQueue: true,
    socket: {
      connectTimeout: 1000,
      // No retry while starting (fall back to memory); after that, reconnect with a capped backoff.
      reconnectStrategy: (retries) => (started ? Math.min(100 * 2 ** retries, 2000) : false),
    },
  });
  client.on("error", () => {});
  await client.connect();
  started = true;
  // node-redis's own command timeout stops counting once a command is written, so a frozen Redis
  // would hold the request: sessile's deadline covers the whole command.
  return { store: redisStore(client, { timeout: STORE_TIMEOUT }), label: "Redis" };
}

/** A session factory on Redis at REDIS_URL, or on memoryStore() when none answers. */
export async function openSessions() {
  const url = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
  let backend;
  try {
    backend = await openRedis(url);
  } catch {
    console.warn("No Redis answered at REDIS_URL; using memoryStore() (sessions vanish on restart).");
    backend = { store: memoryStore(), label: "memoryStore()" };
  }
  const secret = process.env.SESSION_SECRET ?? randomBytes(32).toString("base64url");
  return { factory: createSessions({ store: backend.store, secret }), label: backend.label };
}

/** The port to listen on: PORT, default 3000 (0 picks a free one). */
export const PORT = Number(process.env.PORT ?? 3000);

/** Says where the example listens; the smoke test reads this line. */
export function announce(name, port, label) {
  console.log(`sessile ${name} example listening on http://127.0.0.1:${port} (store: ${label})`);
}

/** The one page every example serves: a visit counter. */
export function page(views) {
  return `<h1>Visits: ${views}</h1><p><a href="/">again</a> · <a href="/logout">forget me</a></p>`;
}
