import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import { afterAll, beforeAll } from "vitest";
import {
  createSessions,
  digestId,
  type InvalidReason,
  type SessionOptions,
  type Sessions,
} from "../../src/index.js";
import { type ClientKind, type ClientUnderTest, connectClient, inspectionClient } from "./clients.js";
import { CommandLog } from "./command-log.js";
import { spawnValkey, type TestRedis, testRedis } from "./redis-server.js";
import { warmScripts } from "./slow-store.js";

export const SECRET = "a-test-secret-that-is-long-enough-0001";
export const OLD_SECRET = "an-older-test-secret-long-enough-00002";

/** A Redis server, one client of `kind` on it, and a command log, set up once for a `describe` block. */
export interface RedisFixture {
  redis: TestRedis;
  client: ClientUnderTest;
  log: CommandLog;
  /**
   * An ioredis connection of its own, to read and tamper with keys behind the store's back. What it sends
   * on prefixed keys shows up in `log`, so drain the log after using it.
   */
  raw: Redis;
  prefix: string;
  /** A factory on this fixture's store; options override the test defaults. */
  sessions(options?: Partial<SessionOptions>): Sessions;
}

/**
 * The server a fixture runs on: the test Redis with the store's Lua compare-and-set, or a Valkey 8.1 of
 * its own with the store's `compareAndSet: "ifeq"`.
 */
export type ServerFlavour = "redis" | "valkey-ifeq";

/** The shape a returning write's compare-and-set has at the server of `flavour`. */
export function writeShape(flavour: ServerFlavour): string {
  return flavour === "redis" ? "CAS SET EX" : "SET IFEQ GET EX";
}

/** Registers `beforeAll`/`afterAll` hooks that build a {@link RedisFixture}; read its fields inside tests. */
export function useRedis(kind: ClientKind = "node-redis", flavour: ServerFlavour = "redis"): RedisFixture {
  const fixture = {} as RedisFixture;
  beforeAll(async () => {
    fixture.redis = flavour === "redis" ? await testRedis() : await spawnValkey();
    fixture.prefix = `t${randomBytes(4).toString("hex")}:`;
    const options = flavour === "redis" ? {} : ({ compareAndSet: "ifeq" } as const);
    fixture.client = await connectClient(kind, fixture.redis.url, fixture.prefix, options);
    await warmScripts(fixture.client.store);
    fixture.log = new CommandLog(fixture.redis.url, fixture.prefix);
    await fixture.log.start();
    fixture.raw = inspectionClient(fixture.redis.url);
    fixture.sessions = (options = {}) =>
      createSessions({ store: fixture.client.store, secret: SECRET, ...options });
  });
  afterAll(async () => {
    fixture.raw?.disconnect();
    await fixture.log?.stop();
    await fixture.client?.close();
    await fixture.redis?.stop();
  });
  return fixture;
}

/** A session stored through a fresh factory, with what tests need to come back to it. */
export interface StoredSession {
  /** The factory that stored it; its `onInvalid` records into `reasons` unless the options gave one. */
  sessions: Sessions;
  /** The cookie as a `Cookie` header value. */
  pair: string;
  id: string;
  /** The full Redis key: prefix + sha256(id). */
  key: string;
  /** Every reason `onInvalid` was called with, in order. */
  reasons: InvalidReason[];
}

/**
 * Stores a new session holding `data` at the current (possibly fake) time, through a factory made with
 * `options`, then drains the command log so the test sees only its own commands.
 */
export async function createStored(
  f: RedisFixture,
  options: Partial<SessionOptions> = {},
  data: Record<string, unknown> = { user: "ada" },
): Promise<StoredSession> {
  const reasons: InvalidReason[] = [];
  const sessions = f.sessions({ onInvalid: (reason) => reasons.push(reason), ...options });
  const s = await sessions.load(undefined);
  Object.assign(s.data, data);
  const r = await sessions.commit(s);
  await f.log.take();
  const id = s.id as string;
  return { sessions, pair: cookiePair(r.setCookie), id, key: f.prefix + digestId(id), reasons };
}

/** Whether `key` exists, asked through `f.raw`; drains the command log of the EXISTS itself. */
export async function keyExists(f: RedisFixture, key: string): Promise<boolean> {
  const n = await f.raw.exists(key);
  await f.log.take();
  return n === 1;
}

/** The `name=value` part of a `Set-Cookie` value, ready to send back as a `Cookie` header. */
export function cookiePair(setCookie: string | undefined): string {
  if (setCookie === undefined) throw new Error("expected a Set-Cookie");
  return setCookie.split(";")[0] as string;
}
