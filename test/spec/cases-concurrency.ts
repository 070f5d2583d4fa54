import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { Browser, type Reply } from "./browser.js";
import { NEW_COOKIE, type SpecFixture } from "./fixture.js";

/** A `/race` path: `n` requests meet at one barrier after loading, then each waits `after` ms and does `op`. */
function race(
  barrier: string,
  n: number,
  op: string,
  params: Record<string, string> = {},
  after = 0,
): string {
  return `/race?${new URLSearchParams({ barrier, n: String(n), op, after: String(after), ...params })}`;
}

/** Every order in which the browser could receive `replies`. */
function orders<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) =>
    orders([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

/**
 * Concurrent requests of one visitor: real overlapping requests (barriers after the load, delays before
 * the commit, a paused Redis), checked at the server and by a jar that plays the responses back in every
 * order a browser could receive them.
 */
export function concurrencyCases(fx: SpecFixture): void {
  const name = () => randomBytes(6).toString("hex");

  /** The session the jar's cookie gives, after the replies arrived in `order`. */
  async function endState(
    cookie: string,
    order: readonly Reply[],
  ): Promise<{ data: unknown; superseded: boolean }> {
    const jar = new Browser(fx.app.url);
    jar.set("session", cookie);
    for (const reply of order) jar.absorb(reply);
    return (await jar.request("/race?op=read")).json();
  }

  describe("concurrent requests of one visitor", () => {
    it("two parallel requests changing different keys both keep their change", async () => {
      await fx.signIn();
      const b = name();
      const replies = await Promise.all([
        fx.browser.request(race(b, 2, "write", { "set.theme": "dark" })),
        fx.browser.request(race(b, 2, "write", { "set.lang": "fr" })),
      ]);
      expect(replies.map((r) => r.setCookies)).toEqual([[], []]);
      expect((await fx.browser.request("/read")).json()).toEqual({
        data: { user: "ada", theme: "dark", lang: "fr" },
        isNew: false,
      });
      const shapes = await fx.log.shapes();
      // Two loads, two compare-and-sets, one of them found the other's write and merged onto it.
      expect(shapes.filter((s) => s === "CAS SET EX")).toHaveLength(3);
      expect(fx.conflicts).toEqual([]);
    });

    it("a key one request deletes stays deleted while the other changes another key", async () => {
      await fx.signIn({ user: "ada", draft: "x" });
      const b = name();
      await Promise.all([
        fx.browser.request(race(b, 2, "delete", { key: "draft" })),
        fx.browser.request(race(b, 2, "write", { "set.step": "2" }, 50)),
      ]);
      expect((await fx.browser.request("/read")).json()).toEqual({
        data: { user: "ada", step: "2" },
        isNew: false,
      });
    });

    it("both changing one key: the later write's value is kept and onConflict hears it", async () => {
      await fx.signIn();
      const b = name();
      await Promise.all([
        fx.browser.request(race(b, 2, "write", { "set.color": "red" })),
        fx.browser.request(race(b, 2, "write", { "set.color": "blue" }, 80)),
      ]);
      expect((await fx.browser.request("/read")).json()).toEqual({
        data: { user: "ada", color: "blue" },
        isNew: false,
      });
      expect(fx.conflicts).toEqual([{ cookieName: "session", keys: ["color"], settings: [] }]);
    });

    it("writes held by a paused Redis land one after the other, merged, none lost", async () => {
      await fx.signIn();
      const pauser = new Redis(fx.redis.url);
      try {
        // Writes wait while reads go on: every request loads, then their compare-and-sets queue up.
        await pauser.call("CLIENT", "PAUSE", "400", "WRITE");
        const replies = await Promise.all(
          ["a", "b", "c", "d"].map((k) => fx.browser.request(race(name(), 1, "write", { [`set.${k}`]: k }))),
        );
        expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 200]);
      } finally {
        pauser.disconnect();
      }
      expect((await fx.browser.request("/read")).json()).toEqual({
        data: { user: "ada", a: "a", b: "b", c: "c", d: "d" },
        isNew: false,
      });
    });

    it("a logout against a slower write stays a logout, and only the logout clears the cookie", async () => {
      const cookie = await fx.signIn();
      const b = name();
      const [logout, write] = await Promise.all([
        fx.browser.request(race(b, 2, "logout"), { store: false }),
        fx.browser.request(race(b, 2, "write", { "set.late": "1" }, 100), { store: false }),
      ]);
      expect(logout.setCookie("session")).toMatch(/^session=; Max-Age=0;/);
      expect(write.setCookies).toEqual([]);
      for (const order of orders([logout, write])) {
        const end = await endState(cookie, order);
        expect(end.data).toEqual({});
      }
      expect((await fx.browser.request("/read", { cookie: `session=${cookie}` })).json()).toEqual({
        data: {},
        isNew: true,
      });
    });

    it("a login against parallel requests carrying the old cookie stays signed in, in every order of their responses", async () => {
      const cookie = await fx.signIn({ cart: "1" });
      const b = name();
      // In flight across the rotation: loaded before it, committed after it (and one before it).
      const inFlight = await Promise.all([
        fx.browser.request(race(b, 3, "login", { user: "grace" }, 30), { store: false }),
        fx.browser.request(race(b, 3, "write", { "set.seen": "1" }, 120), { store: false }),
        fx.browser.request(race(b, 3, "write", { "set.early": "1" }), { store: false }),
      ]);
      const login = inFlight[0] as Reply;
      expect(login.setCookie("session")).toMatch(NEW_COOKIE);
      // Sent with the old cookie after the rotation, before the browser has the new one.
      const late = await fx.browser.request("/race?op=write&set.after=1", {
        cookie: `session=${cookie}`,
        store: false,
      });
      expect(late.json()).toMatchObject({ superseded: true });
      for (const reply of [...inFlight.slice(1), late]) expect(reply.setCookies).toEqual([]);
      for (const order of orders([...inFlight, late])) {
        const end = await endState(cookie, order);
        expect(end).toEqual({ data: { cart: "1", user: "grace", seen: "1", early: "1" }, superseded: false });
      }
    });

    it("two parallel logins leave the browser signed in, whatever order their responses arrive in", async () => {
      const cookie = await fx.signIn();
      const b = name();
      const replies = await Promise.all([
        fx.browser.request(race(b, 2, "login", { user: "grace" }), { store: false }),
        fx.browser.request(race(b, 2, "login", { user: "grace" }, 60), { store: false }),
      ]);
      for (const order of orders(replies)) {
        const end = await endState(cookie, order);
        expect(end).toEqual({ data: { user: "grace" }, superseded: false });
      }
    });
  });
}
