import { SessionError, WrongTypeError } from "../core/errors.js";
import type { SessionStore } from "./store.js";

/** The `SET` options node-redis understands: v5+ (`expiration`, `condition`) and v4 (`EX`, `NX`, `XX`). */
export interface NodeRedisSetOptions {
  expiration?: { type: "EX"; value: number };
  condition?: "NX" | "XX";
  EX?: number;
  NX?: boolean;
  XX?: boolean;
}

/** The part of a node-redis client (`createClient`, `createCluster`, `createSentinel`) that sessile uses. */
export interface NodeRedisLike {
  get(key: string): Promise<unknown>;
  set(key: string, value: string, options: NodeRedisSetOptions): Promise<unknown>;
  del(key: string): Promise<unknown>;
  /** Optional: used once in LRU mode to read `maxmemory-policy`. */
  configGet?(parameter: string): Promise<unknown>;
}

/** The part of an ioredis or iovalkey client (`Redis`, `Cluster`) that sessile uses. */
export interface IoRedisLike {
  call(command: string, ...args: string[]): Promise<unknown>;
}

/** A node-redis, ioredis or iovalkey client, detected by shape. */
export type RedisLikeClient = NodeRedisLike | IoRedisLike;

/** Options of {@link redisStore}. */
export interface RedisStoreOptions {
  /**
   * Prepended to every key. Do not put a Cluster hash tag (`{…}`) in it: that would put every session
   * in one slot.
   * @default "sessile:"
   */
  prefix?: string;
}

interface Commands {
  get(key: string): Promise<unknown>;
  set(key: string, value: string, condition: "NX" | "XX", ttl: number | null): Promise<unknown>;
  del(key: string): Promise<unknown>;
  policy(): Promise<unknown>;
}

function isIoRedis(client: RedisLikeClient): client is IoRedisLike {
  return typeof (client as Partial<IoRedisLike>).call === "function";
}

function commandsFor(client: RedisLikeClient): Commands {
  if (isIoRedis(client)) {
    return {
      get: (key) => client.call("GET", key),
      set: (key, value, condition, ttl) =>
        ttl === null
          ? client.call("SET", key, value, condition)
          : client.call("SET", key, value, "EX", String(ttl), condition),
      del: (key) => client.call("DEL", key),
      policy: async () => {
        const reply = await client.call("CONFIG", "GET", "maxmemory-policy");
        return Array.isArray(reply) ? reply[1] : undefined;
      },
    };
  }
  const c = client as Partial<NodeRedisLike>;
  if (typeof c.get !== "function" || typeof c.set !== "function" || typeof c.del !== "function") {
    throw new SessionError(
      "invalid-option",
      "sessile: redisStore needs a node-redis client (createClient, createCluster, createSentinel) or an ioredis/iovalkey client",
    );
  }
  return {
    get: (key) => client.get(key),
    set: (key, value, condition, ttl) => {
      // Both spellings, so v4 (EX/NX/XX) and v5+ (expiration/condition) each send the same command.
      const options: NodeRedisSetOptions =
        condition === "NX" ? { condition, NX: true } : { condition, XX: true };
      if (ttl !== null) {
        options.expiration = { type: "EX", value: ttl };
        options.EX = ttl;
      }
      return client.set(key, value, options);
    },
    del: (key) => client.del(key),
    policy: async () => {
      const reply = await client.configGet?.("maxmemory-policy");
      return typeof reply === "object" && reply !== null
        ? (reply as Record<string, unknown>)["maxmemory-policy"]
        : undefined;
    },
  };
}

function asText(reply: unknown): string | null {
  if (reply === null || reply === undefined) return null;
  if (typeof reply === "string") return reply;
  if (Buffer.isBuffer(reply)) return reply.toString("utf8");
  throw new WrongTypeError();
}

function isWrongType(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith("WRONGTYPE");
}

/**
 * A store on Redis (or Valkey) through a node-redis v4+, ioredis v5+ or iovalkey client, single node,
 * Cluster or Sentinel. Each operation is one command on one key; `replace` sends two single-key
 * commands together, so there is no cross-slot command and no `RENAME`.
 *
 * The client's own timeouts bound every command: set them (see the README) so a dead Redis fails
 * requests quickly instead of hanging them.
 */
export function redisStore(client: RedisLikeClient, options: RedisStoreOptions = {}): SessionStore {
  if (typeof client !== "object" || client === null) {
    throw new SessionError("invalid-option", "sessile: redisStore(client) needs a connected Redis client");
  }
  const prefix = options.prefix ?? "sessile:";
  if (typeof prefix !== "string")
    throw new SessionError("invalid-option", "sessile: redisStore prefix must be a string");
  const redis = commandsFor(client);
  return {
    async get(key) {
      try {
        return asText(await redis.get(prefix + key));
      } catch (error) {
        if (isWrongType(error)) throw new WrongTypeError();
        throw error;
      }
    },
    async create(key, value, ttl) {
      return (await redis.set(prefix + key, value, "NX", ttl)) !== null;
    },
    async update(key, value, ttl) {
      return (await redis.set(prefix + key, value, "XX", ttl)) !== null;
    },
    async destroy(key) {
      await redis.del(prefix + key);
    },
    async evictionPolicy() {
      const policy = await redis.policy();
      return typeof policy === "string" ? policy : undefined;
    },
    async replace(oldKey, newKey, value, ttl) {
      // Issued together so the client writes both in one round-trip; neither waits for the other.
      const [created] = await Promise.all([
        redis.set(prefix + newKey, value, "NX", ttl),
        redis.del(prefix + oldKey),
      ]);
      return created !== null;
    },
  };
}
