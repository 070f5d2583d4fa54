import { describe, expect, it } from "vitest";
import { digestId } from "../src/core/id.js";
import { indexKeyOf } from "../src/core/user-index.js";
import type { Sessions } from "../src/index.js";
import { CLIENT_KINDS } from "./helpers/clients.js";
import { cookiePair, keyExists, type RedisFixture, useRedis } from "./helpers/sessions.js";

let users = 0;
/** A user id no other test uses, shaped like what apps bind (an email address). */
const freshUser = () => `user-${++users}-${Date.now()}@example.com`;

interface Device {
  cookie: string;
  handle: string;
  key: string;
  id: string;
}

/** A login: a new session bound to `userId` and committed; the log drained. */
async function signIn(
  f: RedisFixture,
  sessions: Sessions,
  userId: string,
  label = "a device",
): Promise<Device> {
  const s = await sessions.load(undefined);
  s.data.name = "ada";
  s.bindUser(userId, { label });
  const r = await sessions.commit(s);
  await f.log.take();
  const id = s.id as string;
  return { cookie: cookiePair(r.setCookie), handle: s.handle as string, key: f.prefix + digestId(id), id };
}

/** Whether the device's cookie still gives its session. */
async function signedIn(sessions: Sessions, device: Device): Promise<boolean> {
  const s = await sessions.load(device.cookie);
  return !s.isNew && s.data.name === "ada";
}

/** Runs `work` with the clock `seconds` ahead (only `Date.now`: timers stay real). */
async function later(seconds: number, work: () => Promise<void>): Promise<void> {
  const now = Date.now;
  Date.now = () => now() + seconds * 1000;
  try {
    await work();
  } finally {
    Date.now = now;
  }
}

async function indexMembers(f: RedisFixture, userId: string): Promise<string[]> {
  const members = await f.raw.zrangebyscore(f.prefix + indexKeyOf(userId), "0", "+inf");
  await f.log.take();
  return members.sort();
}

