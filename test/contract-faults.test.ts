import { createHmac } from "node:crypto";
import { beforeEach, describe, expect, it } from "vitest";
import {
  digestId,
  generateSessionId,
  type InvalidReason,
  type SessionOptions,
  type Sessions,
} from "../src/index.js";
import { CLIENT_KINDS } from "./helpers/clients.js";
import { useFakeClock } from "./helpers/clock.js";
import { cookiePair, createStored, SECRET, useRedis } from "./helpers/sessions.js";
import { storedFields } from "./helpers/stored.js";

const T = 1_900_000_000;
const CLEARED =
  /^session=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=\/; HttpOnly; SameSite=Lax$/;

describe.each(CLIENT_KINDS)("Redis contract, faults and modes, with %s", (kind) => {
  const f = useRedis(kind);
  const { at } = useFakeClock(T);

  beforeEach(async () => {
    await f.log.take();
  });

  function factory(options: Partial<SessionOptions> = {}): { sessions: Sessions; reasons: InvalidReason[] } {
    const reasons: InvalidReason[] = [];
    return { sessions: f.sessions({ onInvalid: (reason) => reasons.push(reason), ...options }), reasons };
  }

  describe("bad signature, malformed or oversized cookie", () => {
    it.each<[string, string]>([
      ["a bad signature", `session=${generateSessionId()}.${"A".repeat(43)}`],
      ["a malformed value", "session=%00%zz"],
      ["an oversized value", `session=${"a".repeat(600)}`],
    ])(
      "sends no command for %s and leaves the cookie alone (it cannot be attributed)",
      async (_name, header) => {
        const { sessions, reasons } = factory();
        const s = await sessions.load(header);
        void s.data.user;
        const r = await sessions.commit(s);
        expect(r.setCookie).toBeUndefined();
        expect(r.vary).toBe(true);
        expect(reasons).toEqual(["bad-signature"]);
        expect(await f.log.shapes()).toEqual([]);
      },
    );

    it("writes a new session instead of clearing when the handler writes", async () => {
      const { sessions } = factory();
      const s = await sessions.load(`session=${generateSessionId()}.${"A".repeat(43)}`);
      s.data.n = 1;
      const r = await sessions.commit(s);
      expect(r.setCookie).toMatch(/^session=[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}; Path=\//);
      expect(await f.log.shapes()).toEqual(["SET NX EX"]);
    });
  });

  describe("valid signature, key missing or expired", () => {
    function signed(): string {
      const id = generateSessionId();
      return `session=${id}.${createHmac("sha256", SECRET).update(`session=${id}`).digest("base64url")}`;
    }

    it("sends one GET, starts a new session and clears the stale cookie", async () => {
      const { sessions, reasons } = factory();
      const s = await sessions.load(signed());
      expect(s.isNew).toBe(true);
      const r = await sessions.commit(s);
      expect(r.setCookie).toMatch(CLEARED);
      expect(reasons).toEqual(["not-found"]);
      expect(await f.log.shapes()).toEqual(["GET"]);
    });

    it("sends GET then SET NX EX under a new id when the handler writes", async () => {
      const cookie = signed();
      const { sessions } = factory();
      const s = await sessions.load(cookie);
      s.data.n = 1;
      const r = await sessions.commit(s);
      expect(cookiePair(r.setCookie)).not.toBe(cookie);
      expect(await f.log.shapes()).toEqual(["GET", "SET NX EX"]);
    });

    it("treats a key Redis has expired the same way", async () => {
      const { pair, key } = await createStored(f);
      await f.raw.del(key);
      await f.log.take();
      const { sessions, reasons } = factory();
      const r = await sessions.commit(await sessions.load(pair));
      expect(r.setCookie).toMatch(CLEARED);
      expect(reasons).toEqual(["not-found"]);
      expect(await f.log.shapes()).toEqual(["GET"]);
    });
  });

  describe("stored payload corrupt or expired by its own timestamps", () => {
    it("sends GET, DEL for a corrupt payload, starts a new session and reports corrupt", async () => {
      const { pair, key } = await createStored(f);
      await f.raw.set(key, "{corrupt", "EX", 600);
      await f.log.take();
      const { sessions, reasons } = factory();
      const s = await sessions.load(pair);
      expect(s.isNew).toBe(true);
      expect(reasons).toEqual(["corrupt"]);
      expect((await sessions.commit(s)).setCookie).toMatch(CLEARED);
      expect(await f.log.shapes()).toEqual(["GET", "DEL"]);
    });

    it("sends GET, DEL for a payload past its idle timeout and reports expired", async () => {
      const { pair } = await createStored(f);
      at(1200);
      const { sessions, reasons } = factory();
      const s = await sessions.load(pair);
      expect(s.isNew).toBe(true);
      expect(reasons).toEqual(["expired"]);
      expect((await sessions.commit(s)).setCookie).toMatch(CLEARED);
      expect(await f.log.shapes()).toEqual(["GET", "DEL"]);
    });

    it("sends GET, DEL for a payload past its absolute timeout and reports expired", async () => {
      const { pair } = await createStored(f, { absoluteTimeout: 100 });
      at(100);
      const { sessions, reasons } = factory({ absoluteTimeout: 100 });
      expect((await sessions.load(pair)).isNew).toBe(true);
      expect(reasons).toEqual(["expired"]);
      expect(await f.log.shapes()).toEqual(["GET", "DEL"]);
    });

    it("writes the handler's data as a new session with SET NX EX after the DEL", async () => {
      const { pair } = await createStored(f);
      at(1300);
      const { sessions } = factory();
      const s = await sessions.load(pair);
      s.data.n = 1;
      const r = await sessions.commit(s);
      expect(cookiePair(r.setCookie)).not.toBe(pair);
      expect(await f.log.shapes()).toEqual(["GET", "DEL", "SET NX EX"]);
    });
  });

  describe("the compare-and-set finds the key gone", () => {
    it("resurrects nothing, leaves the cookie to the logout's own response and reports vanished", async () => {
      const { pair, key } = await createStored(f);
      const { sessions, reasons } = factory();
      const s = await sessions.load(pair);
      const b = await f.sessions().load(pair);
      await b.invalidate();
      await f.log.take();
      s.data.more = 1;
      const r = await sessions.commit(s);
      expect(await f.log.shapes()).toEqual(["CAS SET EX"]);
      expect(r.setCookie).toBeUndefined();
      expect(reasons).toEqual(["vanished"]);
      expect(await f.raw.exists(key)).toBe(0);
    });
  });

  describe("refresh due", () => {
    it("sends GET then SET XX EX with a new stored expiry for an unchanged session", async () => {
      const { pair, key } = await createStored(f);
      at(60);
      const { sessions } = factory();
      const s = await sessions.load(pair);
      void s.data.user;
      expect((await sessions.commit(s)).setCookie).toBeUndefined();
      expect(await f.log.shapes()).toEqual(["GET", "CAS SET EX"]);
      expect(storedFields(await f.raw.get(key))).toMatchObject({ x: T + 60 + 1200 });
      const ms = await f.raw.pttl(key);
      expect(ms).toBeGreaterThan(1198 * 1000);
      expect(ms).toBeLessThanOrEqual(1200 * 1000);
    });

    it("sends only GET one second before it is due", async () => {
      const { pair } = await createStored(f);
      at(59);
      const { sessions } = factory();
      await sessions.commit(await sessions.load(pair));
      expect(await f.log.shapes()).toEqual(["GET"]);
    });
  });

  describe("LRU mode (redisTtl: false)", () => {
    const lru = { redisTtl: false } as const;

    it("creates with SET NX and no EX", async () => {
      const { sessions } = factory(lru);
      const s = await sessions.load(undefined);
      s.data.n = 1;
      await sessions.commit(s);
      expect(await f.log.shapes()).toEqual(["SET NX"]);
      expect(await f.raw.pttl(f.prefix + digestId(s.id as string))).toBe(-1);
    });

    it("reads with one GET and writes with SET XX and no EX", async () => {
      const { pair } = await createStored(f, lru);
      const { sessions } = factory(lru);
      await sessions.commit(await sessions.load(pair));
      const s = await sessions.load(pair);
      s.data.more = 1;
      await sessions.commit(s);
      expect(await f.log.shapes()).toEqual(["GET", "GET", "CAS SET"]);
    });

    it("refreshes with SET XX and no EX", async () => {
      const { pair } = await createStored(f, lru);
      at(60);
      const { sessions } = factory(lru);
      await sessions.commit(await sessions.load(pair));
      expect(await f.log.shapes()).toEqual(["GET", "CAS SET"]);
    });

    it("regenerates with SET NX and DEL, no EX", async () => {
      const { pair } = await createStored(f, lru);
      const { sessions } = factory(lru);
      const s = await sessions.load(pair);
      s.regenerate();
      await sessions.commit(s);
      const shapes = await f.log.shapes();
      expect(shapes[0]).toBe("GET");
      expect(shapes.slice(1).sort()).toEqual(["SET NX", "SET XX GET EX"]);
    });

    it("invalidates with GET, GETDEL", async () => {
      const { pair } = await createStored(f, lru);
      const { sessions } = factory(lru);
      const s = await sessions.load(pair);
      await s.invalidate();
      expect((await sessions.commit(s)).setCookie).toMatch(CLEARED);
      expect(await f.log.shapes()).toEqual(["GET", "GETDEL"]);
    });

    it("sends GET, DEL for a session past its stored expiry", async () => {
      const { pair } = await createStored(f, lru);
      at(1200);
      const { sessions, reasons } = factory(lru);
      expect((await sessions.load(pair)).isNew).toBe(true);
      expect(reasons).toEqual(["expired"]);
      expect(await f.log.shapes()).toEqual(["GET", "DEL"]);
    });
  });
});
