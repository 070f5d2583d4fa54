import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createSessions, type SessionOptions, type SessionStore, type Sessions } from "../../src/index.js";
import type { ClientKind } from "../helpers/clients.js";
import { CommandLog } from "../helpers/command-log.js";
import { spawnRedis, type TestRedis } from "../helpers/redis-server.js";
import { OLD_SECRET, SECRET } from "../helpers/sessions.js";
import { Browser, type Reply } from "./browser.js";
import { COMMAND_TIMEOUT_MS, connectResilient, type ResilientClient } from "./resilient-client.js";

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

/** Options of {@link registerBehaviourSpec}. */
export interface BehaviourSpecOptions {
  /** The Redis client library the stores use. */
  client: ClientKind;
}

const NEW_COOKIE = /^session=[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax$/;
const CLEARED_COOKIE =
  /^session=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=\/; HttpOnly; SameSite=Lax$/;
const WRITE_DELAY_MS = 150;

/** The store with a switchable pause before every write, so a response that did not wait for it shows. */
function delayedWrites(store: SessionStore, delay: { ms: number }): SessionStore {
  const pause = () =>
    delay.ms > 0 ? new Promise((resolve) => setTimeout(resolve, delay.ms)) : Promise.resolve();
  return {
    get: (key) => store.get(key),
    destroy: (key) => store.destroy(key),
    async create(key, value, ttl) {
      await pause();
      return store.create(key, value, ttl);
    },
    async update(key, value, ttl) {
      await pause();
      return store.update(key, value, ttl);
    },
    async replace(oldKey, newKey, value, ttl) {
      await pause();
      return store.replace(oldKey, newKey, value, ttl);
    },
  };
}

function refusesPublicCaching(response: { header(name: string): string | undefined }): boolean {
  return !/\bpublic\b/i.test(response.header("cache-control") ?? "");
}

function tamper(value: string): string {
  const last = value.at(-1) === "A" ? "B" : "A";
  return value.slice(0, -1) + last;
}

/**
 * The behaviour every adapter must show, written once: each case drives the app over HTTP with a cookie
 * jar and checks the response and the Redis commands that reached the server (DESIGN.md's contract table).
 */
export function registerBehaviourSpec(
  adapter: string,
  makeApp: MakeApp,
  options: BehaviourSpecOptions,
): void {
  describe(`sessile/${adapter} with ${options.client}`, () => {
    let redis: TestRedis;
    let client: ResilientClient;
    let log: CommandLog;
    let prefix: string;
    let store: SessionStore;
    let app: SpecApp;
    let browser: Browser;
    const delay = { ms: 0 };

    function factories(overrides: Partial<SessionOptions> = {}): SpecFactories {
      return {
        session: createSessions({
          store: delayedWrites(store, delay),
          secret: [SECRET, OLD_SECRET],
          allowCookie: refusesPublicCaching,
          ...overrides,
        }),
        admin: createSessions({ store, secret: SECRET, cookie: { name: "admin" } }),
      };
    }

    async function startLog(): Promise<void> {
      log = new CommandLog(redis.url, prefix);
      await log.start();
    }

    /** A stored session with `data`; the jar holds its cookie and the log is emptied. */
    async function signIn(data: Record<string, string> = { user: "ada" }): Promise<string> {
      const reply = await browser.request(`/write?${new URLSearchParams(data)}`);
      expect(reply.setCookie("session")).toMatch(NEW_COOKIE);
      await log.take();
      return browser.cookie("session") as string;
    }

    beforeAll(async () => {
      redis = await spawnRedis();
      prefix = `spec${randomBytes(4).toString("hex")}:`;
      client = await connectResilient(options.client, redis.url);
      store = client.store(prefix);
      await startLog();
      app = await makeApp(factories());
    });

    afterAll(async () => {
      await app?.close();
      await log?.stop();
      await client?.close();
      await redis?.stop();
    });

    beforeEach(async () => {
      delay.ms = 0;
      browser = new Browser(app.url);
      await log.take();
    });

    describe("a new visitor", () => {
      it("reads without any Redis command, cookie or Vary", async () => {
        const reply = await browser.request("/read");
        expect(reply.status).toBe(200);
        expect(reply.json()).toEqual({ data: {}, isNew: true });
        expect(reply.setCookies).toEqual([]);
        expect(reply.headers.get("vary") ?? "").not.toMatch(/cookie/i);
        expect(await log.shapes()).toEqual([]);
      });

      it("writes with one SET NX EX and gets the cookie with Vary: Cookie", async () => {
        const reply = await browser.request("/write?user=ada");
        expect(reply.status).toBe(200);
        expect(reply.setCookies).toHaveLength(1);
        expect(reply.setCookie("session")).toMatch(NEW_COOKIE);
        expect(reply.headers.get("vary")).toMatch(/\bcookie\b/i);
        expect(await log.shapes()).toEqual(["SET NX EX"]);
        expect((await browser.request("/read")).json()).toEqual({ data: { user: "ada" }, isNew: false });
      });

      it("gets the cookie on a HEAD request, which has no body", async () => {
        const reply = await browser.request("/write?user=head", { method: "HEAD" });
        expect(reply.status).toBe(200);
        expect(reply.text).toBe("");
        expect(reply.setCookie("session")).toMatch(NEW_COOKIE);
        expect(await log.shapes()).toEqual(["SET NX EX"]);
        expect((await browser.request("/read")).json()).toEqual({ data: { user: "head" }, isNew: false });
      });

      it("gets the cookie on a response ended without a body", async () => {
        const reply = await browser.request("/end");
        expect(reply.status).toBe(204);
        expect(reply.text).toBe("");
        expect(reply.setCookie("session")).toMatch(NEW_COOKIE);
        expect(await log.shapes()).toEqual(["SET NX EX"]);
        expect((await browser.request("/read")).json()).toEqual({ data: { ended: true }, isNew: false });
      });
      it("gets the cookie on a streamed response", async () => {
        const reply = await browser.request("/stream");
        expect(reply.status).toBe(200);
        expect(reply.text).toBe("first second third");
        expect(reply.setCookie("session")).toMatch(NEW_COOKIE);
        expect(await log.shapes()).toEqual(["SET NX EX"]);
        expect((await browser.request("/read")).json()).toEqual({ data: { streamed: true }, isNew: false });
      });
    });

    describe('cookie.secure: "auto"', () => {
      it("adds Secure on a request the framework sees as HTTPS, and only there", async () => {
        const secure = await browser.request("/write?user=ada", {
          headers: { "X-Forwarded-Proto": "https" },
        });
        expect(secure.setCookie("session")).toMatch(
          /^session=[^;]+; Path=\/; HttpOnly; Secure; SameSite=Lax$/,
        );
        const plain = await new Browser(app.url).request("/write?user=ada");
        expect(plain.setCookie("session")).toMatch(NEW_COOKIE);
      });
    });

    describe("a route kept outside the sessions", () => {
      it("loads no session even when the request carries a valid cookie", async () => {
        await signIn();
        const reply = await browser.request("/health");
        expect([reply.status, reply.text]).toEqual([200, "ok"]);
        expect(reply.setCookies).toEqual([]);
        expect(await log.shapes()).toEqual([]);
      });
    });

    describe("a returning visitor", () => {
      it("reads with one GET and is not sent the cookie again", async () => {
        await signIn();
        const reply = await browser.request("/read");
        expect(reply.json()).toEqual({ data: { user: "ada" }, isNew: false });
        expect(reply.setCookies).toEqual([]);
        expect(reply.headers.get("vary")).toMatch(/\bcookie\b/i);
        expect(await log.shapes()).toEqual(["GET"]);
      });

      it("writes with GET then one SET XX EX", async () => {
        await signIn();
        const reply = await browser.request("/write?theme=dark&lang=fr");
        expect(reply.setCookies).toEqual([]);
        expect(await log.shapes()).toEqual(["GET", "SET XX EX"]);
        expect((await browser.request("/read")).json()).toEqual({
          data: { user: "ada", theme: "dark", lang: "fr" },
          isNew: false,
        });
      });

      it("has nested mutations saved with GET then one SET XX EX", async () => {
        await signIn();
        await browser.request("/nested");
        await log.take();
        const reply = await browser.request("/nested");
        expect(reply.json()).toEqual({ data: { user: "ada", cart: { items: ["item-0", "item-1"] } } });
        expect(await log.shapes()).toEqual(["GET", "SET XX EX"]);
        expect((await browser.request("/read")).json()).toMatchObject({
          data: { cart: { items: ["item-0", "item-1"] } },
        });
      });
    });

    describe("session.flash()", () => {
      it("carries a message across a redirect, then the queue is empty", async () => {
        await signIn();
        const set = await browser.request("/flash-set");
        expect(set.status).toBe(302);
        expect(set.headers.get("location")).toBe("/flash-get");
        expect(await log.shapes()).toEqual(["GET", "SET XX EX"]);
        const get = await browser.request("/flash-get");
        expect(get.json()).toEqual({ messages: ["saved"] });
        expect(await log.shapes()).toEqual(["GET", "SET XX EX"]);
        expect((await browser.request("/flash-get")).json()).toEqual({ messages: [] });
        expect(await log.shapes()).toEqual(["GET"]);
      });
    });

    describe("session.getCsrfToken() / verifyCsrfToken()", () => {
      it("stores a token for a new visitor and verifies it on the next request", async () => {
        const issued = await browser.request("/csrf");
        const { token } = issued.json<{ token: string }>();
        expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
        expect(issued.setCookie("session")).toMatch(NEW_COOKIE);
        expect(await log.shapes()).toEqual(["SET NX EX"]);

        const good = await browser.request(`/csrf?token=${token}`, { method: "POST" });
        expect([good.status, good.json()]).toEqual([200, { ok: true }]);
        const bad = await browser.request(`/csrf?token=${tamper(token)}`, { method: "POST" });
        expect([bad.status, bad.json()]).toEqual([403, { ok: false }]);
        expect((await browser.request("/csrf")).json()).toEqual({ token });
        expect(await log.shapes()).toEqual(["GET", "GET", "GET"]);
      });
    });

    describe("session.invalidate()", () => {
      it("deletes the session with GET, DEL and clears the cookie", async () => {
        const old = await signIn();
        const reply = await browser.request("/logout");
        expect(reply.setCookie("session")).toMatch(CLEARED_COOKIE);
        expect(await log.shapes()).toEqual(["GET", "DEL"]);
        expect(browser.cookie("session")).toBeUndefined();
        const replay = await browser.request("/read", { cookie: `session=${old}` });
        expect(replay.json()).toEqual({ data: {}, isNew: true });
        expect(replay.setCookie("session")).toMatch(CLEARED_COOKIE);
      });

      it("followed by a write starts a new session: GET, DEL, SET NX EX and a new cookie", async () => {
        const old = await signIn();
        const reply = await browser.request("/invalidate-then-write");
        expect(reply.json()).toEqual({ data: { fresh: true } });
        expect(await log.shapes()).toEqual(["GET", "DEL", "SET NX EX"]);
        expect(reply.setCookie("session")).toMatch(NEW_COOKIE);
        expect(browser.cookie("session")).not.toBe(old);
        expect((await browser.request("/read")).json()).toEqual({ data: { fresh: true }, isNew: false });
      });
    });

    describe("session.regenerate()", () => {
      it("moves the data to a new id on login; the old cookie stops working", async () => {
        const old = await signIn({ cart: "3" });
        const reply = await browser.request("/login?user=grace");
        const shapes = await log.shapes();
        expect(shapes[0]).toBe("GET");
        expect(shapes.slice(1).sort()).toEqual(["DEL", "SET NX EX"]);
        expect(reply.setCookie("session")).toMatch(NEW_COOKIE);
        expect(browser.cookie("session")).not.toBe(old);
        expect((await browser.request("/read")).json()).toEqual({
          data: { cart: "3", user: "grace" },
          isNew: false,
        });
        expect((await browser.request("/read", { cookie: `session=${old}` })).json()).toEqual({
          data: {},
          isNew: true,
        });
      });
    });

    describe("an emptied session", () => {
      it("is deleted with GET, DEL and its cookie cleared", async () => {
        await signIn();
        const reply = await browser.request("/empty");
        expect(reply.setCookie("session")).toMatch(CLEARED_COOKIE);
        expect(await log.shapes()).toEqual(["GET", "DEL"]);
      });
    });

    describe("bad and rotated cookies", () => {
      it.each([
        ["a tampered signature", (valid: string) => tamper(valid)],
        ["a value without a signature", (valid: string) => valid.split(".")[0] as string],
        ["garbage", () => "not-a-session-cookie"],
      ])("%s costs no command and the stale cookie is cleared", async (_, damage) => {
        const valid = await signIn();
        const reply = await browser.request("/read", { cookie: `session=${damage(valid)}` });
        expect(reply.json()).toEqual({ data: {}, isNew: true });
        expect(reply.setCookie("session")).toMatch(CLEARED_COOKIE);
        expect(await log.shapes()).toEqual([]);
      });

      it("a tampered cookie is replaced when the handler writes", async () => {
        const valid = await signIn();
        const reply = await browser.request("/write?user=eve", { cookie: `session=${tamper(valid)}` });
        expect(await log.shapes()).toEqual(["SET NX EX"]);
        expect(reply.setCookie("session")).toMatch(NEW_COOKIE);
      });

      it("a cookie signed with the old secret is accepted with one GET and re-issued signed with the new one", async () => {
        const oldFactory = createSessions({ store, secret: OLD_SECRET });
        const seeded = await oldFactory.load(undefined);
        seeded.data.user = "ada";
        const { setCookie } = await oldFactory.commit(seeded);
        const oldCookie = (setCookie as string).split(";")[0] as string;
        await log.take();

        const reply = await browser.request("/read", { cookie: oldCookie });
        expect(reply.json()).toEqual({ data: { user: "ada" }, isNew: false });
        expect(await log.shapes()).toEqual(["GET"]);
        const reissued = reply.setCookie("session");
        expect(reissued).toMatch(NEW_COOKIE);
        const pair = (reissued as string).split(";")[0] as string;
        expect(pair).not.toBe(oldCookie);
        const current = await createSessions({ store, secret: SECRET }).load(pair);
        expect(current.isNew).toBe(false);
      });
    });

    describe("cookieOnError", () => {
      it("true (default): a handler that throws gets a 5xx that still carries the new session's cookie", async () => {
        const reply = await browser.request("/throw");
        expect(reply.status).toBe(500);
        expect(reply.text).not.toContain("beforeThrow");
        expect(await log.shapes()).toEqual(["SET NX EX"]);
        expect(reply.setCookie("session")).toMatch(NEW_COOKIE);
        expect((await browser.request("/read")).json()).toEqual({
          data: { beforeThrow: true },
          isNew: false,
        });
      });

      it("true (default): a handler answering 500 still saves and sends the cookie", async () => {
        const reply = await browser.request("/fail");
        expect(reply.status).toBe(500);
        expect(await log.shapes()).toEqual(["SET NX EX"]);
        expect(reply.setCookie("session")).toMatch(NEW_COOKIE);
      });

      it("false: a failed request (thrown or answered 5xx) saves no new session and sends no cookie", async () => {
        const strict = await makeApp(factories({ cookieOnError: false }));
        try {
          const visitor = new Browser(strict.url);
          for (const path of ["/throw", "/fail"]) {
            const reply = await visitor.request(path);
            expect(reply.status).toBe(500);
            expect(reply.setCookies).toEqual([]);
          }
          expect(await log.shapes()).toEqual([]);
          const ok = await visitor.request("/write?user=ada");
          expect(ok.setCookie("session")).toMatch(NEW_COOKIE);
        } finally {
          await strict.close();
        }
      });
    });

    describe("allowCookie", () => {
      it("sees the outgoing headers: a refused cookie leaves nothing stored for a new visitor", async () => {
        const reply = await browser.request("/cacheable");
        expect(reply.status).toBe(200);
        expect(reply.headers.get("cache-control")).toBe("public, max-age=60");
        expect(reply.setCookies).toEqual([]);
        expect(await log.shapes()).toEqual([]);
      });

      it("does not stop an existing session from being updated, and sends no cookie", async () => {
        await signIn();
        const reply = await browser.request("/cacheable");
        expect(reply.setCookies).toEqual([]);
        expect(await log.shapes()).toEqual(["GET", "SET XX EX"]);
      });
    });

    describe("two factories on one request", () => {
      it("each writes its own session and cookie; Vary adds Cookie once to the handler's own Vary", async () => {
        const reply = await browser.request("/two-factories");
        expect(reply.setCookie("session")).toMatch(NEW_COOKIE);
        expect(reply.setCookie("admin")).toMatch(
          /^admin=[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax$/,
        );
        expect(reply.setCookies).toHaveLength(2);
        expect(reply.headers.get("vary")).toBe("Accept-Encoding, Cookie");
        expect(await log.shapes()).toEqual(["SET NX EX", "SET NX EX"]);
        const read = await browser.request("/two-read");
        expect(read.json()).toEqual({ session: { user: "ada" }, admin: { role: "root" } });
        expect(await log.shapes()).toEqual(["GET", "GET"]);
      });
    });

    describe("the commit lands before the response head", () => {
      it("a redirect issued right after a write is followed by a request that reads it", async () => {
        await signIn();
        delay.ms = WRITE_DELAY_MS;
        const started = Date.now();
        const redirect = await browser.request("/redirect-after-write?step=2");
        expect(Date.now() - started).toBeGreaterThanOrEqual(WRITE_DELAY_MS - 5);
        expect(redirect.status).toBe(302);
        expect(redirect.headers.get("location")).toBe("/read");
        const read = await browser.request("/read");
        expect(read.json()).toEqual({ data: { user: "ada", step: "2" }, isNew: false });
        expect(await log.shapes()).toEqual(["GET", "SET XX EX", "GET"]);
      });

      it("a new visitor's redirect carries a cookie whose session already exists", async () => {
        delay.ms = WRITE_DELAY_MS;
        const redirect = await browser.request("/redirect-after-write?step=1");
        expect(redirect.setCookie("session")).toMatch(NEW_COOKIE);
        const read = await browser.request("/read");
        expect(read.json()).toEqual({ data: { step: "1" }, isNew: false });
      });
    });

    describe("Redis not answering", () => {
      it("fails the request with a 5xx and no Set-Cookie once the client's timeout has passed", async () => {
        const cookie = await signIn();
        const pauser = new Redis(redis.url, { lazyConnect: true });
        await pauser.connect();
        try {
          // Every client's commands wait until the pause lapses, as if the server had frozen; long
          // enough for both requests below to time out.
          await pauser.call("CLIENT", "PAUSE", String(2 * COMMAND_TIMEOUT_MS + 500), "ALL");
          for (const jar of ["", `session=${cookie}`]) {
            const started = Date.now();
            const reply = await new Browser(app.url).request("/write?user=bob", jar ? { cookie: jar } : {});
            const elapsed = Date.now() - started;
            expect(reply.status).toBeGreaterThanOrEqual(500);
            expect(reply.setCookies).toEqual([]);
            expect(elapsed).toBeGreaterThanOrEqual(COMMAND_TIMEOUT_MS - 50);
            expect(elapsed).toBeLessThan(COMMAND_TIMEOUT_MS + 1000);
          }
          // PING is held by the pause too, so its answer means the server is back.
          await pauser.ping();
        } finally {
          pauser.disconnect();
        }
        const reply = await browser.request("/read");
        expect(reply.status).toBe(200);
      });
    });

    describe("Redis stopped mid-test", () => {
      it("fails requests with a 5xx and no Set-Cookie, then works again once Redis is back", async () => {
        const cookie = await signIn();
        await log.stop();
        await redis.stop();
        try {
          for (const [path, jar] of [
            ["/write?user=ada", ""],
            ["/read", `session=${cookie}`],
            ["/write?user=bob", `session=${cookie}`],
          ] as const) {
            const started = Date.now();
            const reply: Reply = await new Browser(app.url).request(path, jar ? { cookie: jar } : {});
            expect(reply.status, path).toBeGreaterThanOrEqual(500);
            expect(reply.setCookies, path).toEqual([]);
            expect(Date.now() - started, path).toBeLessThan(COMMAND_TIMEOUT_MS + 1000);
          }
        } finally {
          await redis.restart();
          await client.ready();
          await startLog();
        }
        const reply = await new Browser(app.url).request("/write?user=ada");
        expect(reply.status).toBe(200);
        expect(reply.setCookie("session")).toMatch(NEW_COOKIE);
        expect(await log.shapes()).toEqual(["SET NX EX"]);
      });
    });
  });
}
