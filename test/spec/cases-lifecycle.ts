import { describe, expect, it } from "vitest";
import { CLEARED_COOKIE, NEW_COOKIE, type SpecFixture, tamper } from "./fixture.js";

/**
 * What a handler does to its session: flash messages, the CSRF token, invalidate, regenerate, empty it.
 */
export function lifecycleCases(fx: SpecFixture): void {
  describe("session.flash()", () => {
    it("carries a message across a redirect, then the queue is empty", async () => {
      await fx.signIn();
      const set = await fx.browser.request("/flash-set");
      expect(set.status).toBe(302);
      expect(set.headers.get("location")).toBe("/flash-get");
      expect(await fx.log.shapes()).toEqual(["GET", "CAS SET EX"]);
      const get = await fx.browser.request("/flash-get");
      expect(get.json()).toEqual({ messages: ["saved"] });
      expect(await fx.log.shapes()).toEqual(["GET", "CAS SET EX"]);
      expect((await fx.browser.request("/flash-get")).json()).toEqual({ messages: [] });
      expect(await fx.log.shapes()).toEqual(["GET"]);
    });
  });

  describe("session.getCsrfToken() / verifyCsrfToken()", () => {
    it("stores a token for a new visitor and verifies it on the next request", async () => {
      const issued = await fx.browser.request("/csrf");
      const { token } = issued.json<{ token: string }>();
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(issued.setCookie("session")).toMatch(NEW_COOKIE);
      expect(await fx.log.shapes()).toEqual(["SET NX EX"]);

      const good = await fx.browser.request(`/csrf?token=${token}`, { method: "POST" });
      expect([good.status, good.json()]).toEqual([200, { ok: true }]);
      const bad = await fx.browser.request(`/csrf?token=${tamper(token)}`, { method: "POST" });
      expect([bad.status, bad.json()]).toEqual([403, { ok: false }]);
      expect((await fx.browser.request("/csrf")).json()).toEqual({ token });
      expect(await fx.log.shapes()).toEqual(["GET", "GET", "GET"]);
    });
  });

  describe("session.invalidate()", () => {
    it("deletes the session with GET, GETDEL and clears the cookie", async () => {
      const old = await fx.signIn();
      const reply = await fx.browser.request("/logout");
      expect(reply.setCookie("session")).toMatch(CLEARED_COOKIE);
      expect(await fx.log.shapes()).toEqual(["GET", "GETDEL"]);
      expect(fx.browser.cookie("session")).toBeUndefined();
      const replay = await fx.browser.request("/read", { cookie: `session=${old}` });
      expect(replay.json()).toEqual({ data: {}, isNew: true });
      expect(replay.setCookie("session")).toMatch(CLEARED_COOKIE);
    });

    it("followed by a write starts a new session: GET, GETDEL, SET NX EX and a new cookie", async () => {
      const old = await fx.signIn();
      const reply = await fx.browser.request("/invalidate-then-write");
      expect(reply.json()).toEqual({ data: { fresh: true } });
      expect(await fx.log.shapes()).toEqual(["GET", "GETDEL", "SET NX EX"]);
      expect(reply.setCookie("session")).toMatch(NEW_COOKIE);
      expect(fx.browser.cookie("session")).not.toBe(old);
      expect((await fx.browser.request("/read")).json()).toEqual({ data: { fresh: true }, isNew: false });
    });
  });

  describe("session.regenerate()", () => {
    it("moves the data to a new id on login; the old cookie stops working", async () => {
      const old = await fx.signIn({ cart: "3" });
      const reply = await fx.browser.request("/login?user=grace");
      const shapes = await fx.log.shapes();
      expect(shapes[0]).toBe("GET");
      expect(shapes.slice(1).sort()).toEqual(["SET NX EX", "SET XX GET EX"]);
      expect(reply.setCookie("session")).toMatch(NEW_COOKIE);
      expect(fx.browser.cookie("session")).not.toBe(old);
      expect((await fx.browser.request("/read")).json()).toEqual({
        data: { cart: "3", user: "grace" },
        isNew: false,
      });
      expect((await fx.browser.request("/read", { cookie: `session=${old}` })).json()).toEqual({
        data: {},
        isNew: true,
      });
    });
  });

  describe("an emptied session", () => {
    it("is deleted with GET, a compare-and-set delete and its cookie cleared", async () => {
      await fx.signIn();
      const reply = await fx.browser.request("/empty");
      expect(reply.setCookie("session")).toMatch(CLEARED_COOKIE);
      expect(await fx.log.shapes()).toEqual(["GET", "CAS DEL"]);
    });
  });
}