describe.each(CLIENT_KINDS)("user sessions with %s", (kind) => {
  const f = useRedis(kind);

  describe("the Redis contract of a bound session", () => {
    it("a login sends SET NX EX and one index script beside it, and no read-modify-write", async () => {
      const sessions = f.sessions();
      const s = await sessions.load(undefined);
      s.bindUser(freshUser(), { label: "laptop" });
      const r = await sessions.commit(s);
      expect(r.setCookie).toBeDefined();
      expect((await f.log.shapes()).sort()).toEqual(["INDEX UPDATE", "SET NX EX"]);
    });

    it("a returning read of a bound session costs one GET, as an unbound one does", async () => {
      const sessions = f.sessions();
      const device = await signIn(f, sessions, freshUser());
      const s = await sessions.load(device.cookie);
      expect(s.userId).not.toBeNull();
      expect((await sessions.commit(s)).setCookie).toBeUndefined();
      expect(await f.log.shapes()).toEqual(["GET"]);
    });

    it("a write that moves no deadline sends no index command; a refresh moves the index score", async () => {
      const sessions = f.sessions({ idleTimeout: 1200, touchInterval: 60 });
      const userId = freshUser();
      const device = await signIn(f, sessions, userId);
      const s = await sessions.load(device.cookie);
      s.data.theme = "dark";
      await sessions.commit(s);
      expect(await f.log.shapes()).toEqual(["GET", "CAS SET EX"]);
      const before = await f.raw.zscore(f.prefix + indexKeyOf(userId), device.handle);
      await f.log.take();
      await later(120, async () => {
        const t = await sessions.load(device.cookie);
        await sessions.commit(t);
      });
      expect((await f.log.shapes()).sort()).toEqual(["CAS SET EX", "GET", "INDEX UPDATE"]);
      const after = await f.raw.zscore(f.prefix + indexKeyOf(userId), device.handle);
      await f.log.take();
      expect(Number(after) - Number(before)).toBeGreaterThanOrEqual(119);
    });

    it("logout sends GET, GETDEL and one index script, and takes the session out of the index", async () => {
      const sessions = f.sessions();
      const userId = freshUser();
      const device = await signIn(f, sessions, userId);
      const s = await sessions.load(device.cookie);
      await s.invalidate();
      await sessions.commit(s);
      expect((await f.log.shapes()).sort()).toEqual(["GET", "GETDEL", "INDEX REMOVE"]);
      expect(await indexMembers(f, userId)).toEqual([]);
      expect(await keyExists(f, f.prefix + indexKeyOf(userId))).toBe(false);
    });

    it("regenerate() moves the index member to the new key in the same round-trip", async () => {
      const sessions = f.sessions();
      const userId = freshUser();
      const device = await signIn(f, sessions, userId);
      const s = await sessions.load(device.cookie);
      s.regenerate();
      await sessions.commit(s);
      expect((await f.log.shapes()).sort()).toEqual(["GET", "INDEX UPDATE", "SET NX EX", "SET XX GET EX"]);
      expect(await indexMembers(f, userId)).toEqual([s.handle]);
      expect(s.handle).not.toBe(device.handle);
    });

    it("the index key holds no user id and expires with its last session", async () => {
      const sessions = f.sessions({ idleTimeout: 600 });
      const userId = freshUser();
      await signIn(f, sessions, userId);
      const keys = await f.raw.keys(`${f.prefix}u:*`);
      expect(keys.some((k) => k.includes(userId) || k.includes("example.com"))).toBe(false);
      const ttl = await f.raw.ttl(f.prefix + indexKeyOf(userId));
      await f.log.take();
      expect(ttl).toBeGreaterThan(590);
      expect(ttl).toBeLessThanOrEqual(600);
    });
  });

  describe("sessions.users", () => {
    it("lists a user's devices with their meta and marks the caller's; never an id", async () => {
      const sessions = f.sessions();
      const userId = freshUser();
      const a = await signIn(f, sessions, userId, "laptop");
      const b = await signIn(f, sessions, userId, "phone");
      await signIn(f, sessions, freshUser(), "someone else");
      const current = await sessions.load(a.cookie);
      await f.log.take();
      const list = await sessions.users.list(userId, { current });
      expect(list.map((d) => d.handle).sort()).toEqual([a.handle, b.handle].sort());
      const mine = list.find((d) => d.current);
      expect(mine?.handle).toBe(a.handle);
      expect(mine?.meta).toEqual({ label: "laptop" });
      expect(list.find((d) => !d.current)?.meta).toEqual({ label: "phone" });
      for (const d of list) {
        expect(d.createdAt.getTime()).toBeLessThanOrEqual(Date.now());
        expect(d.boundAt.getTime()).toBeGreaterThanOrEqual(d.createdAt.getTime() - 1000);
        expect(d.expiresAt?.getTime()).toBeGreaterThan(Date.now());
      }
      const text = JSON.stringify(list);
      for (const secret of [a.id, b.id, a.cookie, b.cookie]) expect(text).not.toContain(secret);
      // One index read, then one GET per session.
      expect(await f.log.shapes()).toEqual(["INDEX READ", "GET", "GET"]);
    });

    it("end(handle) signs out that device only, with one GETDEL and the index", async () => {
      const sessions = f.sessions();
      const userId = freshUser();
      const a = await signIn(f, sessions, userId);
      const b = await signIn(f, sessions, userId);
      expect(await sessions.users.end(userId, b.handle)).toBe(true);
      expect((await f.log.shapes()).sort()).toEqual(["GETDEL", "INDEX REMOVE"]);
      expect(await signedIn(sessions, b)).toBe(false);
      expect(await signedIn(sessions, a)).toBe(true);
      expect(await sessions.users.end(userId, b.handle)).toBe(false);
    });

    it("end() with another user's handle ends nothing", async () => {
      const sessions = f.sessions();
      const victim = await signIn(f, sessions, freshUser());
      expect(await sessions.users.end(freshUser(), victim.handle)).toBe(false);
      expect(await signedIn(sessions, victim)).toBe(true);
    });

    it("endAll() ends every device; with except, all but the caller's", async () => {
      const sessions = f.sessions();
      const userId = freshUser();
      const devices = await Promise.all([1, 2, 3].map(() => signIn(f, sessions, userId)));
      const [a, b, c] = devices as [Device, Device, Device];
      const current = await sessions.load(a.cookie);
      expect(await sessions.users.endAll(userId, { except: current })).toBe(2);
      expect(await signedIn(sessions, a)).toBe(true);
      expect(await signedIn(sessions, b)).toBe(false);
      expect(await signedIn(sessions, c)).toBe(false);
      expect(await indexMembers(f, userId)).toEqual([a.handle]);
      expect(await sessions.users.endAll(userId)).toBe(1);
      expect(await signedIn(sessions, a)).toBe(false);
    });

    it("list() prunes members whose session is gone behind its back", async () => {
      const sessions = f.sessions();
      const userId = freshUser();
      const a = await signIn(f, sessions, userId);
      const b = await signIn(f, sessions, userId);
      await f.raw.del(b.key);
      await f.log.take();
      expect((await sessions.users.list(userId)).map((d) => d.handle)).toEqual([a.handle]);
      expect(await indexMembers(f, userId)).toEqual([a.handle]);
    });

    it("refuses a user id that is empty or too long, and bindUser() meta over its limit", async () => {
      const sessions = f.sessions();
      await expect(sessions.users.list("")).rejects.toThrow(/user id/);
      await expect(sessions.users.endAll("x".repeat(257))).rejects.toThrow(/user id/);
      const s = await sessions.load(undefined);
      expect(() => s.bindUser("u", { blob: "x".repeat(2000) })).toThrow(/meta/);
    });
  });

  describe("maxSessionsPerUser", () => {
    it("evicts the session that ends soonest when a new login passes the limit", async () => {
      const sessions = f.sessions({ maxSessionsPerUser: 2 });
      const userId = freshUser();
      const first = await signIn(f, sessions, userId);
      await new Promise((r) => setTimeout(r, 1100));
      const second = await signIn(f, sessions, userId);
      const third = await signIn(f, sessions, userId);
      expect(await signedIn(sessions, first)).toBe(false);
      expect(await signedIn(sessions, second)).toBe(true);
      expect(await signedIn(sessions, third)).toBe(true);
      expect(await indexMembers(f, userId)).toEqual([second.handle, third.handle].sort());
    });

    it("is validated at creation", () => {
      expect(() => f.sessions({ maxSessionsPerUser: 0 })).toThrow(/maxSessionsPerUser/);
      expect(() => f.sessions({ maxSessionsPerUser: 1.5 })).toThrow(/maxSessionsPerUser/);
    });
  });

  describe("races", () => {
    it("an in-flight write of an ended session does not bring it back, nor its index member", async () => {
      const sessions = f.sessions();
      const userId = freshUser();
      const device = await signIn(f, sessions, userId);
      const inFlight = await sessions.load(device.cookie);
      inFlight.data.cart = ["book"];
      inFlight.regenerate();
      const refresh = await sessions.load(device.cookie);
      refresh.data.seen = true;
      expect(await sessions.users.endAll(userId)).toBe(1);
      // The refresh is due, so both writes send an index update beside the session write.
      await later(120, async () => {
        await Promise.all([sessions.commit(inFlight), sessions.commit(refresh)]);
      });
      expect(await keyExists(f, device.key)).toBe(false);
      expect(await signedIn(sessions, device)).toBe(false);
      expect(await indexMembers(f, userId)).toEqual([]);
    });

    it("endAll() racing logins: every login it missed is still listed, and no ended one comes back", async () => {
      const sessions = f.sessions();
      const userId = freshUser();
      const before = await Promise.all([1, 2, 3].map(() => signIn(f, sessions, userId)));
      const logins = [1, 2, 3, 4, 5].map(() => signIn(f, sessions, userId));
      const [ended] = await Promise.all([sessions.users.endAll(userId), ...logins]);
      const racing = await Promise.all(logins);
      for (const d of before) expect(await signedIn(sessions, d)).toBe(false);
      const alive = [];
      for (const d of racing) if (await signedIn(sessions, d)) alive.push(d.handle);
      expect(ended).toBe(3 + racing.length - alive.length);
      expect((await sessions.users.list(userId)).map((d) => d.handle).sort()).toEqual(alive.sort());
      const after = await signIn(f, sessions, userId);
      expect(await signedIn(sessions, after)).toBe(true);
    });

    it("with revoke, a login bound before the call and committed after it ends; one after survives", async () => {
      const sessions = f.sessions();
      const userId = freshUser();
      const racing = await sessions.load(undefined);
      racing.data.name = "ada";
      racing.bindUser(userId);
      const keeper = await signIn(f, sessions, userId);
      const kept = await sessions.load(keeper.cookie);
      await new Promise((r) => setTimeout(r, 5));
      expect(await sessions.users.endAll(userId, { except: kept, revoke: true })).toBe(0);
      await sessions.commit(kept);
      const r = await sessions.commit(racing);
      expect(r.setCookie).toBeUndefined();
      expect(await signedIn(sessions, keeper)).toBe(true);
      const after = await signIn(f, sessions, userId);
      expect(await signedIn(sessions, after)).toBe(true);
      expect((await sessions.users.list(userId)).map((d) => d.handle).sort()).toEqual(
        [keeper.handle, after.handle].sort(),
      );
    });

    it("with revoke, a session not in the index that writes later ends at that write", async () => {
      const sessions = f.sessions({ touchInterval: 60 });
      const userId = freshUser();
      const device = await signIn(f, sessions, userId);
      // Out of the index behind sessile's back, as a member lost to a failover would be.
      await f.raw.zrem(f.prefix + indexKeyOf(userId), device.handle);
      await new Promise((r) => setTimeout(r, 5));
      await sessions.users.endAll(userId, { revoke: true });
      expect(await signedIn(sessions, device)).toBe(true);
      // Its next write that moves its deadline (a refresh, at most touchInterval later) meets the stamp.
      await later(120, async () => {
        const s = await sessions.load(device.cookie);
        expect((await sessions.commit(s)).setCookie).toMatch(/Max-Age=0/);
      });
      expect(await signedIn(sessions, device)).toBe(false);
    });
  });
});
