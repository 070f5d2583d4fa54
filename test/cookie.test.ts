import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { CookieOptions, InvalidReason, SessionOptions } from "../src/index.js";
import { cookiePair, createStored, type StoredSession, useRedis } from "./helpers/sessions.js";

const CLEARED = "Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT";

describe("session cookie", () => {
  const f = useRedis("node-redis");
  beforeEach(async () => {
    await f.log.take();
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  /** A stored session, with the value part of its cookie. */
  async function stored(options: Partial<SessionOptions> = {}): Promise<StoredSession & { value: string }> {
    const session = await createStored(f, options);
    return { ...session, value: session.pair.slice(session.pair.indexOf("=") + 1) };
  }

  async function setCookieFor(cookie: CookieOptions, https = false): Promise<string> {
    const sessions = f.sessions({ cookie });
    const s = await sessions.load(undefined);
    s.data.n = 1;
    const r = await sessions.commit(s, { https });
    return r.setCookie as string;
  }

  describe("attributes", () => {
    it("defaults to HttpOnly, SameSite=Lax, Path=/ with no Secure, Domain or Max-Age over HTTP", async () => {
      const value = await setCookieFor({});
      expect(value).toMatch(
        /^session=[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax$/,
      );
    });

    it("adds Secure on HTTPS requests by default", async () => {
      expect(await setCookieFor({}, true)).toMatch(
        /^session=[^;]+; Path=\/; HttpOnly; Secure; SameSite=Lax$/,
      );
    });

    it("asks a function for HTTPS only when a cookie is sent", async () => {
      const sessions = f.sessions({});
      const s = await sessions.load(undefined);
      s.data.n = 1;
      const asked = vi.fn(() => true);
      const created = await sessions.commit(s, { https: asked });
      expect(created.setCookie).toMatch(/; HttpOnly; Secure; SameSite=Lax$/);
      expect(asked).toHaveBeenCalledTimes(1);
      const over = vi.fn(() => false);
      const read = await sessions.load(cookiePair(created.setCookie));
      expect(read.data.n).toBe(1);
      const unchanged = await sessions.commit(read, { https: over });
      expect(unchanged.setCookie).toBeUndefined();
      expect(over).not.toHaveBeenCalled();
      const again = await sessions.load(cookiePair(created.setCookie));
      await again.regenerate();
      const rotated = await sessions.commit(again, { https: over });
      expect(rotated.setCookie).toMatch(/; Path=\/; HttpOnly; SameSite=Lax$/);
      expect(over).toHaveBeenCalledTimes(1);
    });

    it.each<[string, CookieOptions, boolean, string]>([
      ["secure: true over HTTP", { secure: true }, false, "; Path=/; HttpOnly; Secure; SameSite=Lax"],
      ["secure: false over HTTPS", { secure: false }, true, "; Path=/; HttpOnly; SameSite=Lax"],
      [
        "a path and a domain",
        { path: "/app", domain: "example.com" },
        false,
        "; Path=/app; Domain=example.com; HttpOnly; SameSite=Lax",
      ],
      ["sameSite strict", { sameSite: "strict" }, false, "; Path=/; HttpOnly; SameSite=Strict"],
      [
        "sameSite none",
        { sameSite: "none", secure: true },
        false,
        "; Path=/; HttpOnly; Secure; SameSite=None",
      ],
      ["sameSite false", { sameSite: false }, false, "; Path=/; HttpOnly"],
      ["httpOnly false", { httpOnly: false }, false, "; Path=/; SameSite=Lax"],
      [
        "partitioned",
        { partitioned: true, secure: true },
        false,
        "; Path=/; HttpOnly; Secure; SameSite=Lax; Partitioned",
      ],
      ["priority high", { priority: "high" }, false, "; Path=/; HttpOnly; SameSite=Lax; Priority=High"],
      ["priority low", { priority: "low" }, false, "; Path=/; HttpOnly; SameSite=Lax; Priority=Low"],
      [
        "a __Host- name",
        { name: "__Host-sid", secure: true },
        false,
        "; Path=/; HttpOnly; Secure; SameSite=Lax",
      ],
    ])("writes %s", async (_name, cookie, https, attributes) => {
      const value = await setCookieFor(cookie, https);
      expect(value.slice(value.indexOf(";"))).toBe(attributes);
      expect(value.startsWith(`${cookie.name ?? "session"}=`)).toBe(true);
    });

    it("writes Max-Age and a matching Expires when maxAge is set", async () => {
      vi.useFakeTimers({ toFake: ["Date"] });
      vi.setSystemTime(new Date("2030-01-02T03:04:05.000Z"));
      const value = await setCookieFor({ maxAge: 3600 });
      expect(value).toMatch(
        /^session=[^;]+; Max-Age=3600; Expires=Wed, 02 Jan 2030 04:04:05 GMT; Path=\/; HttpOnly; SameSite=Lax$/,
      );
    });

    it("clears the cookie with the same name, path and domain", async () => {
      const { sessions, pair } = await stored({
        cookie: { name: "sid", path: "/app", domain: "example.com", secure: true },
      });
      const s = await sessions.load(pair);
      await s.invalidate();
      const r = await sessions.commit(s);
      expect(r.setCookie).toBe(
        `sid=; ${CLEARED}; Path=/app; Domain=example.com; HttpOnly; Secure; SameSite=Lax`,
      );
    });
  });

  describe("Vary: Cookie", () => {
    it("is not needed when no cookie came and none is sent", async () => {
      const sessions = f.sessions();
      const s = await sessions.load(undefined);
      void s.data.anything;
      expect(await sessions.commit(s)).toEqual({ setCookie: undefined, vary: false });
    });

    it("applies to a response that sets the cookie", async () => {
      const sessions = f.sessions();
      const s = await sessions.load("other=1");
      s.data.n = 1;
      expect((await sessions.commit(s)).vary).toBe(true);
    });

    it("applies to a response that read a presented session without sending a cookie", async () => {
      const { pair } = await stored();
      const sessions = f.sessions();
      const s = await sessions.load(pair);
      expect(s.data.user).toBe("ada");
      expect(await sessions.commit(s)).toEqual({ setCookie: undefined, vary: true });
    });

    it("applies to a response that clears the cookie", async () => {
      const sessions = f.sessions();
      const { pair, key } = await stored();
      await f.raw.del(key);
      const s = await sessions.load(pair);
      const r = await sessions.commit(s);
      expect(r.setCookie).toBe(`session=; ${CLEARED}; Path=/; HttpOnly; SameSite=Lax`);
      expect(r.vary).toBe(true);
    });
  });

  describe("reading the Cookie header", () => {
    it.each<[string, (pair: string, value: string) => string]>([
      ["among other cookies", (pair) => `a=1; ${pair}; b=2`],
      ["without spaces", (pair) => `a=1;${pair};b=2`],
      ["with tabs and extra spaces", (pair) => `a=1;\t  ${pair}  ;b=2`],
      ["with a space before '='", (_pair, value) => `a=1; session =${value}`],
      ["in double quotes", (_pair, value) => `session="${value}"`],
      [
        "after a cookie whose name ends with the same name",
        (pair, value) => `xsession=${value.slice(1)}; ${pair}`,
      ],
      ["after a cookie whose value contains the name", (pair) => `other=session=abc; ${pair}`],
    ])("finds the session cookie %s", async (_name, header) => {
      const { pair, value } = await stored();
      const sessions = f.sessions();
      const s = await sessions.load(header(pair, value));
      expect(s.isNew).toBe(false);
      expect(s.data.user).toBe("ada");
    });

    it.each<[string, (value: string) => string]>([
      ["a longer name ending in it", (value) => `xsession=${value}`],
      ["a longer name starting with it", (value) => `session2=${value}`],
      ["a name in another case", (value) => `Session=${value}`],
      ["another cookie's value", (value) => `other=session=${value}`],
      ["a name with a prefix", (value) => `__Host-session=${value}`],
    ])("ignores the value under %s", async (_name, header) => {
      const { value } = await stored();
      const reasons: InvalidReason[] = [];
      const sessions = f.sessions({ onInvalid: (reason) => reasons.push(reason) });
      const s = await sessions.load(header(value));
      expect(s.isNew).toBe(true);
      expect(reasons).toEqual([]);
      expect(await sessions.commit(s)).toEqual({ setCookie: undefined, vary: false });
      expect(await f.log.shapes()).toEqual([]);
    });

    it.each<[string, (value: string) => string]>([
      ["longer than 512 characters", (value) => `${value}${"a".repeat(513 - value.length)}`],
      ["with non-ASCII characters", (value) => `${value.slice(0, 10)}é${value.slice(11)}`],
      ["with a space inside", (value) => `${value.slice(0, 10)} ${value.slice(11)}`],
      ["with standard base64 characters", (value) => `${value.slice(0, 10)}+/${value.slice(12)}`],
      ["with padding", (value) => `${value}==`],
      ["with a comma", (value) => `${value},x`],
      ["with a control character", (value) => `${value.slice(0, 10)}\x01${value.slice(11)}`],
      ["with percent-encoding", (value) => value.replace(".", "%2E")],
      ["with an unbalanced quote", (value) => `"${value}`],
    ])(
      "treats a value %s as a bad cookie: fresh session, no Redis command, cookie left alone",
      async (_name, mangle) => {
        const { value } = await stored();
        const reasons: InvalidReason[] = [];
        const sessions = f.sessions({ onInvalid: (reason) => reasons.push(reason) });
        const s = await sessions.load(`a=1; session=${mangle(value)}`);
        expect(s.isNew).toBe(true);
        expect(s.data).toEqual({});
        expect(reasons).toEqual(["bad-signature"]);
        const r = await sessions.commit(s);
        expect(r.setCookie).toBeUndefined();
        expect(r.vary).toBe(true);
        expect(await f.log.shapes()).toEqual([]);
      },
    );

    it("issues a new cookie instead of clearing when the handler writes after a bad cookie", async () => {
      const sessions = f.sessions();
      const s = await sessions.load("session=not-a-signed-value");
      s.data.n = 1;
      const r = await sessions.commit(s);
      expect(r.setCookie).toMatch(/^session=[A-Za-z0-9_-]{43}\./);
      expect(await f.log.shapes()).toEqual(["SET NX EX"]);
    });
  });

  describe("duplicated cookies", () => {
    it("uses the first value that verifies, after bad ones", async () => {
      const { pair, value } = await stored();
      const sessions = f.sessions();
      const s = await sessions.load(`session=bogus; session=${value.toUpperCase()}; session=é; ${pair}`);
      expect(s.data.user).toBe("ada");
      expect(await f.log.shapes()).toEqual(["GET"]);
    });

    it("takes the first of two valid cookies, in header order", async () => {
      const a = await stored();
      const b = await stored();
      const sessions = f.sessions();
      expect((await sessions.load(`${a.pair}; ${b.pair}`)).id).toBe(a.id);
      expect((await sessions.load(`${b.pair}; ${a.pair}`)).id).toBe(b.id);
      expect(await f.log.shapes()).toEqual(["GET", "GET"]);
    });

    it("sends one GET only: a verified id that is not stored is not followed by later cookies", async () => {
      const gone = await stored();
      const live = await stored();
      const raw = f.sessions();
      const s0 = await raw.load(gone.pair);
      await s0.invalidate();
      await f.log.take();
      const reasons: InvalidReason[] = [];
      const sessions = f.sessions({ onInvalid: (reason) => reasons.push(reason) });
      const s = await sessions.load(`${gone.pair}; ${live.pair}`);
      expect(s.isNew).toBe(true);
      expect(reasons).toEqual(["not-found"]);
      expect(await f.log.shapes()).toEqual(["GET"]);
    });

    it("tries up to 64 values of the same name, so junk cookies in front cannot hide the real one", async () => {
      const { pair } = await stored();
      const reasons: InvalidReason[] = [];
      const sessions = f.sessions({ onInvalid: (reason) => reasons.push(reason) });
      const junk = (n: number) => Array.from({ length: n }, (_, i) => `session=bad${i}`).join("; ");
      const hidden = await sessions.load(`${junk(64)}; ${pair}`);
      expect(hidden.isNew).toBe(true);
      expect(reasons).toEqual(["bad-signature"]);
      expect(await f.log.shapes()).toEqual([]);
      expect(
        (await sessions.commit(hidden)).setCookie,
        "junk it cannot attribute is never cleared",
      ).toBeUndefined();
      expect((await sessions.load(`${junk(63)}; ${pair}`)).isNew).toBe(false);
      expect(await f.log.shapes()).toEqual(["GET"]);
    });

    it("loads quickly a header of thousands of same-name cookies", async () => {
      const header = Array.from({ length: 5000 }, (_, i) => `session=${"x".repeat(20)}.${i}`).join("; ");
      const sessions = f.sessions();
      const started = performance.now();
      const s = await sessions.load(header);
      expect(performance.now() - started).toBeLessThan(200);
      expect(s.isNew).toBe(true);
      expect(await f.log.shapes()).toEqual([]);
    });
  });

  describe("cookie name binding", () => {
    it("gives no session for a value signed for cookie A presented as cookie B", async () => {
      const { value } = await stored({ cookie: { name: "a" } });
      const reasons: InvalidReason[] = [];
      const b = f.sessions({ cookie: { name: "b" }, onInvalid: (reason) => reasons.push(reason) });
      const s = await b.load(`b=${value}`);
      expect(s.isNew).toBe(true);
      expect(reasons).toEqual(["bad-signature"]);
      expect(await f.log.shapes()).toEqual([]);
    });

    it("lets two factories read their own cookies from one header", async () => {
      const a = f.sessions({ cookie: { name: "a" } });
      const b = f.sessions({ cookie: { name: "b" } });
      const sa = await a.load(undefined);
      sa.data.who = "a";
      const sb = await b.load(undefined);
      sb.data.who = "b";
      const header = `${cookiePair((await a.commit(sa)).setCookie)}; ${cookiePair((await b.commit(sb)).setCookie)}`;
      expect((await a.load(header)).data.who).toBe("a");
      expect((await b.load(header)).data.who).toBe("b");
    });
  });
});
