import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import ts from "typescript";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import {
  digestId,
  type InvalidDetails,
  type InvalidReason,
  type ResponseInfo,
  type Session,
  SessionError,
} from "../src/index.js";
import { useFakeClock } from "./helpers/clock.js";
import { cookiePair, createStored, keyExists, SECRET, useRedis } from "./helpers/sessions.js";
import { storedFields } from "./helpers/stored.js";

const T = 1_900_000_000;

function response(status = 200, headers: Record<string, string> = {}): ResponseInfo {
  return { status, header: (name) => headers[name.toLowerCase()] };
}

describe("Session", () => {
  const f = useRedis("ioredis");
  const clock = useFakeClock(T, { eachTest: false });

  beforeEach(async () => {
    await f.log.take();
  });

  describe("data, id, isNew, createdAt", () => {
    it("starts empty and new with no id, and gets a 43-character id once written", async () => {
      clock.start();
      vi.setSystemTime(T * 1000 + 789);
      const sessions = f.sessions();
      const s = await sessions.load(undefined);
      expect(s.data).toEqual({});
      expect(s.isNew).toBe(true);
      expect(s.id).toBeNull();
      expect(s.createdAt.getTime()).toBe(T * 1000);
      s.data.n = 1;
      await sessions.commit(s);
      expect(s.isNew).toBe(false);
      expect(s.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    });

    it("keeps createdAt across requests", async () => {
      clock.start();
      const { sessions, pair } = await createStored(f);
      clock.at(500);
      expect((await sessions.load(pair)).createdAt.getTime()).toBe(T * 1000);
    });

    it("accepts a plain object or a null-prototype object as data and persists it", async () => {
      const { sessions, pair } = await createStored(f);
      const s = await sessions.load(pair);
      s.data = { replaced: true };
      await sessions.commit(s);
      expect((await sessions.load(pair)).data).toEqual({ replaced: true });
      const t = await sessions.load(pair);
      const bare = Object.assign(Object.create(null) as Record<string, unknown>, { bare: 1 });
      t.data = bare;
      await sessions.commit(t);
      expect((await sessions.load(pair)).data).toEqual({ bare: 1 });
    });

    it.each<[string, unknown]>([
      ["null", null],
      ["an array", [1]],
      ["a string", "data"],
      ["a Map", new Map()],
      ["a Date", new Date()],
      ["a class instance", new (class Data {})()],
    ])("rejects %s as data", async (_name, value) => {
      const s = await f.sessions().load(undefined);
      expect(() => {
        s.data = value as never;
      }).toThrow(/^sessile: session\.data must be a plain object$/);
    });
  });

  describe("changed() with detectChanges: false", () => {
    it("writes nothing for changes made without changed()", async () => {
      const { sessions, pair } = await createStored(f, { detectChanges: false });
      const s = await sessions.load(pair);
      s.data.user = "grace";
      await sessions.commit(s);
      expect(await f.log.shapes()).toEqual(["GET"]);
      expect((await sessions.load(pair)).data.user).toBe("ada");
    });

    it("writes nested changes once changed() is called", async () => {
      const { sessions, pair } = await createStored(f, { detectChanges: false }, { cart: { items: [] } });
      const s = await sessions.load(pair);
      (s.data.cart as { items: string[] }).items.push("a");
      s.changed();
      await sessions.commit(s);
      expect(await f.log.shapes()).toEqual(["GET", "CAS SET EX"]);
      expect((await sessions.load(pair)).data.cart).toEqual({ items: ["a"] });
    });

    it("still creates a new session that has data", async () => {
      const sessions = f.sessions({ detectChanges: false });
      const s = await sessions.load(undefined);
      s.data.n = 1;
      expect((await sessions.commit(s)).setCookie).toMatch(/^session=/);
    });
  });

  describe("invalidate()", () => {
    it("deletes the key at once, so logout holds even if the handler then fails", async () => {
      const { sessions, pair, key } = await createStored(f);
      const s = await sessions.load(pair);
      await s.invalidate();
      expect(await keyExists(f, key)).toBe(false);
      expect(s.data).toEqual({});
      const r = await sessions.commit(s, { failed: true });
      expect(r.setCookie).toMatch(/^session=; Max-Age=0;/);
    });

    it("starts a fresh session with a new id when written afterwards", async () => {
      const { sessions, pair, id } = await createStored(f);
      const s = await sessions.load(pair);
      await s.invalidate();
      s.data.fresh = true;
      const r = await sessions.commit(s);
      expect(s.id).not.toBe(id);
      expect((await sessions.load(cookiePair(r.setCookie))).data).toEqual({ fresh: true });
    });

    it("on a new session sends no command", async () => {
      const sessions = f.sessions();
      const s = await sessions.load(undefined);
      s.data.n = 1;
      await s.invalidate();
      expect(await sessions.commit(s)).toEqual({ setCookie: undefined, vary: false });
      expect(await f.log.shapes()).toEqual([]);
    });

    it("after save() deletes the session that save() wrote", async () => {
      const sessions = f.sessions();
      const s = await sessions.load(undefined);
      s.data.n = 1;
      await s.save();
      const key = f.prefix + digestId(s.id as string);
      await s.invalidate();
      expect(await f.log.shapes()).toEqual(["SET NX EX", "GETDEL"]);
      expect(await keyExists(f, key)).toBe(false);
      expect((await sessions.commit(s)).setCookie).toBeUndefined();
    });
  });

  describe("regenerate()", () => {
    it("keeps data, flash and CSRF token under a new id", async () => {
      const { sessions, pair, id } = await createStored(f);
      const s0 = await sessions.load(pair);
      s0.flash("welcome");
      const token = s0.getCsrfToken();
      await sessions.commit(s0);
      const s = await sessions.load(pair);
      s.regenerate();
      const r = await sessions.commit(s);
      expect(s.id).not.toBe(id);
      const next = await sessions.load(cookiePair(r.setCookie));
      expect(next.data).toEqual({ user: "ada" });
      expect(next.peekFlash()).toEqual(["welcome"]);
      expect(next.verifyCsrfToken(token)).toBe(true);
    });
  });

  describe("adjustTimeout() and adjustCookieMaxAge()", () => {
    it.each<[string, unknown]>([
      ["0", 0],
      ["a negative number", -1],
      ["a fraction", 1.5],
      ["NaN", Number.NaN],
      ["Infinity", Number.POSITIVE_INFINITY],
      ["a string", "60"],
    ])("adjustTimeout rejects %s", async (_name, value) => {
      const s = await f.sessions().load(undefined);
      let error: unknown;
      try {
        s.adjustTimeout(value as number);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(SessionError);
      expect((error as SessionError).code).toBe("invalid-argument");
      expect((error as SessionError).message).toMatch(
        /^sessile: adjustTimeout takes a whole number of seconds from 1 to \d+, or null$/,
      );
    });

    it.each<[string, unknown]>([
      ["0", 0],
      ["over 400 days", 400 * 86400 + 1],
      ["a fraction", 0.5],
      ["a string", "3600"],
    ])("adjustCookieMaxAge rejects %s", async (_name, value) => {
      const s = await f.sessions().load(undefined);
      let error: unknown;
      try {
        s.adjustCookieMaxAge(value as number);
      } catch (e) {
        error = e;
      }
      expect((error as SessionError).code).toBe("invalid-argument");
      expect((error as SessionError).message).toBe(
        "sessile: adjustCookieMaxAge takes a whole number of seconds from 1 to 34560000, or null",
      );
    });

    it("adjustCookieMaxAge(seconds) re-sends the cookie now and on every later refresh", async () => {
      clock.start();
      const { sessions, pair } = await createStored(f);
      const s = await sessions.load(pair);
      s.adjustCookieMaxAge(3600);
      const r = await sessions.commit(s);
      expect(cookiePair(r.setCookie)).toBe(pair);
      expect(r.setCookie).toMatch(/; Max-Age=3600; Expires=/);
      expect(await f.log.shapes()).toEqual(["GET", "CAS SET EX"]);
      clock.at(30);
      expect((await sessions.commit(await sessions.load(pair))).setCookie).toBeUndefined();
      clock.at(90);
      expect((await sessions.commit(await sessions.load(pair))).setCookie).toMatch(
        /; Max-Age=3600; Expires=/,
      );
    });

    it("adjustCookieMaxAge(null) makes a browser-session cookie that stays one", async () => {
      clock.start();
      const { sessions, pair, key } = await createStored(f, { cookie: { maxAge: 86400 } });
      const s = await sessions.load(pair);
      s.adjustCookieMaxAge(null);
      const r = await sessions.commit(s);
      expect(r.setCookie).toBe(`${pair}; Path=/; HttpOnly; SameSite=Lax`);
      expect(storedFields(await f.raw.get(key))).toMatchObject({ a: 0 });
      clock.at(90);
      expect((await sessions.commit(await sessions.load(pair))).setCookie).toBeUndefined();
    });
  });

  describe("recookie() and touch()", () => {
    it("recookie() re-sends the same cookie without a write", async () => {
      const { sessions, pair } = await createStored(f);
      const s = await sessions.load(pair);
      s.recookie();
      expect(cookiePair((await sessions.commit(s)).setCookie)).toBe(pair);
      expect(await f.log.shapes()).toEqual(["GET"]);
    });

    it("recookie() on a session that is not stored sends nothing", async () => {
      const sessions = f.sessions();
      const s = await sessions.load(undefined);
      s.recookie();
      expect(await sessions.commit(s)).toEqual({ setCookie: undefined, vary: false });
    });

    it("touch() on a new empty session sends nothing", async () => {
      const sessions = f.sessions();
      const s = await sessions.load(undefined);
      s.touch();
      expect(await sessions.commit(s)).toEqual({ setCookie: undefined, vary: false });
      expect(await f.log.shapes()).toEqual([]);
    });
  });

  describe("save()", () => {
    it("writes a new session at once and the commit only sends its cookie", async () => {
      const sessions = f.sessions();
      const s = await sessions.load(undefined);
      s.data.n = 1;
      await s.save();
      expect(await f.log.shapes()).toEqual(["SET NX EX"]);
      expect(s.isNew).toBe(false);
      const r = await sessions.commit(s);
      expect(r.setCookie).toMatch(new RegExp(`^session=${s.id}\\.`));
      expect(await f.log.shapes()).toEqual([]);
    });

    it("leaves the commit to write only what changed after it", async () => {
      const { sessions, pair } = await createStored(f);
      const s = await sessions.load(pair);
      s.data.step = 1;
      await s.save();
      s.data.step = 2;
      await sessions.commit(s);
      expect(await f.log.shapes()).toEqual(["GET", "CAS SET EX", "CAS SET EX"]);
      expect((await sessions.load(pair)).data.step).toBe(2);
    });

    it("of an unchanged session sends nothing, twice", async () => {
      const { sessions, pair } = await createStored(f);
      const s = await sessions.load(pair);
      void s.data.user;
      await s.save();
      await s.save();
      await sessions.commit(s);
      expect(await f.log.shapes()).toEqual(["GET"]);
    });
  });

  describe("flash messages", () => {
    it("queue, survive to the next request and are removed by popFlash()", async () => {
      const { sessions, pair } = await createStored(f);
      const s = await sessions.load(pair);
      s.flash("saved");
      s.flash("saved");
      s.flash({ text: "disk low" }, { queue: "warnings" });
      s.flash({ text: "disk low" }, { queue: "warnings", allowDuplicate: false });
      s.flash("once", { allowDuplicate: false });
      s.flash("once", { allowDuplicate: false });
      await sessions.commit(s);
      const next = await sessions.load(pair);
      expect(next.peekFlash()).toEqual(["saved", "saved", "once"]);
      expect(next.peekFlash("warnings")).toEqual([{ text: "disk low" }]);
      expect(next.popFlash("warnings")).toEqual([{ text: "disk low" }]);
      expect(next.popFlash("warnings")).toEqual([]);
      await sessions.commit(next);
      const third = await sessions.load(pair);
      expect(third.peekFlash("warnings")).toEqual([]);
      expect(third.peekFlash()).toEqual(["saved", "saved", "once"]);
    });

    it("peekFlash() returns a copy that leaves the queue alone", async () => {
      const s = await f.sessions().load(undefined);
      s.flash("a");
      const peeked = s.peekFlash();
      peeked.push("b");
      peeked.length = 0;
      expect(s.peekFlash()).toEqual(["a"]);
    });

    it("popFlash() of an empty queue writes nothing", async () => {
      const { sessions, pair } = await createStored(f);
      const s = await sessions.load(pair);
      expect(s.popFlash()).toEqual([]);
      expect(s.popFlash("nope")).toEqual([]);
      await sessions.commit(s);
      expect(await f.log.shapes()).toEqual(["GET"]);
    });

    it("a session that held only flash messages is deleted once they are popped", async () => {
      const sessions = f.sessions();
      const s = await sessions.load(undefined);
      s.flash("hello");
      const pair = cookiePair((await sessions.commit(s)).setCookie);
      await f.log.take();
      const next = await sessions.load(pair);
      expect(next.popFlash()).toEqual(["hello"]);
      const r = await sessions.commit(next);
      expect(await f.log.shapes()).toEqual(["GET", "CAS DEL"]);
      expect(r.setCookie).toMatch(/^session=; Max-Age=0;/);
    });
  });

  describe("CSRF token", () => {
    it("is made on first use, 43 base64url characters, and kept across requests", async () => {
      const sessions = f.sessions();
      const s = await sessions.load(undefined);
      const token = s.getCsrfToken();
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(s.getCsrfToken()).toBe(token);
      const pair = cookiePair((await sessions.commit(s)).setCookie);
      const next = await sessions.load(pair);
      expect(next.getCsrfToken()).toBe(token);
      expect(next.verifyCsrfToken(token)).toBe(true);
    });

    it("newCsrfToken() replaces the token", async () => {
      const s = await f.sessions().load(undefined);
      const first = s.getCsrfToken();
      const second = s.newCsrfToken();
      expect(second).not.toBe(first);
      expect(s.verifyCsrfToken(first)).toBe(false);
      expect(s.verifyCsrfToken(second)).toBe(true);
    });

    it.each<[string, (token: string) => unknown]>([
      ["another token of the same length", (t) => `${t[0] === "A" ? "B" : "A"}${t.slice(1)}`],
      ["a prefix of the token", (t) => t.slice(0, 20)],
      ["the token with a suffix", (t) => `${t}x`],
      ["an empty string", () => ""],
      ["undefined", () => undefined],
      ["null", () => null],
      ["a number", () => 42],
      ["an array holding the token", (t) => [t]],
      ["a Buffer of the token", (t) => Buffer.from(t)],
      ["an object", (t) => ({ toString: () => t })],
    ])("verifyCsrfToken() is false for %s", async (_name, make) => {
      const s = await f.sessions().load(undefined);
      const token = s.getCsrfToken();
      expect(s.verifyCsrfToken(make(token))).toBe(false);
    });

    it("verifyCsrfToken() is false when the session has no token and does not make one", async () => {
      const sessions = f.sessions();
      const s = await sessions.load(undefined);
      expect(s.verifyCsrfToken("")).toBe(false);
      expect(s.verifyCsrfToken(undefined)).toBe(false);
      expect(await sessions.commit(s)).toEqual({ setCookie: undefined, vary: false });
    });
  });

  describe("commit()", () => {
    it("a second time writes nothing and answers with nothing to add", async () => {
      const sessions = f.sessions();
      const s = await sessions.load(undefined);
      s.data.user = "ada";
      const first = await sessions.commit(s);
      expect(first.setCookie).toMatch(/^session=/);
      s.data.user = "grace";
      await f.log.take();
      expect(await sessions.commit(s)).toEqual({ setCookie: undefined, vary: false, repeated: true });
      expect(await f.log.shapes()).toEqual([]);
    });

    it("a second time after a failed first commit writes nothing either", async () => {
      const sessions = f.sessions({ maxPayloadBytes: 256 });
      const s = await sessions.load(undefined);
      s.data.big = "x".repeat(300);
      await expect(sessions.commit(s)).rejects.toMatchObject({ code: "payload-too-large" });
      expect(await sessions.commit(s)).toEqual({ setCookie: undefined, vary: false, repeated: true });
      expect(await f.log.shapes()).toEqual([]);
    });
  });

  describe("onInvalid", () => {
    it("hears every reason with the cookie name and never an id, cookie value or secret", async () => {
      clock.start();
      const heard: [InvalidReason, InvalidDetails][] = [];
      const options = {
        onInvalid: (reason: InvalidReason, details: InvalidDetails) => void heard.push([reason, details]),
      };
      const forbidden: string[] = [SECRET];
      const make = async () => {
        const c = await createStored(f, options);
        forbidden.push(c.id, c.pair.slice(c.pair.indexOf("=") + 1), digestId(c.id));
        return c;
      };
      const { sessions } = await make();

      const badSig = await make();
      const value = badSig.pair.slice("session=".length);
      await sessions.load(`session=${value.slice(0, -1)}${value.endsWith("A") ? "B" : "A"}`);

      const gone = await make();
      await f.raw.del(gone.key);
      await sessions.load(gone.pair);

      const corrupt = await make();
      await f.raw.set(corrupt.key, "{oops", "EX", 60);
      await sessions.load(corrupt.pair);

      const old = await make();
      clock.at(1300);
      await sessions.load(old.pair);
      clock.at(0);

      const vanishing = await make();
      const s = await sessions.load(vanishing.pair);
      await f.raw.del(vanishing.key);
      s.data.more = 1;
      await sessions.commit(s);

      expect(heard.map(([reason]) => reason)).toEqual([
        "bad-signature",
        "not-found",
        "corrupt",
        "expired",
        "vanished",
      ]);
      for (const [, details] of heard) {
        expect(details.cookieName).toBe("session");
        expect(typeof details.message).toBe("string");
        const text = JSON.stringify(details) + Object.values(details).join(" ");
        for (const value of forbidden) expect(text).not.toContain(value);
      }
    });

    it("that throws does not break loading", async () => {
      const sessions = f.sessions({
        onInvalid: () => {
          throw new Error("listener failed");
        },
      });
      const s = await sessions.load("session=tampered");
      expect(s.isNew).toBe(true);
      expect(await sessions.commit(s)).toEqual({ setCookie: undefined, vary: true });
    });
  });

  describe("cookieOnError: false", () => {
    it("writes no new session and sends no cookie when the request failed", async () => {
      const sessions = f.sessions({ cookieOnError: false });
      const s = await sessions.load(undefined);
      s.data.n = 1;
      expect(await sessions.commit(s, { failed: true })).toEqual({ setCookie: undefined, vary: false });
      expect(await f.log.shapes()).toEqual([]);
    });

    it("still clears the cookie of a session invalidated by a failed request", async () => {
      const { sessions, pair } = await createStored(f, { cookieOnError: false });
      const s = await sessions.load(pair);
      await s.invalidate();
      const r = await sessions.commit(s, { failed: true });
      expect(r.setCookie).toMatch(/^session=; Max-Age=0;/);
      expect(r.vary).toBe(true);
    });

    it("deletes a new session that save() wrote before the request failed", async () => {
      const sessions = f.sessions({ cookieOnError: false });
      const s = await sessions.load(undefined);
      s.data.n = 1;
      await s.save();
      const key = f.prefix + digestId(s.id as string);
      expect((await sessions.commit(s, { failed: true })).setCookie).toBeUndefined();
      expect(await f.log.shapes()).toEqual(["SET NX EX", "DEL"]);
      expect(await keyExists(f, key)).toBe(false);
    });

    it("commits as usual when the request did not fail", async () => {
      const sessions = f.sessions({ cookieOnError: false });
      const s = await sessions.load(undefined);
      s.data.n = 1;
      expect((await sessions.commit(s, { failed: false })).setCookie).toMatch(/^session=/);
    });

    it("is true by default: a failed request still gets its new session", async () => {
      const sessions = f.sessions();
      const s = await sessions.load(undefined);
      s.data.n = 1;
      expect((await sessions.commit(s, { failed: true })).setCookie).toMatch(/^session=/);
    });
  });

  describe("allowCookie", () => {
    it("receives the response and, when it refuses, persists no new session and sends no cookie", async () => {
      const seen: ResponseInfo[] = [];
      const sessions = f.sessions({
        allowCookie: (res) => {
          seen.push(res);
          return !/public/.test(res.header("cache-control") ?? "");
        },
      });
      const s = await sessions.load(undefined);
      s.data.n = 1;
      const r = await sessions.commit(s, {
        response: response(200, { "cache-control": "public, max-age=60" }),
      });
      expect(r.setCookie).toBeUndefined();
      expect(seen.map((res) => res.status)).toEqual([200]);
      expect(await f.log.shapes()).toEqual([]);
      const allowed = await sessions.load(undefined);
      allowed.data.n = 1;
      expect((await sessions.commit(allowed, { response: response(200) })).setCookie).toMatch(/^session=/);
    });

    it("when it refuses after save(), deletes the key save() wrote", async () => {
      const sessions = f.sessions({ allowCookie: () => false });
      const s = await sessions.load(undefined);
      s.data.n = 1;
      await s.save();
      const key = f.prefix + digestId(s.id as string);
      const r = await sessions.commit(s, { response: response(200) });
      expect(r.setCookie).toBeUndefined();
      expect(await f.log.shapes()).toEqual(["SET NX EX", "DEL"]);
      expect(await keyExists(f, key)).toBe(false);
    });
  });

  describe("several factories", () => {
    it("serve one request side by side on one store without touching each other", async () => {
      const a = f.sessions({ cookie: { name: "a" } });
      const b = f.sessions({ cookie: { name: "b" }, secret: [`${SECRET}-b`] });
      const sa: Session = await a.load(undefined);
      const sb: Session = await b.load(undefined);
      sa.data.who = "a";
      sb.data.who = "b";
      const header = `${cookiePair((await a.commit(sa)).setCookie)}; ${cookiePair((await b.commit(sb)).setCookie)}`;
      const ra = await a.load(header);
      const rb = await b.load(header);
      expect([ra.data.who, rb.data.who]).toEqual(["a", "b"]);
      await ra.invalidate();
      expect((await b.load(header)).data.who).toBe("b");
    });
  });
});

describe("debuglog output", () => {
  const f = useRedis("ioredis");
  let out: string;

  beforeAll(() => {
    // debuglog reads NODE_DEBUG at process start, so the library runs in a child process, compiled by tsc.
    const root = join(dirname(fileURLToPath(import.meta.url)), "..");
    out = mkdtempSync(join(tmpdir(), "sessile-debuglog-"));
    const walk = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
      );
    for (const file of [
      ...walk(join(root, "src/core")),
      ...walk(join(root, "src/stores")),
      join(root, "src/index.ts"),
    ]) {
      const { outputText } = ts.transpileModule(readFileSync(file, "utf8"), {
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      });
      const target = join(out, relative(join(root, "src"), file)).replace(/\.ts$/, ".js");
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, outputText);
    }
    writeFileSync(join(out, "package.json"), '{"type":"module"}');
    writeFileSync(
      join(out, "run.js"),
      `
import { createRequire } from "node:module";
import { createSessions, digestId, redisStore } from "./index.js";
const { Redis } = createRequire(process.env.ROOT + "/package.json")("ioredis");
const client = new Redis(process.env.URL);
const prefix = process.env.PREFIX;
const now = Math.floor(Date.now() / 1000);
const sessions = createSessions({ store: redisStore(client, { prefix }), secret: process.env.SECRET, onInvalid: () => { throw new Error("listener"); } });
const seen = [];
async function make() {
  const s = await sessions.load(undefined);
  s.data.user = "ada";
  const r = await sessions.commit(s);
  const pair = r.setCookie.split(";")[0];
  seen.push(s.id, pair.slice(8));
  return { pair, key: prefix + digestId(s.id) };
}
const a = await make();
await sessions.load(a.pair.slice(0, -2) + "xx");
const b = await make();
await client.del(b.key);
await sessions.load(b.pair);
const c = await make();
await client.set(c.key, "{oops");
await sessions.load(c.pair);
const d = await make();
await client.set(d.key, JSON.stringify({ v: 1, c: now - 2000, t: 1200, x: now - 800, m: {} }));
await sessions.load(d.pair);
const e = await make();
const s = await sessions.load(e.pair);
await client.del(e.key);
s.data.more = 1;
await sessions.commit(s);
createSessions({ store: redisStore(client, { prefix }), secret: process.env.SECRET, redisTtl: false });
await new Promise((resolve) => setTimeout(resolve, 100));
client.disconnect();
process.stdout.write(JSON.stringify(seen));
`,
    );
  });
  afterAll(() => {
    rmSync(out, { recursive: true, force: true });
  });

  it("tells why a session was not used without an id, a cookie value or the secret", async () => {
    const root = join(dirname(fileURLToPath(import.meta.url)), "..");
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [join(out, "run.js")], {
      env: { ...process.env, NODE_DEBUG: "sessile", ROOT: root, URL: f.redis.url, PREFIX: f.prefix, SECRET },
    });
    const forbidden: string[] = [SECRET, ...(JSON.parse(stdout) as string[])];
    expect(forbidden).toHaveLength(11);
    const lines = stderr.split("\n").filter((line) => line.startsWith("SESSILE"));
    for (const reason of ["bad-signature", "not-found", "corrupt", "expired", "vanished"]) {
      expect(lines.some((line) => line.includes(`session not used (${reason})`))).toBe(true);
    }
    expect(lines.some((line) => line.includes("onInvalid threw: listener"))).toBe(true);
    expect(lines.some((line) => line.includes("maxmemory-policy is noeviction"))).toBe(true);
    for (const line of lines) for (const value of forbidden) expect(line).not.toContain(value);
  });
});
