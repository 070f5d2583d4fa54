import { SessionError } from "../core/errors.js";

/** The `SET` options node-redis understands: v5+ (`expiration`, `condition`) and v4 (`EX`, `NX`, `XX`). */
export interface NodeRedisSetOptions {
  expiration?: { type: "EX"; value: number };
  condition?: "NX" | "XX" | "IFEQ";
  /** The value `IFEQ` compares with (node-redis 5.10 and later). */
  matchValue?: string;
  EX?: number;
  NX?: boolean;
  XX?: boolean;
  GET?: boolean;
}

/** The script call options node-redis understands (v4 and later). */
export interface NodeRedisEvalOptions {
  keys: string[];
  arguments: string[];
}

/** The part of a node-redis client (`createClient`, `createCluster`, `createSentinel`) that sessile uses. */
export interface NodeRedisLike {
  get(key: string): Promise<unknown>;
  set(key: string, value: string, options: NodeRedisSetOptions): Promise<unknown>;
  del(key: string): Promise<unknown>;
  getDel(key: string): Promise<unknown>;
  evalSha(sha: string, options: NodeRedisEvalOptions): Promise<unknown>;
  eval(script: string, options: NodeRedisEvalOptions): Promise<unknown>;
  /** Optional: used once in LRU mode to read `maxmemory-policy`. */
  configGet?(parameter: string): Promise<unknown>;
}

/** The part of an ioredis or iovalkey client (`Redis`, `Cluster`) that sessile uses. */
export interface IoRedisLike {
  call(command: string, ...args: string[]): Promise<unknown>;
}

/** A node-redis, ioredis or iovalkey client, detected by shape. */
export type RedisLikeClient = NodeRedisLike | IoRedisLike;

/** The commands the store sends, the same on every client. */
export interface Commands {
  get(key: string): Promise<unknown>;
  /** `SET key value [EX ttl] NX|XX [GET]`. */
  set(
    key: string,
    value: string,
    condition: "NX" | "XX",
    ttl: number | null,
    get?: boolean,
  ): Promise<unknown>;
  /**
   * `SET key value IFEQ expected GET [EX ttl]` (Valkey 8.1+, Redis 8.4+): writes only over `expected`
   * and answers the value the key held, or null when it was missing.
   */
  setIfEqual(key: string, value: string, expected: string, ttl: number | null): Promise<unknown>;
  del(key: string): Promise<unknown>;
  getDel(key: string): Promise<unknown>;
  evalSha(sha: string, key: string, args: string[]): Promise<unknown>;
  eval(script: string, key: string, args: string[]): Promise<unknown>;
  policy(): Promise<unknown>;
}

function isIoRedis(client: RedisLikeClient): client is IoRedisLike {
  return typeof (client as Partial<IoRedisLike>).call === "function";
}

function ioRedisCommands(client: IoRedisLike): Commands {
  return {
    get: (key) => client.call("GET", key),
    set: (key, value, condition, ttl, get) => {
      const args = ttl === null ? [key, value, condition] : [key, value, "EX", String(ttl), condition];
      return client.call("SET", ...args, ...(get ? ["GET"] : []));
    },
    setIfEqual: (key, value, expected, ttl) =>
      ttl === null
        ? client.call("SET", key, value, "IFEQ", expected, "GET")
        : client.call("SET", key, value, "IFEQ", expected, "GET", "EX", String(ttl)),
    del: (key) => client.call("DEL", key),
    getDel: (key) => client.call("GETDEL", key),
    evalSha: (sha, key, args) => client.call("EVALSHA", sha, "1", key, ...args),
    eval: (script, key, args) => client.call("EVAL", script, "1", key, ...args),
    policy: async () => {
      const reply = await client.call("CONFIG", "GET", "maxmemory-policy");
      return Array.isArray(reply) ? reply[1] : undefined;
    },
  };
}

const NODE_REDIS_METHODS = ["get", "set", "del", "getDel", "evalSha", "eval"] as const;

function nodeRedisCommands(client: NodeRedisLike): Commands {
  return {
    get: (key) => client.get(key),
    set: (key, value, condition, ttl, get) => {
      // Both spellings, so v4 (EX/NX/XX) and v5+ (expiration/condition) each send the same command.
      const options: NodeRedisSetOptions =
        condition === "NX" ? { condition, NX: true } : { condition, XX: true };
      if (ttl !== null) {
        options.expiration = { type: "EX", value: ttl };
        options.EX = ttl;
      }
      if (get) options.GET = true;
      return client.set(key, value, options);
    },
    setIfEqual: (key, value, expected, ttl) => {
      const options: NodeRedisSetOptions = { condition: "IFEQ", matchValue: expected, GET: true };
      if (ttl !== null) options.expiration = { type: "EX", value: ttl };
      return client.set(key, value, options);
    },
    del: (key) => client.del(key),
    getDel: (key) => client.getDel(key),
    evalSha: (sha, key, args) => client.evalSha(sha, { keys: [key], arguments: args }),
    eval: (script, key, args) => client.eval(script, { keys: [key], arguments: args }),
    policy: async () => {
      const reply = await client.configGet?.("maxmemory-policy");
      return typeof reply === "object" && reply !== null
        ? (reply as Record<string, unknown>)["maxmemory-policy"]
        : undefined;
    },
  };
}

/**
 * Whether `client` can send `SET … IFEQ`: ioredis and iovalkey send any command; node-redis from 5.10
 * (4 is told apart by its missing `withTypeMapping`, which 5 added).
 */
export function sendsIfEqual(client: RedisLikeClient): boolean {
  return isIoRedis(client) || typeof (client as { withTypeMapping?: unknown }).withTypeMapping === "function";
}

/** The commands for `client`, whichever library it comes from; throws when it is none of them. */
export function commandsFor(client: RedisLikeClient): Commands {
  if (isIoRedis(client)) return ioRedisCommands(client);
  const c = client as unknown as Record<string, unknown>;
  if (NODE_REDIS_METHODS.some((name) => typeof c[name] !== "function")) {
    throw new SessionError(
      "invalid-option",
      "sessile: redisStore needs a node-redis client (createClient, createCluster, createSentinel) or an ioredis/iovalkey client",
    );
  }
  return nodeRedisCommands(client);
}
