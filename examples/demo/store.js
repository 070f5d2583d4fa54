// Picks the session store: Redis at REDIS_URL when it answers quickly, otherwise memoryStore().
import { createClient } from "redis";
import { memoryStore, redisStore } from "sessile";
import { countingClient, countingStore } from "./trace.js";

/** Key prefix of the demo's sessions in Redis. */
export const PREFIX = "sessile:";

/** Seconds a store command may take before the request fails with an error page. */
export const STORE_TIMEOUT = 1;

/** `redis://host:port` without credentials, for banners and logs. */
export function describeUrl(url) {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return "(an unparsable REDIS_URL)";
  }
}

/**
 * Connects to Redis with a short timeout and no retries while starting. Once connected, the client
 * reconnects with a capped backoff and fails commands fast while offline (no queue), so a request
 * during an outage gets an error page instead of hanging.
 *
 * @returns {Promise<{ kind: "redis" | "memory", label: string, store: object, client?: object, reason?: string, close(): Promise<void> }>}
 */
export async function openStore(url, { log = console } = {}) {
  let connected = false;
  let lastError = "";
  let client;
  try {
    client = createClient({
      url,
      disableOfflineQueue: true,
      socket: {
        connectTimeout: 1000,
        reconnectStrategy: (retries) => (connected ? Math.min(100 * 2 ** retries, 3000) : false),
      },
    });
  } catch (error) {
    return fallback(error);
  }
  client.on("error", (error) => {
    // The client repeats the same error on every reconnect attempt; say it once.
    if (connected && error.message !== lastError) log.error(`sessile demo: Redis error: ${error.message}`);
    lastError = error.message;
  });
  client.on("ready", () => {
    if (connected && lastError) log.info("sessile demo: Redis is back");
    lastError = "";
  });
  try {
    await client.connect();
    connected = true;
  } catch (error) {
    if (client.isOpen) client.destroy();
    return fallback(error);
  }
  return {
    kind: "redis",
    label: `Redis at ${describeUrl(url)}`,
    client,
    // node-redis's own command timeout stops counting once a command is written, so a frozen Redis
    // would hold the request: sessile's deadline covers the whole command.
    store: redisStore(countingClient(client), { prefix: PREFIX, timeout: STORE_TIMEOUT }),
    async close() {
      connected = false;
      await client.close();
    },
  };

  function fallback(error) {
    return {
      kind: "memory",
      label: "memoryStore()",
      reason: `no Redis answered at ${describeUrl(url)} (${error?.message || error?.code || "connection failed"})`,
      store: countingStore(memoryStore()),
      async close() {},
    };
  }
}
