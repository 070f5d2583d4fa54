import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { digestId, type TraceContext } from "../../src/index.js";
import { waitUntil } from "../helpers/wait-until.js";
import { Browser } from "./browser.js";
import { type SpecFixture, tamper } from "./fixture.js";
import { COMMAND_TIMEOUT_MS } from "./resilient-client.js";

/** The handle of the session a cookie value names: the digest of its id (the part before the dot). */
function handleOf(cookie: string): string {
  return digestId(cookie.slice(0, cookie.indexOf(".")));
}

/** Fails if any recorded event holds a cookie value or the id inside one. */
function expectNoSecrets(fx: SpecFixture, cookies: readonly string[]): void {
  const text = JSON.stringify(fx.events);
  for (const cookie of cookies) {
    expect(text).not.toContain(cookie);
    expect(text).not.toContain(cookie.slice(0, cookie.indexOf(".")));
  }
}

/** Lifecycle events, late changes and tracing channels, seen from real requests. */
export function observeCases(fx: SpecFixture): void {
  describe("events", () => {
    it("tells created, regenerated, invalidated (logout) with handles, never an id or cookie value", async () => {
      const first = await fx.signIn();
      expect(fx.events).toEqual([
        { name: "created", event: { cookieName: "session", handle: handleOf(first), userId: null } },
      ]);
      await fx.browser.request("/login?user=ada");
      const second = fx.browser.cookie("session") as string;
      expect(fx.events[1]).toEqual({
        name: "regenerated",
        event: {
          cookieName: "session",
          handle: handleOf(second),
          userId: null,
          previousHandle: handleOf(first),
        },
      });
      await fx.browser.request("/logout");
      expect(fx.events[2]).toEqual({
        name: "invalidated",
        event: { cookieName: "session", handle: handleOf(second), userId: null, cause: "logout" },
      });
      expect(fx.events).toHaveLength(3);
      expectNoSecrets(fx, [first, second]);
    });

    it("tells invalidated (emptied), then invalid for the gone and the tampered cookie", async () => {
      const cookie = await fx.signIn();
      await fx.browser.request("/empty");
      expect(fx.events[1]).toEqual({
        name: "invalidated",
        event: { cookieName: "session", handle: handleOf(cookie), userId: null, cause: "emptied" },
      });
      await fx.browser.request("/read", { headers: { cookie: `session=${cookie}` } });
      await fx.browser.request("/read", { headers: { cookie: `session=${tamper(cookie)}` } });
      expect(fx.events.slice(2).map(({ name, event }) => [name, event.reason, event.handle])).toEqual([
        ["invalid", "not-found", handleOf(cookie)],
        ["invalid", "bad-signature", null],
      ]);
      expectNoSecrets(fx, [cookie, tamper(cookie)]);
    });

    it("reports a change after the response was sent once, and writes nothing for it", async () => {
      const cookie = await fx.signIn();
      const reply = await fx.browser.request("/late");
      expect(reply.status).toBe(200);
      await waitUntil("the late change", async () => fx.events.some((e) => e.name === "lateChange"));
      await new Promise((resolve) => setTimeout(resolve, 100));
      const late = fx.events.filter((e) => e.name === "lateChange");
      expect(late).toEqual([
        {
          name: "lateChange",
          event: { cookieName: "session", handle: handleOf(cookie), userId: null, change: "data" },
        },
      ]);
      expect(await fx.log.shapes()).toEqual(["GET"]);
      expectNoSecrets(fx, [cookie]);
    });

    it("tells conflict when two requests change one key, and vanished when a write meets a logout", async () => {
      const cookie = await fx.signIn();
      const barrier = () => `observe-${Math.random().toString(36).slice(2)}`;
      const race = (name: string, op: string, params: Record<string, string>, after: number) =>
        `/race?${new URLSearchParams({ barrier: name, n: "2", op, after: String(after), ...params })}`;
      const one = barrier();
      await Promise.all([
        fx.browser.request(race(one, "write", { "set.color": "red" }, 0)),
        fx.browser.request(race(one, "write", { "set.color": "blue" }, 80)),
      ]);
      expect(fx.events.filter((e) => e.name === "conflict")).toEqual([
        {
          name: "conflict",
          event: {
            cookieName: "session",
            handle: handleOf(cookie),
            userId: null,
            keys: ["color"],
            settings: [],
          },
        },
      ]);
      const two = barrier();
      await Promise.all([
        fx.browser.request(race(two, "logout", {}, 0)),
        fx.browser.request(race(two, "write", { "set.late": "yes" }, 80)),
      ]);
      expect(fx.events.filter((e) => e.name === "vanished")).toEqual([
        { name: "vanished", event: { cookieName: "session", handle: handleOf(cookie), userId: null } },
      ]);
      expectNoSecrets(fx, [cookie]);
    });

    it("tells refreshed when the expiry is extended, with the new deadline", async () => {
      const app = await fx.makeApp(fx.factories({ touchInterval: 0 }));
      try {
        const browser = new Browser(app.url);
        await browser.request("/write?user=ada");
        const cookie = browser.cookie("session") as string;
        await new Promise((resolve) => setTimeout(resolve, 1100));
        await browser.request("/read");
        const refreshed = fx.events.filter((e) => e.name === "refreshed");
        expect(refreshed).toHaveLength(1);
        expect(refreshed[0]?.event.handle).toBe(handleOf(cookie));
        const expiresAt = refreshed[0]?.event.expiresAt as Date;
        expect(expiresAt.getTime()).toBeGreaterThan(Date.now() + 1100 * 1000);
        expectNoSecrets(fx, [cookie]);
      } finally {
        await app.close();
      }
    });

    it("tells storeError when Redis does not answer, and the request fails", async () => {
      const cookie = await fx.signIn();
      const pauser = new Redis(fx.redis.url, { lazyConnect: true });
      try {
        await pauser.connect();
        await pauser.call("CLIENT", "PAUSE", String(COMMAND_TIMEOUT_MS + 500), "ALL");
        const reply = await fx.browser.request("/read");
        expect(reply.status).toBeGreaterThanOrEqual(500);
        await pauser.ping();
      } finally {
        pauser.disconnect();
      }
      const errors = fx.events.filter((e) => e.name === "storeError");
      expect(errors).toHaveLength(1);
      expect(errors[0]?.event).toMatchObject({ cookieName: "session", operation: "load" });
      expectNoSecrets(fx, [cookie]);
    });

    it("goes on answering when a listener throws", async () => {
      const app = await fx.makeApp(
        fx.factories({
          events: {
            created() {
              throw new Error("listener bug");
            },
          },
        }),
      );
      try {
        const reply = await fetch(`${app.url}/write?a=1`);
        expect(reply.status).toBe(200);
        expect(reply.headers.get("set-cookie")).toMatch(/^session=/);
      } finally {
        await app.close();
      }
    });
  });

  describe("tracing channels", () => {
    it("sessile:load and sessile:commit carry the commands sent, timed, and the handle", async () => {
      const cookie = await fx.signIn();
      const seen: TraceContext[] = [];
      const onEnd = (context: unknown) => {
        const trace = context as TraceContext;
        if (trace.cookieName === "session") seen.push(trace);
      };
      subscribe("tracing:sessile:load:asyncEnd", onEnd);
      subscribe("tracing:sessile:commit:asyncEnd", onEnd);
      try {
        await fx.browser.request("/write?b=2");
      } finally {
        unsubscribe("tracing:sessile:load:asyncEnd", onEnd);
        unsubscribe("tracing:sessile:commit:asyncEnd", onEnd);
      }
      expect(seen.map((t) => [t.operation, t.outcome, t.write, t.handle])).toEqual([
        ["load", "loaded", undefined, handleOf(cookie)],
        ["commit", undefined, "update", handleOf(cookie)],
      ]);
      expect(seen.map((t) => t.commands.map((c) => c.command))).toEqual([["get"], ["update"]]);
      for (const trace of seen) for (const c of trace.commands) expect(c.ms).toBeGreaterThan(0);
      expect(seen[1]?.payloadBytes).toBeGreaterThan(0);
      expect(JSON.stringify(seen)).not.toContain(cookie.slice(0, cookie.indexOf(".")));
    });
  });
}
