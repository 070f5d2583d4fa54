import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { Browser, type Reply } from "./browser.js";
import { NEW_COOKIE, type SpecFixture } from "./fixture.js";
import { COMMAND_TIMEOUT_MS } from "./resilient-client.js";

/** The pause before each write in the cases that check a response waited for its commit, in ms. */
const WRITE_DELAY_MS = 150;

/**
 * Timing and failures: the commit before the response head, Redis not answering, Redis stopped.
 */
export function faultCases(fx: SpecFixture): void {
  describe("the commit lands before the response head", () => {
    it("a redirect issued right after a write is followed by a request that reads it", async () => {
      await fx.signIn();
      fx.delay.ms = WRITE_DELAY_MS;
      const started = Date.now();
      const redirect = await fx.browser.request("/redirect-after-write?step=2");
      expect(Date.now() - started).toBeGreaterThanOrEqual(WRITE_DELAY_MS - 5);
      expect(redirect.status).toBe(302);
      expect(redirect.headers.get("location")).toBe("/read");
      const read = await fx.browser.request("/read");
      expect(read.json()).toEqual({ data: { user: "ada", step: "2" }, isNew: false });
      expect(await fx.log.shapes()).toEqual(["GET", "CAS SET EX", "GET"]);
    });

    it("a new visitor's redirect carries a cookie whose session already exists", async () => {
      fx.delay.ms = WRITE_DELAY_MS;
      const redirect = await fx.browser.request("/redirect-after-write?step=1");
      expect(redirect.setCookie("session")).toMatch(NEW_COOKIE);
      const read = await fx.browser.request("/read");
      expect(read.json()).toEqual({ data: { step: "1" }, isNew: false });
    });
  });

  describe("Redis not answering", () => {
    it("fails the request with a 5xx and no Set-Cookie once the client's timeout has passed", async () => {
      const cookie = await fx.signIn();
      const pauser = new Redis(fx.redis.url, { lazyConnect: true });
      await pauser.connect();
      try {
        // Every client's commands wait until the pause lapses, as if the server had frozen; long
        // enough for both requests below to time out.
        await pauser.call("CLIENT", "PAUSE", String(2 * COMMAND_TIMEOUT_MS + 500), "ALL");
        for (const jar of ["", `session=${cookie}`]) {
          const started = Date.now();
          const reply = await new Browser(fx.app.url).request("/write?user=bob", jar ? { cookie: jar } : {});
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
      const reply = await fx.browser.request("/read");
      expect(reply.status).toBe(200);
    });
  });

  describe("the degrade option, with Redis not answering", () => {
    it("serves a degraded, anonymous session, leaves the cookie alone and refuses store work", async () => {
      const app = await fx.makeApp(fx.factories({ degrade: true }));
      const browser = new Browser(app.url);
      const pauser = new Redis(fx.redis.url, { lazyConnect: true });
      try {
        const signedIn = await browser.request("/write?user=ada");
        expect(signedIn.setCookie("session")).toMatch(NEW_COOKIE);
        const jar = { cookie: `session=${browser.cookie("session")}` };
        await pauser.connect();
        await pauser.call("CLIENT", "PAUSE", String(2 * COMMAND_TIMEOUT_MS + 500), "ALL");
        const [standing, write, logout, visitor] = await Promise.all([
          new Browser(app.url).request("/standing", jar),
          new Browser(app.url).request("/write?user=mallory", jar),
          new Browser(app.url).request("/logout", jar),
          new Browser(app.url).request("/write?user=bob"),
        ]);
        // Never treated as signed in; the client's cookie is neither cleared nor replaced.
        expect(standing.status).toBe(200);
        expect(standing.json()).toEqual({ data: {}, isNew: true, degraded: true });
        expect(standing.setCookies).toEqual([]);
        // A change is not saved (the response says nothing about it); a logout cannot be done, so it fails.
        expect(write.status).toBe(200);
        expect(write.setCookies).toEqual([]);
        expect(logout.status).toBeGreaterThanOrEqual(500);
        expect(logout.setCookies).toEqual([]);
        // A new visitor's write still needs the store: the request fails closed.
        expect(visitor.status).toBeGreaterThanOrEqual(500);
        expect(visitor.setCookies).toEqual([]);
        await pauser.ping();
        // Once Redis answers, the same cookie has its session back, untouched by the degraded requests.
        const back = await new Browser(app.url).request("/standing", jar);
        expect(back.json()).toEqual({ data: { user: "ada" }, isNew: false, degraded: false });
      } finally {
        pauser.disconnect();
        await app.close();
      }
    });
  });

  describe("Redis stopped mid-test", () => {
    it("fails requests with a 5xx and no Set-Cookie, then works again once Redis is back", async () => {
      const cookie = await fx.signIn();
      await fx.log.stop();
      await fx.redis.stop();
      try {
        for (const [path, jar] of [
          ["/write?user=ada", ""],
          ["/read", `session=${cookie}`],
          ["/write?user=bob", `session=${cookie}`],
        ] as const) {
          const started = Date.now();
          const reply: Reply = await new Browser(fx.app.url).request(path, jar ? { cookie: jar } : {});
          expect(reply.status, path).toBeGreaterThanOrEqual(500);
          expect(reply.setCookies, path).toEqual([]);
          expect(Date.now() - started, path).toBeLessThan(COMMAND_TIMEOUT_MS + 1000);
        }
      } finally {
        await fx.redis.restart();
        await fx.client.ready();
        await fx.startLog();
      }
      const reply = await new Browser(fx.app.url).request("/write?user=ada");
      expect(reply.status).toBe(200);
      expect(reply.setCookie("session")).toMatch(NEW_COOKIE);
      expect(await fx.log.shapes()).toEqual(["SET NX EX"]);
    });
  });
}
