import { Redis } from "ioredis";
import { createClient } from "redis";
import {
  type RedisLikeClient,
  type RedisStoreOptions,
  redisStore,
  type SessionStore,
} from "../../src/index.js";
import { type ClientKind, type Connectable, destroyNodeRedis } from "../helpers/clients.js";

/** Bound on every command and connection attempt: a dead Redis fails a request within this. */
export const COMMAND_TIMEOUT_MS = 1000;

/** A client configured the way the README tells production apps to configure theirs. */
export interface ResilientClient {
  readonly kind: ClientKind;
  readonly client: RedisLikeClient;
  /** A store on this client, bounded by {@link COMMAND_TIMEOUT_MS} even when Redis stops answering. */
  store(prefix: string): SessionStore;
  /** Resolves once the client is connected again (after a restart of the server). */
  ready(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** Backs off 50, 100, 200, 400 ms, then retries every 500 ms for as long as the server is away. */
function backoff(attempt: number): number {
  return Math.min(50 * 2 ** attempt, 500);
}

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * node-redis's own `commandOptions.timeout` stops counting once a command is written, so against a
 * server that accepted the command and never answers only redisStore's `timeout` bounds it; ioredis's
 * `commandTimeout` covers the whole round-trip.
 */
function storeOptions(kind: ClientKind, prefix: string): RedisStoreOptions {
  return kind === "node-redis" ? { prefix, timeout: COMMAND_TIMEOUT_MS / 1000 } : { prefix };
}

/**
 * Connects a client that fails fast while Redis is down (no offline queue, per-command timeout) and
 * reconnects on its own when it comes back.
 */
export async function connectResilient(kind: ClientKind, url: string): Promise<ResilientClient> {
  if (kind === "node-redis") {
    const client = createClient({
      url,
      disableOfflineQueue: true,
      commandOptions: { timeout: COMMAND_TIMEOUT_MS },
      socket: { connectTimeout: COMMAND_TIMEOUT_MS, reconnectStrategy: backoff },
    });
    return connected(
      kind,
      client,
      () => client.isReady,
      () => {
        if (client.isOpen) destroyNodeRedis(client);
      },
    );
  }
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: COMMAND_TIMEOUT_MS,
    commandTimeout: COMMAND_TIMEOUT_MS,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    retryStrategy: backoff,
  });
  return connected(
    kind,
    client,
    () => client.status === "ready",
    () => client.disconnect(),
  );
}

/** Connects `client`, with its `error` events silenced (the tests judge each request), and wraps it. */
async function connected(
  kind: ClientKind,
  client: RedisLikeClient & Connectable,
  isReady: () => boolean,
  close: () => unknown,
): Promise<ResilientClient> {
  client.on("error", () => {});
  await client.connect();
  return {
    kind,
    client,
    store: (prefix) => redisStore(client, storeOptions(kind, prefix)),
    ready: (timeoutMs = 5000) => until(isReady, timeoutMs, `${kind} did not reconnect`),
    async close() {
      await close();
    },
  };
}
