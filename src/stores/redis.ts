import { SessionError, WrongTypeError } from "../core/errors.js";
import type { SessionStore } from "../core/store.js";

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
  /**
   * Seconds (fractions allowed, e.g. `0.5`) after which a store operation fails if the client has not
   * answered. A backstop for clients that can hold a command with no bound of their own: node-redis
   * `createSentinel` waits for as long as no primary is known. A timed-out command may still run
   * later, so the failed request's write has an unknown outcome; it is reported, never re-sent.
   * @default undefined (only the client's own timeouts apply)
   */
  timeout?: number;
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

/** `operation`, or a rejection once `seconds` have passed without it settling. */
function withDeadline<T>(operation: Promise<T>, seconds: number | undefined): Promise<T> {
  if (seconds === undefined) return operation;
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`Redis did not answer within ${seconds} s (redisStore timeout)`)),
      seconds * 1000,
    );
    // A late rejection lands here after the deadline, so it is never unhandled.
    operation.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
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
 * requests quickly instead of hanging them; `timeout` adds a deadline of sessile's own on top.
 */
export function redisStore(client: RedisLikeClient, options: RedisStoreOptions = {}): SessionStore {
  if (typeof client !== "object" || client === null) {
    throw new SessionError("invalid-option", "sessile: redisStore(client) needs a connected Redis client");
  }
  const prefix = options.prefix ?? "sessile:";
  if (typeof prefix !== "string")
    throw new SessionError("invalid-option", "sessile: redisStore prefix must be a string");
  const { timeout } = options;
  if (timeout !== undefined && !(typeof timeout === "number" && Number.isFinite(timeout) && timeout > 0))
    throw new SessionError(
      "invalid-option",
      "sessile: redisStore timeout must be a positive number of seconds (e.g. 1 or 0.5), or left out",
    );
  const redis = commandsFor(client);
  return {
    async get(key) {
      try {
        return asText(await withDeadline(redis.get(prefix + key), timeout));
      } catch (error) {
        if (isWrongType(error)) throw new WrongTypeError();
        throw error;
      }
    },
    async create(key, value, ttl) {
      return (await withDeadline(redis.set(prefix + key, value, "NX", ttl), timeout)) !== null;
    },
    async update(key, value, ttl) {
      return (await withDeadline(redis.set(prefix + key, value, "XX", ttl), timeout)) !== null;
    },
    async destroy(key) {
      await withDeadline(redis.del(prefix + key), timeout);
    },
    async evictionPolicy() {
      const policy = await withDeadline(redis.policy(), timeout);
      return typeof policy === "string" ? policy : undefined;
    },
    async replace(oldKey, newKey, value, ttl) {
      // Issued together so the client writes both in one round-trip; neither waits for the other.
      const [created, removed] = await withDeadline(
        Promise.all([redis.set(prefix + newKey, value, "NX", ttl), redis.del(prefix + oldKey)]),
        timeout,
      );
      return { created: created !== null, removed: Number(removed) > 0 };
    },
  };
}
