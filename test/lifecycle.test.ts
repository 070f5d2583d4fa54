import { beforeEach, describe, expect, it, vi } from "vitest";
import { digestId, type Sessions } from "../src/index.js";
import { CLIENT_KINDS } from "./helpers/clients.js";
import { useFakeClock } from "./helpers/clock.js";
import { cookiePair, createStored, type StoredSession, useRedis } from "./helpers/sessions.js";
import { storedFields } from "./helpers/stored.js";

/** The fake clock starts here, in whole seconds since the epoch. */
const T = 1_900_000_000;

describe.each(CLIENT_KINDS)("session lifetime with %s", (kind) => {
  const f = useRedis(kind);
  const { at } = useFakeClock(T);

  beforeEach(async () => {
    await f.log.take();
  });

  /** One request that only reads the session; returns the Set-Cookie it produced. */
  async function read({ sessions, pair }: StoredSession): Promise<string | undefined> {
    const s = await sessions.load(pair);
    void s.data.user;
    return (await sessions.commit(s)).setCookie;
  }

  /** The stored payload, after draining the command log of the GET itself. */
  async function payload(key: string): Promise<Record<string, unknown>> {
    const text = await f.raw.get(key);
    await f.log.take();
    return storedFields(text);
  }

  /** PTTL of `key` in milliseconds, after draining the command log of the PTTL itself. */
  async function pttl(key: string): Promise<number> {
    const ms = await f.raw.pttl(key);
    await f.log.take();
    return ms;
  }

  /** Asserts the TTL is `seconds` (give or take the time the test took) and never above it. */
  async function expectTtl(key: string, seconds: number): Promise<void> {
    const ms = await pttl(key);
    expect(ms).toBeGreaterThan((seconds - 2) * 1000);
    expect(ms).toBeLessThanOrEqual(seconds * 1000);
  }

  describe("idle timeout", () => {
    it("creates the key with EX idleTimeout", async () => {
      const { key } = await createStored(f);
      expect(await payload(key)).toMatchObject({ c: T, t: 1200, x: T + 1200 });
      await expectTtl(key, 1200);
    });

    it("loads the session until its stored expiry and expires it at now >= x even if the key exists", async () => {
      const stored = await createStored(f);
      at(1199);
      expect((await stored.sessions.load(stored.pair)).data.user).toBe("ada");
      at(1200);
      const s = await stored.sessions.load(stored.pair);
      expect(s.isNew).toBe(true);
      expect(stored.reasons).toEqual(["expired"]);
      expect(await f.log.shapes()).toEqual(["GET", "GET", "DEL"]);
      expect(await f.raw.exists(stored.key)).toBe(0);
      expect((await stored.sessions.commit(s)).setCookie).toMatch(/^session=; Max-Age=0;/);
    });

    it("ends an idle session between idleTimeout - touchInterval and idleTimeout after its last request", async () => {
      const stored = await createStored(f);
      at(59);
      await read(stored);
      at(59 + 1141);
      expect((await stored.sessions.load(stored.pair)).isNew).toBe(true);
      expect(stored.reasons).toEqual(["expired"]);
    });
  });

  describe("LRU mode (redisTtl: false)", () => {
    it("writes without a TTL, enforces the stored expiry on load and deletes the stale key", async () => {
      const stored = await createStored(f, { redisTtl: false });
      expect(await pttl(stored.key)).toBe(-1);
      at(30);
      const s = await stored.sessions.load(stored.pair);
      s.data.more = 1;
      await stored.sessions.commit(s);
      at(90);
      await read(stored);
      expect(await f.log.shapes()).toEqual(["GET", "CAS SET", "GET", "CAS SET"]);
      expect(await pttl(stored.key)).toBe(-1);
      at(90 + 1200);
      expect((await stored.sessions.load(stored.pair)).isNew).toBe(true);
      expect(stored.reasons).toEqual(["expired"]);
      expect(await f.log.shapes()).toEqual(["GET", "DEL"]);
      expect(await f.raw.exists(stored.key)).toBe(0);
    });

    it("keeps a session with no timeout at all, with no t or x stored", async () => {
      const stored = await createStored(f, { redisTtl: false, idleTimeout: null });
      expect(await payload(stored.key)).toEqual({ v: 1, r: 1, c: T, m: { user: "ada" } });
      at(10 * 365 * 24 * 3600);
      expect(await read(stored)).toBeUndefined();
      expect(await f.log.shapes()).toEqual(["GET"]);
    });
  });

  describe("touchInterval", () => {
    it("does not write an unchanged session before the interval has passed", async () => {
      const stored = await createStored(f);
      at(59);
      expect(await read(stored)).toBeUndefined();
      expect(await f.log.shapes()).toEqual(["GET"]);
    });

    it("refreshes an unchanged session once the interval has passed: SET XX EX with a new stored expiry", async () => {
      const stored = await createStored(f);
      at(60);
      expect(await read(stored)).toBeUndefined();
      expect(await f.log.shapes()).toEqual(["GET", "CAS SET EX"]);
      expect(await payload(stored.key)).toMatchObject({ c: T, t: 1200, x: T + 60 + 1200 });
      await expectTtl(stored.key, 1200);
    });

    it("keeps the stored expiry on a write that is not a refresh, with EX x - now", async () => {
      const stored = await createStored(f);
      at(30);
      const s = await stored.sessions.load(stored.pair);
      s.data.more = 1;
      await stored.sessions.commit(s);
      expect(await f.log.shapes()).toEqual(["GET", "CAS SET EX"]);
      expect(await payload(stored.key)).toMatchObject({ x: T + 1200, m: { user: "ada", more: 1 } });
      await expectTtl(stored.key, 1170);
    });

    it("gives no write for 100 reads inside the interval", async () => {
      const stored = await createStored(f);
      for (let i = 0; i < 100; i++) {
        vi.setSystemTime(T * 1000 + i * 590);
        await read(stored);
      }
      const shapes = await f.log.shapes();
      expect(shapes.filter((s) => s.startsWith("SET"))).toEqual([]);
      expect(shapes).toHaveLength(100);
    });

    it("gives exactly one write for 100 reads spanning one refresh", async () => {
      const stored = await createStored(f);
      for (let i = 0; i < 100; i++) {
        vi.setSystemTime((T + 30) * 1000 + i * 590);
        await read(stored);
      }
      expect((await f.log.shapes()).filter((s) => s !== "GET")).toEqual(["CAS SET EX"]);
    });

    it("refreshes on every request when it is 0", async () => {
      const stored = await createStored(f, { touchInterval: 0 });
      at(1);
      await read(stored);
      at(2);
      await read(stored);
      expect(await f.log.shapes()).toEqual(["GET", "CAS SET EX", "GET", "CAS SET EX"]);
      expect(await payload(stored.key)).toMatchObject({ x: T + 2 + 1200 });
    });

    it("is bypassed by touch()", async () => {
      const stored = await createStored(f);
      at(10);
      const s = await stored.sessions.load(stored.pair);
      s.touch();
      await stored.sessions.commit(s);
      expect(await f.log.shapes()).toEqual(["GET", "CAS SET EX"]);
      expect(await payload(stored.key)).toMatchObject({ x: T + 10 + 1200 });
    });
  });

  describe("cookie Max-Age", () => {
    it("re-sends the cookie on a refresh and never otherwise when cookie.maxAge is set", async () => {
      const stored = await createStored(f, { cookie: { maxAge: 86400 } });
      at(30);
      const s = await stored.sessions.load(stored.pair);
      s.data.more = 1;
      expect((await stored.sessions.commit(s)).setCookie).toBeUndefined();
      at(60);
      const refreshed = await read(stored);
      expect(cookiePair(refreshed)).toBe(stored.pair);
      expect(refreshed).toMatch(/; Max-Age=86400; Expires=/);
      at(61);
      expect(await read(stored)).toBeUndefined();
    });

    it("does not re-send a browser-session cookie on a refresh", async () => {
      const stored = await createStored(f);
      at(60);
      expect(await read(stored)).toBeUndefined();
      expect(await f.log.shapes()).toEqual(["GET", "CAS SET EX"]);
    });
  });

  describe("absolute timeout", () => {
    const options = { absoluteTimeout: 3000 };

    it("sends the smaller of the idle and absolute deadlines as the TTL", async () => {
      const { key } = await createStored(f, { absoluteTimeout: 600 });
      await expectTtl(key, 600);
    });

    it("never pushes the TTL past createdAt + absoluteTimeout", async () => {
      const stored = await createStored(f, options);
      for (let now = 100; now < 3000; now += 290) {
        at(now);
        await read(stored);
        const ms = await pttl(stored.key);
        expect(ms).toBeGreaterThan(0);
        expect(ms).toBeLessThanOrEqual(Math.min(1200, 3000 - now) * 1000);
      }
      expect(await payload(stored.key)).toMatchObject({ c: T });
    });

    it("ends the session at createdAt + absoluteTimeout however active it is", async () => {
      const stored = await createStored(f, options);
      for (const now of [1000, 2000, 2950]) {
        at(now);
        await read(stored);
      }
      at(2999);
      expect((await stored.sessions.load(stored.pair)).isNew).toBe(false);
      at(3000);
      expect((await stored.sessions.load(stored.pair)).isNew).toBe(true);
      expect(stored.reasons).toEqual(["expired"]);
      expect(await f.raw.exists(stored.key)).toBe(0);
    });

    it("deletes instead of writing when the deadline passes during the request", async () => {
      const stored = await createStored(f, { ...options, idleTimeout: 5000 });
      at(2999);
      const s = await stored.sessions.load(stored.pair);
      s.data.more = 1;
      at(3000);
      const r = await stored.sessions.commit(s);
      expect(await f.log.shapes()).toEqual(["GET", "DEL"]);
      expect(r.setCookie).toMatch(/^session=; Max-Age=0;/);
      expect(await f.raw.exists(stored.key)).toBe(0);
    });

    it("deletes instead of writing in LRU mode too", async () => {
      const stored = await createStored(f, { ...options, idleTimeout: 5000, redisTtl: false });
      at(2999);
      const s = await stored.sessions.load(stored.pair);
      s.data.more = 1;
      at(3001);
      await stored.sessions.commit(s);
      expect(await f.log.shapes()).toEqual(["GET", "DEL"]);
    });
  });

  describe("session.adjustTimeout()", () => {
    it("stores the session's own idle timeout and extends the expiry now", async () => {
      const stored = await createStored(f);
      at(10);
      const s = await stored.sessions.load(stored.pair);
      s.adjustTimeout(7200);
      await stored.sessions.commit(s);
      expect(await f.log.shapes()).toEqual(["GET", "CAS SET EX"]);
      expect(await payload(stored.key)).toMatchObject({ t: 7200, x: T + 10 + 7200 });
      await expectTtl(stored.key, 7200);
      at(5000);
      await read(stored);
      expect(await payload(stored.key)).toMatchObject({ t: 7200, x: T + 5000 + 7200 });
    });

    it("with null keeps the session until the absolute deadline only", async () => {
      const stored = await createStored(f, { absoluteTimeout: 3000 });
      const s = await stored.sessions.load(stored.pair);
      s.adjustTimeout(null);
      await stored.sessions.commit(s);
      expect(await payload(stored.key)).toEqual({ v: 1, r: 2, c: T, m: { user: "ada" } });
      await expectTtl(stored.key, 3000);
      at(2500);
      expect(await read(stored)).toBeUndefined();
      expect(await f.log.shapes()).toEqual(["GET"]);
      at(3000);
      expect((await stored.sessions.load(stored.pair)).isNew).toBe(true);
    });

    it("with null throws when no absolute timeout would end the session", async () => {
      const stored = await createStored(f);
      const s = await stored.sessions.load(stored.pair);
      expect(() => s.adjustTimeout(null)).toThrow(
        /^sessile: adjustTimeout\(null\) would make a session that never expires; set absoluteTimeout or use redisTtl: false$/,
      );
      const lru = await createStored(f, { redisTtl: false });
      const t = await lru.sessions.load(lru.pair);
      t.adjustTimeout(null);
      await lru.sessions.commit(t);
      expect(await payload(lru.key)).toEqual({ v: 1, r: 2, c: T, m: { user: "ada" } });
    });

    it("keeps an active session alive even when its timeout is shorter than touchInterval", async () => {
      const stored = await createStored(f);
      const s = await stored.sessions.load(stored.pair);
      let rejected = false;
      try {
        s.adjustTimeout(30);
      } catch (error) {
        // Rejecting the call is a correct answer too, as long as it says why.
        expect(error).toMatchObject({ code: "invalid-argument" });
        rejected = true;
      }
      await stored.sessions.commit(s);
      if (rejected) return;
      for (let now = 20; now <= 100; now += 20) {
        at(now);
        const again = await stored.sessions.load(stored.pair);
        expect(again.isNew, `session lost at +${now}s with requests every 20 s`).toBe(false);
        await stored.sessions.commit(again);
      }
    });
  });

  describe("expiry invariants", () => {
    it("never sends a SET without EX for a stored session that has no t, unless in LRU mode", async () => {
      const stored = await createStored(f);
      await f.raw.set(stored.key, JSON.stringify({ v: 1, c: T, m: { user: "ada" } }), "EX", 1200);
      await f.log.take();
      const s = await stored.sessions.load(stored.pair);
      s.data.more = 1;
      await stored.sessions.commit(s);
      const shapes = await f.log.shapes();
      for (const shape of shapes.filter((x) => x.startsWith("SET"))) expect(shape).toMatch(/ EX$/);
      if ((await f.raw.exists(stored.key)) === 1) {
        const ms = await pttl(stored.key);
        expect(ms).toBeGreaterThan(0);
        expect(ms).toBeLessThanOrEqual(1200 * 1000);
      }
    });

    it("keeps 0 < PTTL <= min(idle, createdAt + absolute - now) after every kind of write", async () => {
      const options = { absoluteTimeout: 2000, idleTimeout: 900, touchInterval: 60 };
      const stored = await createStored(f, options);
      const check = async (now: number) => {
        const { t } = await payload(stored.key);
        const ms = await pttl(stored.key);
        expect(ms).toBeGreaterThan(0);
        expect(ms).toBeLessThanOrEqual(Math.min(t as number, 2000 - now) * 1000);
      };
      await check(0);
      const steps: [number, (s: Awaited<ReturnType<Sessions["load"]>>) => void][] = [
        [
          30,
          (s) => {
            s.data.a = 1;
          },
        ],
        [100, (s) => void s.data.user],
        [120, (s) => s.touch()],
        [150, (s) => s.flash("hi")],
        [500, (s) => s.adjustTimeout(1500)],
        [1500, (s) => void s.getCsrfToken()],
        [1900, (s) => s.adjustCookieMaxAge(60)],
        [1990, (s) => s.changed()],
      ];
      for (const [now, act] of steps) {
        at(now);
        const s = await stored.sessions.load(stored.pair);
        expect(s.isNew).toBe(false);
        act(s);
        await stored.sessions.commit(s);
        await check(now);
      }
    });
  });

  describe("session.regenerate()", () => {
    it("moves the data to a new key with SET NX EX, leaves a marker under the old key and keeps createdAt", async () => {
      const stored = await createStored(f);
      at(100);
      const s = await stored.sessions.load(stored.pair);
      s.regenerate();
      const r = await stored.sessions.commit(s);
      const shapes = await f.log.shapes();
      expect(shapes[0]).toBe("GET");
      expect(shapes.slice(1).sort()).toEqual(["SET NX EX", "SET XX GET EX"]);
      const newKey = f.prefix + digestId(s.id as string);
      expect(newKey).not.toBe(stored.key);
      // The old key is a short-lived marker, so racing requests with the old cookie are recognised.
      expect(await f.raw.get(stored.key)).toBe(`sessile-rotated:${digestId(s.id as string)}`);
      await expectTtl(stored.key, 60);
      expect(await payload(newKey)).toEqual({
        v: 1,
        r: 2,
        c: T,
        t: 1200,
        x: T + 100 + 1200,
        m: { user: "ada" },
      });
      await expectTtl(newKey, 1200);
      const old = await stored.sessions.load(stored.pair);
      expect([old.isNew, old.superseded, old.data]).toEqual([true, true, {}]);
      expect(stored.reasons).toEqual(["rotated"]);
      const again = await stored.sessions.load(cookiePair(r.setCookie));
      expect(again.data.user).toBe("ada");
      expect(again.createdAt.getTime()).toBe(T * 1000);
    });

    it("on a new session creates it once", async () => {
      const sessions = f.sessions();
      const s = await sessions.load(undefined);
      s.data.user = "ada";
      s.regenerate();
      expect((await sessions.commit(s)).setCookie).toMatch(/^session=/);
      expect(await f.log.shapes()).toEqual(["SET NX EX"]);
    });
  });

  describe("session.invalidate()", () => {
    it("deletes the key before the commit and the commit clears the cookie", async () => {
      const stored = await createStored(f, { cookie: { path: "/app", domain: "example.com" } });
      const s = await stored.sessions.load(stored.pair);
      await s.invalidate();
      expect(await f.raw.exists(stored.key)).toBe(0);
      expect(s.data).toEqual({});
      expect(s.isNew).toBe(true);
      const r = await stored.sessions.commit(s, { failed: true });
      expect(r.setCookie).toBe(
        "session=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/app; Domain=example.com; HttpOnly; SameSite=Lax",
      );
      expect((await stored.sessions.load(stored.pair)).isNew).toBe(true);
    });
  });

  describe("invalidateEmpty", () => {
    it("deletes a session whose values were all set to undefined, as JSON would drop them", async () => {
      const stored = await createStored(f);
      const s = await stored.sessions.load(stored.pair);
      s.data.user = undefined;
      const r = await stored.sessions.commit(s);
      expect(await f.log.shapes()).toEqual(["GET", "CAS DEL"]);
      expect(r.setCookie).toMatch(/^session=; Max-Age=0;/);
    });

    it("when false, keeps and rewrites an emptied session without clearing its cookie", async () => {
      const stored = await createStored(f, { invalidateEmpty: false });
      const s = await stored.sessions.load(stored.pair);
      delete s.data.user;
      const r = await stored.sessions.commit(s);
      expect(r.setCookie).toBeUndefined();
      expect(await f.log.shapes()).toEqual(["GET", "CAS SET EX"]);
      expect(await payload(stored.key)).toMatchObject({ m: {} });
      expect((await stored.sessions.load(stored.pair)).isNew).toBe(false);
    });
  });
});
