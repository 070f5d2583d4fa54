import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, beforeEach, expect } from "vitest";
import { EVENT_NAMES } from "../../src/core/events.js";
import {
  type ConflictDetails,
  createSessions,
  type SessionEventName,
  type SessionEvents,
  type SessionOptions,
  type SessionStore,
  type Sessions,
} from "../../src/index.js";
import type { ClientKind } from "../helpers/clients.js";
import { CommandLog } from "../helpers/command-log.js";
import { spawnRedis, type TestRedis } from "../helpers/redis-server.js";
import { OLD_SECRET, SECRET } from "../helpers/sessions.js";
import { delayedWrites, warmScripts } from "../helpers/slow-store.js";
import { Browser } from "./browser.js";
import { connectResilient, type ResilientClient } from "./resilient-client.js";

/** The two factories every spec app serves: `session` under the adapter's default name, `admin` under `"admin"`. */
export interface SpecFactories {
  session: Sessions;
  admin: Sessions;
}

/** A spec app listening on a loopback port. */
export interface SpecApp {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Builds the app of `routes.ts` on one framework, served on a real HTTP server on port 0. The app trusts
 * `X-Forwarded-Proto` the way that framework is told to trust a proxy, so HTTPS can be tested over HTTP,
 * and answers `GET /health` with `ok` outside the sessions, the way the README shows for that framework.
 */
export type MakeApp = (factories: SpecFactories) => Promise<SpecApp>;

export const NEW_COOKIE = /^session=[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax$/;
export const CLEARED_COOKIE =
  /^session=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=\/; HttpOnly; SameSite=Lax$/;

function refusesPublicCaching(response: { header(name: string): string | undefined }): boolean {
  return !/\bpublic\b/i.test(response.header("cache-control") ?? "");
}

/** One event a factory told its listeners. */
export interface RecordedEvent {
  readonly name: SessionEventName;
  readonly event: Record<string, unknown>;
}

/** An `events` option that records every event into `into`. */
export function recordEvents(into: RecordedEvent[]): SessionEvents {
  const listeners: Record<string, (event: object) => void> = {};
  for (const name of EVENT_NAMES) {
    listeners[name] = (event) => into.push({ name, event: { ...event } });
  }
  return listeners as SessionEvents;
}

/** `value` with its last character changed. */
export function tamper(value: string): string {
  const last = value.at(-1) === "A" ? "B" : "A";
  return value.slice(0, -1) + last;
}

/**
 * What the cases of one adapter's spec share. Most properties are set by the hooks
 * {@link useSpecFixture} registers, so read them inside a test or hook, never while registering.
 */
export interface SpecFixture {
  /** The spec's own `redis-server`. */
  readonly redis: TestRedis;
  /** The client the stores use. */
  readonly client: ResilientClient;
  /** The store under a prefix of this spec's own, without any delay. */
  readonly store: SessionStore;
  /** The commands on the spec's keys since the previous `take()`/`shapes()`; emptied before each test. */
  readonly log: CommandLog;
  /** The app built by `makeApp(factories())`, shared by every case. */
  readonly app: SpecApp;
  /** A new cookie jar on `app` for each test. */
  readonly browser: Browser;
  /** The pause before each write of the `session` factory's store, in ms; 0 at the start of each test. */
  readonly delay: { ms: number };
  /** What the `session` factory's `onConflict` heard in this test. */
  readonly conflicts: ConflictDetails[];
  /** Every event of the `session` factory's `events` listeners in this test, in order. */
  readonly events: RecordedEvent[];
  /** The adapter's app builder, for a case that needs an app with other options. */
  readonly makeApp: MakeApp;
  /** The factories the app is built from, with `overrides` on the `session` factory. */
  factories(overrides?: Partial<SessionOptions>): SpecFactories;
  /** A stored session with `data`; the jar holds its cookie and the log is emptied. */
  signIn(data?: Record<string, string>): Promise<string>;
  /** Starts a new `log` (after Redis was restarted). */
  startLog(): Promise<void>;
}

/** One concept's cases of the behaviour spec, registered inside the adapter's `describe`. */
export type SpecCases = (fx: SpecFixture) => void;

/**
 * Registers the hooks of one adapter's spec in the current `describe`: a `redis-server`, a client of kind
 * `client`, a command log and the app once for all its tests, a fresh jar before each test.
 */
export function useSpecFixture(makeApp: MakeApp, client: ClientKind): SpecFixture {
  const delay = { ms: 0 };
  const conflicts: ConflictDetails[] = [];
  const events: RecordedEvent[] = [];
  let prefix: string;
  // The hooks below fill in the rest before any test runs.
  const fx = { delay, conflicts, events, makeApp, factories, signIn, startLog } as {
    -readonly [K in keyof SpecFixture]: SpecFixture[K];
  };

  function factories(overrides: Partial<SessionOptions> = {}): SpecFactories {
    return {
      session: createSessions({
        store: delayedWrites(fx.store, delay),
        secret: [SECRET, OLD_SECRET],
        allowCookie: refusesPublicCaching,
        onConflict: (details) => conflicts.push(details),
        events: recordEvents(events),
        ...overrides,
      }),
      admin: createSessions({ store: fx.store, secret: SECRET, cookie: { name: "admin" } }),
    };
  }

  async function startLog(): Promise<void> {
    fx.log = new CommandLog(fx.redis.url, prefix);
    await fx.log.start();
  }

  async function signIn(data: Record<string, string> = { user: "ada" }): Promise<string> {
    const reply = await fx.browser.request(`/write?${new URLSearchParams(data)}`);
    expect(reply.setCookie("session")).toMatch(NEW_COOKIE);
    await fx.log.take();
    return fx.browser.cookie("session") as string;
  }

  beforeAll(async () => {
    fx.redis = await spawnRedis();
    prefix = `spec${randomBytes(4).toString("hex")}:`;
    fx.client = await connectResilient(client, fx.redis.url);
    fx.store = fx.client.store(prefix);
    await warmScripts(fx.store);
    await startLog();
    fx.app = await makeApp(factories());
  });

  afterAll(async () => {
    await fx.app?.close();
    await fx.log?.stop();
    await fx.client?.close();
    await fx.redis?.stop();
  });

  beforeEach(async () => {
    delay.ms = 0;
    conflicts.length = 0;
    events.length = 0;
    fx.browser = new Browser(fx.app.url);
    await fx.log.take();
  });

  return fx;
}
