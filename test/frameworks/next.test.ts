import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import {
  invalidateCase,
  redirectCase,
  redisStoppedCase,
  regenerateCase,
  useExample,
  visitorCase,
  writeReadCase,
} from "./example-cases.js";

/** The session cookie as Next.js's `cookies().set` writes it: its own attribute order, lower-case SameSite. */
const ACTION_COOKIE = /^session=[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=lax$/i;

/**
 * examples/next built with `next build` and served by `next start` (Next.js 16, App Router: route
 * handlers wrapped with withSession, a server action through sessionAction, a server component with
 * readSession, a proxy that reads the session), driven over HTTP.
 */
describe("sessile/next on next start", () => {
  beforeAll(() => {
    // `next build` and `next start` read it from the environment (the server inherits it).
    process.env.NEXT_TELEMETRY_DISABLED = "1";
  });

  const fx = useExample({
    dir: join(import.meta.dirname, "../../examples/next"),
    build: { bin: "next", args: ["build"] },
    serve: { script: "node_modules/next/dist/bin/next", args: ["start", "-H", "127.0.0.1"] },
    timeout: 240_000,
  });

  visitorCase(fx);
  writeReadCase(fx);
  regenerateCase(fx, "a route handler");
  invalidateCase(fx, "a route handler");
  redirectCase(fx, "a redirect right after a write is followed by a request that reads it");

  it("a server component reads the session and a write there throws instead of being lost", async () => {
    await fx.signIn();
    await fx.browser.request("/write?note=hello");
    await fx.log.take();
    const page = await fx.browser.request("/page-view");
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/Note: (<!-- -->)?hello/);
    expect(page.text).toMatch(/A write here was (<!-- -->)?refused/);
    expect(page.setCookies).toEqual([]);
    expect(await fx.log.shapes()).toEqual(["GET"]);
  });

  it("a server action posted by the page's form writes the session through cookies().set", async () => {
    const page = await fx.browser.request("/page-view");
    const field = /name="(\$ACTION_ID_[0-9a-f]+)"/.exec(page.text)?.[1];
    expect(field, "the form carries its action id").toBeDefined();
    await fx.log.take();
    const form = new FormData();
    form.set(field as string, "");
    form.set("note", "from the form");
    const posted = await fx.browser.request("/page-view", {
      method: "POST",
      body: form,
      headers: { origin: fx.server.url },
    });
    expect(posted.status).toBe(303);
    expect(posted.headers.get("location")).toBe("/page-view");
    expect(posted.setCookie("session")).toMatch(ACTION_COOKIE);
    expect(await fx.log.shapes()).toEqual(["SET NX EX"]);
    expect((await fx.browser.request("/read")).json()).toEqual({
      data: { note: "from the form" },
      isNew: false,
    });
  });

  it("two factories side by side keep their own cookies", async () => {
    await fx.signIn();
    const both = await fx.browser.request("/both?theme=dark");
    expect(both.json()).toEqual({ user: "ada", theme: "dark" });
    expect(both.setCookie("prefs")).toMatch(/^prefs=[A-Za-z0-9_-]{43}\./);
    expect(both.setCookie("session")).toBeUndefined();
    expect(await fx.log.shapes()).toEqual(["GET", "SET NX EX"]);
    expect((await fx.browser.request("/both")).json()).toEqual({ user: "ada", theme: "dark" });
  });

  it("the proxy reads the session: a visitor without a user is redirected, a signed-in one passes", async () => {
    const away = await fx.browser.request("/private");
    expect(away.status).toBe(307);
    expect(new URL(away.headers.get("location") as string, fx.server.url).pathname).toBe("/read");
    expect(await fx.log.shapes()).toEqual([]);
    await fx.signIn();
    const inside = await fx.browser.request("/private");
    expect(inside.status).toBe(200);
    expect(inside.json()).toEqual({ user: "ada" });
    expect(await fx.log.shapes()).toEqual(["GET", "GET"]);
  });

  redisStoppedCase(fx);
});
