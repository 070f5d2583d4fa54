import { describe, expect, it } from "vitest";
import { Browser } from "./browser.js";
import { NEW_COOKIE, type SpecFixture } from "./fixture.js";

/**
 * New and returning visitors: the commands, cookie and Vary of a read and a write, `Secure` behind
 * HTTPS, and a route kept outside the sessions.
 */
export function visitorCases(fx: SpecFixture): void {
  describe("a new visitor", () => {
    it("reads without any Redis command, cookie or Vary", async () => {
      const reply = await fx.browser.request("/read");
      expect(reply.status).toBe(200);
      expect(reply.json()).toEqual({ data: {}, isNew: true });
      expect(reply.setCookies).toEqual([]);
      expect(reply.headers.get("vary") ?? "").not.toMatch(/cookie/i);
      expect(await fx.log.shapes()).toEqual([]);
    });

    it("writes with one SET NX EX and gets the cookie with Vary: Cookie", async () => {
      const reply = await fx.browser.request("/write?user=ada");
      expect(reply.status).toBe(200);
      expect(reply.setCookies).toHaveLength(1);
      expect(reply.setCookie("session")).toMatch(NEW_COOKIE);
      expect(reply.headers.get("vary")).toMatch(/\bcookie\b/i);
      expect(await fx.log.shapes()).toEqual(["SET NX EX"]);
      expect((await fx.browser.request("/read")).json()).toEqual({ data: { user: "ada" }, isNew: false });
    });

    it("gets the cookie on a HEAD request, which has no body", async () => {
      const reply = await fx.browser.request("/write?user=head", { method: "HEAD" });
      expect(reply.status).toBe(200);
      expect(reply.text).toBe("");
      expect(reply.setCookie("session")).toMatch(NEW_COOKIE);
      expect(await fx.log.shapes()).toEqual(["SET NX EX"]);
      expect((await fx.browser.request("/read")).json()).toEqual({ data: { user: "head" }, isNew: false });
    });

    it("gets the cookie on a response ended without a body", async () => {
      const reply = await fx.browser.request("/end");
      expect(reply.status).toBe(204);
      expect(reply.text).toBe("");
      expect(reply.setCookie("session")).toMatch(NEW_COOKIE);
      expect(await fx.log.shapes()).toEqual(["SET NX EX"]);
      expect((await fx.browser.request("/read")).json()).toEqual({ data: { ended: true }, isNew: false });
    });
    it("gets the cookie on a streamed response", async () => {
      const reply = await fx.browser.request("/stream");
      expect(reply.status).toBe(200);
      expect(reply.text).toBe("first second third");
      expect(reply.setCookie("session")).toMatch(NEW_COOKIE);
      expect(await fx.log.shapes()).toEqual(["SET NX EX"]);
      expect((await fx.browser.request("/read")).json()).toEqual({ data: { streamed: true }, isNew: false });
    });
  });

  describe('cookie.secure: "auto"', () => {
    it("adds Secure on a request the framework sees as HTTPS, and only there", async () => {
      const secure = await fx.browser.request("/write?user=ada", {
        headers: { "X-Forwarded-Proto": "https" },
      });
      expect(secure.setCookie("session")).toMatch(/^session=[^;]+; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
      const plain = await new Browser(fx.app.url).request("/write?user=ada");
      expect(plain.setCookie("session")).toMatch(NEW_COOKIE);
    });
  });

  describe("a route kept outside the sessions", () => {
    it("loads no session even when the request carries a valid cookie", async () => {
      await fx.signIn();
      const reply = await fx.browser.request("/health");
      expect([reply.status, reply.text]).toEqual([200, "ok"]);
      expect(reply.setCookies).toEqual([]);
      expect(await fx.log.shapes()).toEqual([]);
    });
  });

  describe("a returning visitor", () => {
    it("reads with one GET and is not sent the cookie again", async () => {
      await fx.signIn();
      const reply = await fx.browser.request("/read");
      expect(reply.json()).toEqual({ data: { user: "ada" }, isNew: false });
      expect(reply.setCookies).toEqual([]);
      expect(reply.headers.get("vary")).toMatch(/\bcookie\b/i);
      expect(await fx.log.shapes()).toEqual(["GET"]);
    });

    it("writes with GET then one SET XX EX", async () => {
      await fx.signIn();
      const reply = await fx.browser.request("/write?theme=dark&lang=fr");
      expect(reply.setCookies).toEqual([]);
      expect(await fx.log.shapes()).toEqual(["GET", "CAS SET EX"]);
      expect((await fx.browser.request("/read")).json()).toEqual({
        data: { user: "ada", theme: "dark", lang: "fr" },
        isNew: false,
      });
    });

    it("has nested mutations saved with GET then one SET XX EX", async () => {
      await fx.signIn();
      await fx.browser.request("/nested");
      await fx.log.take();
      const reply = await fx.browser.request("/nested");
      expect(reply.json()).toEqual({ data: { user: "ada", cart: { items: ["item-0", "item-1"] } } });
      expect(await fx.log.shapes()).toEqual(["GET", "CAS SET EX"]);
      expect((await fx.browser.request("/read")).json()).toMatchObject({
        data: { cart: { items: ["item-0", "item-1"] } },
      });
    });
  });
}
