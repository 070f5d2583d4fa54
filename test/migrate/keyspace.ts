// A keyspace of thousands of legacy sessions: one real session captured from the real library's app,
// cloned under fresh ids (its serializer is JSON.stringify, so a clone changes only the id and chosen
// fields), plus the odd keys a real keyspace holds.
import { randomBytes, randomUUID } from "node:crypto";
import { createClient } from "redis";
import { createSessions, digestId, memoryStore } from "../../src/index.js";
import { Browser } from "../spec/browser.js";
import {
  type LegacyAppOptions,
  startExpressSessionApp,
  startFastifySessionApp,
  startKoaSessionApp,
} from "./legacy-apps.js";

export type LibraryName = "express-session" | "fastify-session" | "koa-session";

export const SECRET = "the legacy app's secret, 32 chars or more";

/** How many keys of each kind {@link buildKeyspace} writes. */
export const MIX = {
  live: 2400,
  /** Of the live ones: a legacy TTL shorter than sessile's idle timeout. */
  shortTtl: 300,
  /** Of the live ones: a sessile session already exists for the id. */
  alreadyPresent: 100,
  /** Payload deadline passed, key still there (express-session: a session kept alive by touch). */
  pastDeadline: 150,
  unreadable: 40,
  wrongType: 10,
  /** Keys of the application that are not sessions. */
  other: 25,
} as const;

const START: Record<LibraryName, (options: LegacyAppOptions) => ReturnType<typeof startExpressSessionApp>> = {
  "express-session": startExpressSessionApp,
  "fastify-session": startFastifySessionApp,
  "koa-session": startKoaSessionApp,
};

/** The key of a legacy id under the library's default prefix. */
export function legacyKey(library: LibraryName, id: string): string {
  return library === "koa-session" ? id : `sess:${id}`;
}

function newId(library: LibraryName): string {
  return library === "koa-session" ? randomUUID() : randomBytes(24).toString("base64url");
}

/** One session as the real library stored it after two visits. */
export async function captureSession(library: LibraryName, redisUrl: string): Promise<string> {
  const client = createClient({ url: redisUrl });
  await client.connect();
  const app = await START[library]({ redisUrl, secret: SECRET, maxAgeMs: 24 * 3600_000 });
  try {
    const browser = new Browser(app.url);
    await browser.request("/visit");
    await browser.request("/visit");
    const keys = await client.keys(library === "koa-session" ? "*-*-*-*-*" : "sess:*");
    if (keys.length !== 1 || keys[0] === undefined)
      throw new Error(`expected one session, found ${keys.length}`);
    const raw = await client.get(keys[0]);
    if (raw === null) throw new Error("the captured session vanished");
    await client.del(keys[0]);
    return raw;
  } finally {
    await app.close();
    client.destroy();
  }
}

/** A clone of the captured value with another count and, optionally, a deadline in the past. */
function clone(library: LibraryName, sample: string, count: number, past: boolean): string {
  const value = JSON.parse(sample) as Record<string, unknown> & { cookie?: Record<string, unknown> };
  value.count = count;
  if (past) {
    const when = Date.now() - 3600_000;
    if (library === "koa-session") value._expire = when;
    else if (value.cookie) value.cookie.expires = new Date(when).toISOString();
  }
  return JSON.stringify(value);
}

/** What a keyspace holds, to check a migration against. */
export interface Keyspace {
  /** Live legacy sessions: id → the count in its data and its legacy TTL in seconds. */
  readonly live: Map<string, { count: number; ttl: number }>;
  readonly pastDeadline: string[];
  readonly alreadyPresent: string[];
  readonly unreadableKeys: string[];
}

/** Writes {@link MIX} through `send` (a client call that routes by key, on a node or a Cluster). */
export async function buildKeyspace(
  library: LibraryName,
  sample: string,
  send: (args: string[]) => Promise<unknown>,
  sessilePrefix = "sessile:",
): Promise<Keyspace> {
  const live = new Map<string, { count: number; ttl: number }>();
  const pastDeadline: string[] = [];
  const alreadyPresent: string[] = [];
  const unreadableKeys: string[] = [];
  const writes: Promise<unknown>[] = [];
  for (let i = 0; i < MIX.live; i++) {
    const id = newId(library);
    const ttl = i < MIX.shortTtl ? 100 + (i % 50) : 86400;
    live.set(id, { count: i, ttl });
    writes.push(send(["SET", legacyKey(library, id), clone(library, sample, i, false), "EX", String(ttl)]));
    if (i >= MIX.live - MIX.alreadyPresent) {
      alreadyPresent.push(id);
      const now = Math.floor(Date.now() / 1000);
      const payload = JSON.stringify({ v: 1, c: now, t: 1200, x: now + 1200, m: { adopted: true } });
      writes.push(send(["SET", sessilePrefix + digestId(id), payload, "EX", "1200"]));
    }
  }
  for (let i = 0; i < MIX.pastDeadline; i++) {
    const id = newId(library);
    pastDeadline.push(id);
    writes.push(send(["SET", legacyKey(library, id), clone(library, sample, -1, true), "EX", "5000"]));
  }
  for (let i = 0; i < MIX.unreadable; i++) {
    const key = legacyKey(library, newId(library));
    unreadableKeys.push(key);
    writes.push(send(["SET", key, i % 2 === 0 ? "{not json" : '"a string"', "EX", "5000"]));
  }
  for (let i = 0; i < MIX.wrongType; i++) {
    const key = legacyKey(library, newId(library));
    unreadableKeys.push(key);
    writes.push(send(["HSET", key, "field", "value"]));
  }
  for (let i = 0; i < MIX.other; i++) writes.push(send(["SET", `cache:item:${i}`, "x"]));
  await Promise.all(writes);
  return { live, pastDeadline, alreadyPresent, unreadableKeys };
}

/**
 * Reads a migrated session the way the application will: sessile's own `load()` with a cookie for the
 * legacy id (minted by a second factory whose generateId returns that id, on a memory store).
 */
export async function loadThroughSessile(
  store: Parameters<typeof createSessions>[0]["store"],
  legacyId: string,
): Promise<Record<string, unknown> | null> {
  const secret = "sessile's own secret, at least 32 bytes long";
  const minter = createSessions({ store: memoryStore(), secret, generateId: () => legacyId });
  const minted = await minter.load(undefined);
  minted.data.x = 1;
  const { setCookie } = await minter.commit(minted);
  const cookie = setCookie?.split(";")[0];
  const session = await createSessions({ store, secret }).load(cookie);
  return session.isNew ? null : { ...session.data };
}

/** Streams that keep what a command wrote. */
export function captureIo(tty = false) {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: {
      stdout: { write: (text: string) => out.push(text) },
      stderr: { isTTY: tty, write: (text: string) => err.push(text) },
      env: {},
    },
    out: () => out.join(""),
    err: () => err.join(""),
  };
}
