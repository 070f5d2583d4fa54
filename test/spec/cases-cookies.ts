import { describe, expect, it } from "vitest";
import { createSessions } from "../../src/index.js";
import { OLD_SECRET, SECRET } from "../helpers/sessions.js";
import { Browser } from "./browser.js";
import { CLEARED_COOKIE, NEW_COOKIE, type SpecFixture, tamper } from "./fixture.js";

/**
 * Which cookie a response carries: bad and rotated cookies, `cookieOnError`, `allowCookie`, two factories.
 */
export function cookieCases(fx: SpecFixture): void {
  describe("bad and rotated cookies", () => {
    it.each([
      ["a tampered signature", (valid: string) => tamper(valid)],
      ["a value without a signature", (valid: string) => valid.split(".")[0] as string],
      ["garbage", () => "not-a-session-cookie"],
    ])("%s costs no command and the cookie, which cannot be attributed, is left alone", async (_, damage) => {
      const valid = await fx.signIn();
      const reply = await fx.browser.request("/read", { cookie: `session=${damage(valid)}` });
      expect(reply.json()).toEqual({ data: {}, isNew: true });
      expect(reply.setCookies).toEqual([]);
      expect(await fx.log.shapes()).toEqual([]);
    });

    it("junk cookies of the same name in front of the valid one neither hide it nor get it cleared", async () => {
      const valid = await fx.signIn();
      const junk = ["forged.signature", tamper(valid), "x".repeat(87), valid.split(".")[0]].map(
        (v) => `session=${v}`,
      );
      const reply = await fx.browser.request("/read", { cookie: [...junk, `session=${valid}`].join("; ") });
      expect(reply.json()).toEqual({ data: { user: "ada" }, isNew: false });
      expect(reply.setCookies).toEqual([]);
      expect(await fx.log.shapes()).toEqual(["GET"]);
    });

    it("a verified cookie whose session is gone is cleared", async () => {
      const valid = await fx.signIn();
      await fx.browser.request("/logout");
      await fx.log.take();
      const reply = await fx.browser.request("/read", { cookie: `session=${valid}` });
      expect(reply.json()).toEqual({ data: {}, isNew: true });
      expect(reply.setCookie("session")).toMatch(CLEARED_COOKIE);
      expect(await fx.log.shapes()).toEqual(["GET"]);
    });

    it("a tampered cookie is replaced when the handler writes", async () => {
      const valid = await fx.signIn();
      const reply = await fx.browser.request("/write?user=eve", { cookie: `session=${tamper(valid)}` });
      expect(await fx.log.shapes()).toEqual(["SET NX EX"]);
      expect(reply.setCookie("session")).toMatch(NEW_COOKIE);
    });

    it("a cookie signed with the old secret is accepted with one GET and re-issued signed with the new one", async () => {
      const oldFactory = createSessions({ store: fx.store, secret: OLD_SECRET });
      const seeded = await oldFactory.load(undefined);
      seeded.data.user = "ada";
      const { setCookie } = await oldFactory.commit(seeded);
      const oldCookie = (setCookie as string).split(";")[0] as string;
      await fx.log.take();

      const reply = await fx.browser.request("/read", { cookie: oldCookie });
      expect(reply.json()).toEqual({ data: { user: "ada" }, isNew: false });
      expect(await fx.log.shapes()).toEqual(["GET"]);
      const reissued = reply.setCookie("session");
      expect(reissued).toMatch(NEW_COOKIE);
      const pair = (reissued as string).split(";")[0] as string;
      expect(pair).not.toBe(oldCookie);
      const current = await createSessions({ store: fx.store, secret: SECRET }).load(pair);
      expect(current.isNew).toBe(false);
    });
  });

  describe("cookieOnError", () => {
    it("true (default): a handler that throws gets a 5xx that still carries the new session's cookie", async () => {
      const reply = await fx.browser.request("/throw");
      expect(reply.status).toBe(500);
      expect(reply.text).not.toContain("beforeThrow");
      expect(await fx.log.shapes()).toEqual(["SET NX EX"]);
      expect(reply.setCookie("session")).toMatch(NEW_COOKIE);
      expect((await fx.browser.request("/read")).json()).toEqual({
        data: { beforeThrow: true },
        isNew: false,
      });
    });

    it("true (default): a handler answering 500 still saves and sends the cookie", async () => {
      const reply = await fx.browser.request("/fail");
      expect(reply.status).toBe(500);
      expect(await fx.log.shapes()).toEqual(["SET NX EX"]);
      expect(reply.setCookie("session")).toMatch(NEW_COOKIE);
    });

    it("false: a failed request (thrown or answered 5xx) saves no new session and sends no cookie", async () => {
      const strict = await fx.makeApp(fx.factories({ cookieOnError: false }));
      try {
        const visitor = new Browser(strict.url);
        for (const path of ["/throw", "/fail"]) {
          const reply = await visitor.request(path);
          expect(reply.status).toBe(500);
          expect(reply.setCookies).toEqual([]);
        }
        expect(await fx.log.shapes()).toEqual([]);
        const ok = await visitor.request("/write?user=ada");
        expect(ok.setCookie("session")).toMatch(NEW_COOKIE);
      } finally {
        await strict.close();
      }
    });
  });

  describe("allowCookie", () => {
    it("sees the outgoing headers: a refused cookie leaves nothing stored for a new visitor", async () => {
      const reply = await fx.browser.request("/cacheable");
      expect(reply.status).toBe(200);
      expect(reply.headers.get("cache-control")).toBe("public, max-age=60");
      expect(reply.setCookies).toEqual([]);
      expect(await fx.log.shapes()).toEqual([]);
    });

    it("does not stop an existing session from being updated, and sends no cookie", async () => {
      await fx.signIn();
      const reply = await fx.browser.request("/cacheable");
      expect(reply.setCookies).toEqual([]);
      expect(await fx.log.shapes()).toEqual(["GET", "CAS SET EX"]);
    });
  });

  describe("two factories on one request", () => {
    it("each writes its own session and cookie; Vary adds Cookie once to the handler's own Vary", async () => {
      const reply = await fx.browser.request("/two-factories");
      expect(reply.setCookie("session")).toMatch(NEW_COOKIE);
      expect(reply.setCookie("admin")).toMatch(
        /^admin=[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax$/,
      );
      expect(reply.setCookies).toHaveLength(2);
      expect(reply.headers.get("vary")).toBe("Accept-Encoding, Cookie");
      expect(await fx.log.shapes()).toEqual(["SET NX EX", "SET NX EX"]);
      const read = await fx.browser.request("/two-read");
      expect(read.json()).toEqual({ session: { user: "ada" }, admin: { role: "root" } });
      expect(await fx.log.shapes()).toEqual(["GET", "GET"]);
    });
  });
}
