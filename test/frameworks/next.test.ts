import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CommandLog } from "../helpers/command-log.js";
import { buildExample, type ExampleServer, startExample } from "../helpers/framework-app.js";
import { spawnRedis, type TestRedis } from "../helpers/redis-server.js";
import { SECRET } from "../helpers/sessions.js";
import { Browser } from "../spec/browser.js";
import { CLEARED_COOKIE, NEW_COOKIE } from "../spec/fixture.js";

const dir = join(import.meta.dirname, "../../examples/next");
const env = { NEXT_TELEMETRY_DISABLED: "1" };

/** The session cookie as Next.js's `cookies().set` writes it: its own attribute order, lower-case SameSite. */
const ACTION_COOKIE = /^session=[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=lax$/i;

/**
 * examples/next built with `next build` and served by `next start` (Next.js 16, App Router: route
 * handlers wrapped with withSession, a server action through sessionAction, a server component with
 * readSession, a proxy that reads the session), driven over HTTP.
 */
describe("sessile/next on next start", () => {
  let redis: TestRedis;
  let log: CommandLog;
  let server: ExampleServer;
  let browser: Browser;

  beforeAll(async () => {
    process.env.NEXT_TELEMETRY_DISABLED = "1";
    await buildExample(dir, "next", ["build"]);
    redis = await spawnRedis();
    log = new CommandLog(redis.url, "sessile:");
    await log.start();
    server = await startExample(
      dir,
      "node_modules/next/dist/bin/next",
      ["start", "-H", "127.0.0.1"],
      { ...env, REDIS_URL: redis.url, SESSION_SECRET: SECRET },
      "/read",
    );
    // The first write of a session loads the store's script into Redis; do it once before the cases.
    const warm = new Browser(server.url);
    await warm.request("/write?warm=1");
    await warm.request("/write?warm=2");
  }, 240_000);

  afterAll(async () => {
    await server?.stop();
    await log?.stop();
    await redis?.stop();
  });

  beforeEach(async () => {
    browser = new Browser(server.url);
    await log.take();
  });

  async function signIn(): Promise<void> {
    const reply = await browser.request("/write?user=ada");
    expect(reply.setCookie("session")).toMatch(NEW_COOKIE);
    await log.take();
  }

  it("a visitor without a cookie costs no Redis command and gets no cookie", async () => {
    const reply = await browser.request("/read");
    expect(reply.status).toBe(200);
    expect(reply.json()).toEqual({ data: {}, isNew: true });
    expect(reply.setCookies).toEqual([]);
    expect(reply.headers.get("vary") ?? "").not.toMatch(/cookie/i);
    expect(await log.shapes()).toEqual([]);
  });

  it("a write stores the session with SET NX EX; a read is one GET and sends no cookie", async () => {
    const write = await browser.request("/write?user=ada");
    expect(write.setCookie("session")).toMatch(NEW_COOKIE);
    expect(write.headers.get("vary")).toMatch(/\bcookie\b/i);
    expect(await log.shapes()).toEqual(["SET NX EX"]);
    const read = await browser.request("/read");
    expect(read.json()).toEqual({ data: { user: "ada" }, isNew: false });
    expect(read.setCookies).toEqual([]);
    expect(await log.shapes()).toEqual(["GET"]);
  });

  it("a route handler that regenerates moves the data to a new id; the old cookie stops working", async () => {
    await signIn();
    const old = browser.cookie("session") as string;
    const login = await browser.request("/login?user=bob", { method: "POST" });
    expect(login.status).toBe(200);
    expect(login.setCookie("session")).toMatch(NEW_COOKIE);
    expect(browser.cookie("session")).not.toBe(old);
    const shapes = await log.shapes();
    expect(shapes[0]).toBe("GET");
    expect(shapes.slice(1).sort()).toEqual(["SET NX EX", "SET XX GET EX"]);
    expect((await browser.request("/read")).json()).toEqual({ data: { user: "bob" }, isNew: false });
    const stale = await new Browser(server.url).request("/read", { cookie: `session=${old}` });
    expect(stale.json()).toEqual({ data: {}, isNew: true });
  });

  it("a route handler that invalidates deletes the session and clears the cookie", async () => {
    await signIn();
    const reply = await browser.request("/logout", { method: "POST" });
    expect(reply.setCookie("session")).toMatch(CLEARED_COOKIE);
    expect(await log.shapes()).toEqual(["GET", "GETDEL"]);
    expect((await browser.request("/read")).json()).toEqual({ data: {}, isNew: true });
  });

  it("a redirect right after a write is followed by a request that reads it", async () => {
    await signIn();
    const redirect = await browser.request("/redirect-after-write?step=2");
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get("location")).toBe("/read");
    const read = await browser.request("/read");
    expect(read.json()).toEqual({ data: { user: "ada", step: "2" }, isNew: false });
    expect(await log.shapes()).toEqual(["GET", "CAS SET EX", "GET"]);
  });

  it("a server component reads the session and a write there throws instead of being lost", async () => {
    await signIn();
    await browser.request("/write?note=hello");
    await log.take();
    const page = await browser.request("/page-view");
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/Note: (<!-- -->)?hello/);
    expect(page.text).toMatch(/A write here was (<!-- -->)?refused/);
    expect(page.setCookies).toEqual([]);
    expect(await log.shapes()).toEqual(["GET"]);
  });

  it("a server action posted by the page's form writes the session through cookies().set", async () => {
    const page = await browser.request("/page-view");
    const field = /name="(\$ACTION_ID_[0-9a-f]+)"/.exec(page.text)?.[1];
    expect(field, "the form carries its action id").toBeDefined();
    await log.take();
    const form = new FormData();
    form.set(field as string, "");
    form.set("note", "from the form");
    const posted = await browser.request("/page-view", {
      method: "POST",
      body: form,
      headers: { origin: server.url },
    });
    expect(posted.status).toBe(303);
    expect(posted.headers.get("location")).toBe("/page-view");
    expect(posted.setCookie("session")).toMatch(ACTION_COOKIE);
    expect(await log.shapes()).toEqual(["SET NX EX"]);
    expect((await browser.request("/read")).json()).toEqual({
      data: { note: "from the form" },
      isNew: false,
    });
  });

  it("two factories side by side keep their own cookies", async () => {
    await signIn();
    const both = await browser.request("/both?theme=dark");
    expect(both.json()).toEqual({ user: "ada", theme: "dark" });
    expect(both.setCookie("prefs")).toMatch(/^prefs=[A-Za-z0-9_-]{43}\./);
    expect(both.setCookie("session")).toBeUndefined();
    expect(await log.shapes()).toEqual(["GET", "SET NX EX"]);
    expect((await browser.request("/both")).json()).toEqual({ user: "ada", theme: "dark" });
  });

  it("the proxy reads the session: a visitor without a user is redirected, a signed-in one passes", async () => {
    const away = await browser.request("/private");
    expect(away.status).toBe(307);
    expect(new URL(away.headers.get("location") as string, server.url).pathname).toBe("/read");
    expect(await log.shapes()).toEqual([]);
    await signIn();
    const inside = await browser.request("/private");
    expect(inside.status).toBe(200);
    expect(inside.json()).toEqual({ user: "ada" });
    expect(await log.shapes()).toEqual(["GET", "GET"]);
  });

  it("with Redis stopped, requests fail with a 5xx and no Set-Cookie, then work once it is back", async () => {
    await signIn();
    const cookie = browser.cookie("session") as string;
    await log.stop();
    await redis.stop();
    try {
      for (const [path, jar] of [
        ["/write?user=bob", ""],
        ["/read", `session=${cookie}`],
        ["/write?user=bob", `session=${cookie}`],
      ] as const) {
        const started = Date.now();
        const reply = await new Browser(server.url).request(path, jar ? { cookie: jar } : {});
        expect(reply.status, path).toBeGreaterThanOrEqual(500);
        expect(reply.setCookies, path).toEqual([]);
        expect(Date.now() - started, path).toBeLessThan(3000);
      }
    } finally {
      await redis.restart();
      log = new CommandLog(redis.url, "sessile:");
      await log.start();
    }
    let reply = await new Browser(server.url).request("/write?user=ada");
    for (let tries = 0; reply.status !== 200 && tries < 50; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      reply = await new Browser(server.url).request("/write?user=ada");
    }
    expect(reply.status, server.output()).toBe(200);
    expect(reply.setCookie("session")).toMatch(NEW_COOKIE);
  });
});
