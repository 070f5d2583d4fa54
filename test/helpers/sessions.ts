import { randomBytes } from "node:crypto";
import { afterAll, beforeAll } from "vitest";
import { createSessions, type SessionOptions, type Sessions } from "../../src/index.js";
import { type ClientKind, type ClientUnderTest, connectClient } from "./clients.js";
import { CommandLog } from "./command-log.js";
import { type TestRedis, testRedis } from "./redis-server.js";

export const SECRET = "a-test-secret-that-is-long-enough-0001";
export const OLD_SECRET = "an-older-test-secret-long-enough-00002";

/** A Redis server, one client of `kind` on it, and a command log, set up once for a `describe` block. */
export interface RedisFixture {
  redis: TestRedis;
  client: ClientUnderTest;
  log: CommandLog;
  prefix: string;
  /** A factory on this fixture's store; options override the test defaults. */
  sessions(options?: Partial<SessionOptions>): Sessions;
}

/** Registers `beforeAll`/`afterAll` hooks that build a {@link RedisFixture}; read its fields inside tests. */
export function useRedis(kind: ClientKind = "node-redis"): RedisFixture {
  const fixture = {} as RedisFixture;
  beforeAll(async () => {
    fixture.redis = await testRedis();
    fixture.prefix = `t${randomBytes(4).toString("hex")}:`;
    fixture.client = await connectClient(kind, fixture.redis.url, fixture.prefix);
    fixture.log = new CommandLog(fixture.redis.url, fixture.prefix);
    await fixture.log.start();
    fixture.sessions = (options = {}) =>
      createSessions({ store: fixture.client.store, secret: SECRET, ...options });
  });
  afterAll(async () => {
    await fixture.log?.stop();
    await fixture.client?.close();
    await fixture.redis?.stop();
  });
  return fixture;
}

/** The `name=value` part of a `Set-Cookie` value, ready to send back as a `Cookie` header. */
export function cookiePair(setCookie: string | undefined): string {
  if (setCookie === undefined) throw new Error("expected a Set-Cookie");
  return setCookie.split(";")[0] as string;
}
