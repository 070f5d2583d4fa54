import { Redis, type RedisOptions } from "ioredis";
import { createClient } from "redis";
import {
  type RedisLikeClient,
  type RedisStoreOptions,
  redisStore,
  type SessionStore,
} from "../../src/index.js";

/** A connected client of one library, as a store, plus a way to close it. */
export interface ClientUnderTest {
  readonly client: RedisLikeClient;
  readonly store: SessionStore;
  close(): Promise<void>;
}

/** The two client libraries every Redis test runs with. */
export const CLIENT_KINDS = ["node-redis", "ioredis"] as const;
export type ClientKind = (typeof CLIENT_KINDS)[number];

/** What {@link connectAsStore} needs of a client besides the store's commands. */
export interface Connectable {
  on(event: "error", listener: (error: unknown) => void): unknown;
  connect(): Promise<unknown>;
}

/**
 * Connects `client`, built not yet connected, and wraps it in a store with `options`; `close` ends it.
 * Its `error` events are silenced: the tests judge each command's outcome, and an unheard `error` event
 * would crash the run.
 */
export async function connectAsStore(
  client: RedisLikeClient & Connectable,
  options: RedisStoreOptions,
  close: () => unknown,
): Promise<ClientUnderTest> {
  client.on("error", () => {});
  await client.connect();
  return {
    client,
    store: redisStore(client, options),
    async close() {
      await close();
    },
  };
}

/** Connects a client of `kind` to `url` and wraps it in a store with `prefix` and `options`. */
export async function connectClient(
  kind: ClientKind,
  url: string,
  prefix: string,
  options: RedisStoreOptions = {},
): Promise<ClientUnderTest> {
  if (kind === "node-redis") {
    const client = createClient({ url, socket: { connectTimeout: 2000, reconnectStrategy: false } });
    return connectAsStore(client, { ...options, prefix }, () => {
      if (client.isOpen) destroyNodeRedis(client);
    });
  }
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 2000 });
  return connectAsStore(client, { ...options, prefix }, () => client.disconnect());
}

/**
 * An ioredis connection for a test's own inspection (raw reads, MONITOR, admin commands). Its commands
 * still reject on failure; only the connection's `error` events (a server stopped before the client at
 * teardown, a reconnect attempt) are not printed as "[ioredis] Unhandled error event".
 */
export function inspectionClient(url: string, options: RedisOptions = {}): Redis {
  const client = new Redis(url, options);
  client.on("error", () => {});
  return client;
}

/** Closes a node-redis client at once: `destroy()` on v5, `disconnect()` (its v4 name) on v4. */
export function destroyNodeRedis(client: { destroy?: () => void; disconnect(): Promise<void> }): void {
  if (typeof client.destroy === "function") client.destroy();
  else void client.disconnect();
}
