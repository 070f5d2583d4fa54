import { Redis } from "ioredis";
import { createClient } from "redis";
import { type RedisLikeClient, redisStore, type SessionStore } from "../../src/index.js";

/** A connected client of one library, as a store, plus a way to close it. */
export interface ClientUnderTest {
  readonly client: RedisLikeClient;
  readonly store: SessionStore;
  close(): Promise<void>;
}

/** The two client libraries every Redis test runs with. */
export const CLIENT_KINDS = ["node-redis", "ioredis"] as const;
export type ClientKind = (typeof CLIENT_KINDS)[number];

/** Connects a client of `kind` to `url` and wraps it in a store with `prefix`. */
export async function connectClient(kind: ClientKind, url: string, prefix: string): Promise<ClientUnderTest> {
  if (kind === "node-redis") {
    const client = createClient({ url, socket: { connectTimeout: 2000, reconnectStrategy: false } });
    client.on("error", () => {});
    await client.connect();
    return {
      client,
      store: redisStore(client, { prefix }),
      async close() {
        if (client.isOpen) client.destroy();
      },
    };
  }
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 2000 });
  client.on("error", () => {});
  await client.connect();
  return {
    client,
    store: redisStore(client, { prefix }),
    async close() {
      client.disconnect();
    },
  };
}
