import { SessionError, WrongTypeError } from "../core/errors.js";
import type { SessionStore, UpdateResult } from "../core/store.js";
import { type Commands, commandsFor, type RedisLikeClient, sendsIfEqual } from "./redis-commands.js";
import { CAS, runScript } from "./redis-scripts.js";
import { redisUserIndex } from "./redis-users.js";

export type { IoRedisLike, NodeRedisLike, NodeRedisSetOptions, RedisLikeClient } from "./redis-commands.js";

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
  /**
   * How a returning write checks that the session is still the one this request read:
   * - `"script"`: a Lua compare-and-set sent by `EVALSHA` (any Redis 6.2+ or Valkey);
   * - `"ifeq"`: one `SET … IFEQ … GET`, no Lua (Valkey 8.1+, Redis 8.4+; node-redis 5.10+, ioredis,
   *   iovalkey). Cheaper for the server; a server without it fails every write with a message saying so.
   *
   * Deleting a session that was emptied is a script call either way.
   * @default "script"
   */
  compareAndSet?: "script" | "ifeq";
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

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : "";
}

function updateResult(reply: unknown): UpdateResult {
  if (reply === 1 || reply === "1") return { status: "updated" };
  if (reply === 0 || reply === "0" || reply === null) return { status: "missing" };
  return { status: "changed", current: asText(reply) as string };
}

const COMPARE_AND_SET = ["script", "ifeq"];

function checkCompareAndSet(client: RedisLikeClient, compareAndSet: unknown): void {
  if (compareAndSet === undefined) return;
  if (!COMPARE_AND_SET.includes(compareAndSet as string)) {
    throw new SessionError(
      "invalid-option",
      'sessile: redisStore compareAndSet must be "script" (any Redis) or "ifeq" (Valkey 8.1+, Redis 8.4+), or left out',
    );
  }
  if (compareAndSet === "ifeq" && !sendsIfEqual(client)) {
    throw new SessionError(
      "invalid-option",
      'sessile: redisStore compareAndSet "ifeq" needs node-redis 5.10 or later (or ioredis, iovalkey); node-redis 4 cannot send SET … IFEQ; leave compareAndSet out',
    );
  }
}

/** The reply of `SET … IFEQ expected GET`: the value the key held decides whether the write happened. */
function ifEqualResult(reply: unknown, expected: string): UpdateResult {
  const held = asText(reply);
  if (held === null) return { status: "missing" };
  return held === expected ? { status: "updated" } : { status: "changed", current: held };
}

/** `SET … IFEQ`, with a server that does not know it told apart from other failures. */
async function setIfEqual(
  redis: Commands,
  key: string,
  value: string,
  expected: string,
  ttl: number | null,
): Promise<unknown> {
  try {
    return await redis.setIfEqual(key, value, expected, ttl);
  } catch (error) {
    if (errorText(error).startsWith("WRONGTYPE")) throw new WrongTypeError();
    if (/syntax error/i.test(errorText(error))) {
      throw new Error(
        'this Redis server does not know SET … IFEQ (Valkey 8.1+ and Redis 8.4+ do); leave redisStore compareAndSet out or set it to "script"',
        { cause: error },
      );
    }
    throw error;
  }
}

function checkOptions(client: unknown, prefix: unknown, timeout: unknown): void {
  if (typeof client !== "object" || client === null) {
    throw new SessionError("invalid-option", "sessile: redisStore(client) needs a connected Redis client");
  }
  if (typeof prefix !== "string")
    throw new SessionError("invalid-option", "sessile: redisStore prefix must be a string");
  if (timeout !== undefined && !(typeof timeout === "number" && Number.isFinite(timeout) && timeout > 0))
    throw new SessionError(
      "invalid-option",
      "sessile: redisStore timeout must be a positive number of seconds (e.g. 1 or 0.5), or left out",
    );
}

/**
 * A store on Redis (6.2 or later) or Valkey through a node-redis v4+, ioredis v5+ or iovalkey client,
 * single node, Cluster or Sentinel. Each operation is one command on one key; `replace` sends two
 * single-key commands together, so there is no cross-slot command and no `RENAME`.
 *
 * The client's own timeouts bound every command: set them (see the README) so a dead Redis fails
 * requests quickly instead of hanging them; `timeout` adds a deadline of sessile's own on top.
 */
export function redisStore(client: RedisLikeClient, options: RedisStoreOptions = {}): SessionStore {
  const prefix = options.prefix ?? "sessile:";
  const { timeout } = options;
  checkOptions(client, prefix, timeout);
  checkCompareAndSet(client, options.compareAndSet);
  const redis = commandsFor(client);
  const ifEqual = options.compareAndSet === "ifeq";
  const bounded = <T>(operation: Promise<T>) => withDeadline(operation, timeout);
  return {
    async get(key) {
      try {
        return asText(await bounded(redis.get(prefix + key)));
      } catch (error) {
        if (errorText(error).startsWith("WRONGTYPE")) throw new WrongTypeError();
        throw error;
      }
    },
    async create(key, value, ttl) {
      return (await bounded(redis.set(prefix + key, value, "NX", ttl))) !== null;
    },
    async update(key, value, ttl, expected) {
      if (ifEqual && value !== null) {
        return ifEqualResult(await bounded(setIfEqual(redis, prefix + key, value, expected, ttl)), expected);
      }
      const args =
        value === null ? [expected, "D", "", ""] : [expected, "S", value, ttl === null ? "" : String(ttl)];
      return updateResult(await bounded(runScript(redis, CAS, prefix + key, args)));
    },
    async destroy(key) {
      await bounded(redis.del(prefix + key));
    },
    async take(key) {
      return asText(await bounded(redis.getDel(prefix + key)));
    },
    async replace(oldKey, newKey, value, ttl, marker, markerTtl) {
      // Issued together so the client writes both in one round-trip; neither waits for the other.
      const [created, previous] = await bounded(
        Promise.all([
          redis.set(prefix + newKey, value, "NX", ttl),
          redis.set(prefix + oldKey, marker, "XX", markerTtl, true),
        ]),
      );
      return { created: created !== null, previous: asText(previous) };
    },
    async evictionPolicy() {
      const policy = await bounded(redis.policy());
      return typeof policy === "string" ? policy : undefined;
    },
    foreign: {
      async get(key) {
        return asText(await bounded(redis.get(key)));
      },
      async destroy(key) {
        await bounded(redis.del(key));
      },
    },
    users: redisUserIndex((key, script, args) => bounded(runScript(redis, script, prefix + key, args))),
  };
}
