import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CommandLog } from "../helpers/command-log.js";
import { buildExample, type ExampleServer, startExample } from "../helpers/framework-app.js";
import { spawnRedis, type TestRedis } from "../helpers/redis-server.js";
import { SECRET } from "../helpers/sessions.js";
import { Browser } from "../spec/browser.js";
import { CLEARED_COOKIE, NEW_COOKIE } from "../spec/fixture.js";

const dir = join(import.meta.dirname, "../../examples/react-router");

/**
 * examples/react-router built with `react-router build` and served by `react-router-serve` (React
 * Router 7, framework mode, the root route's middleware from sessile/react-router), driven over HTTP.
 */
describe("sessile/react-router on react-router-serve", () => {
  let redis: TestRedis;
  let log: CommandLog;
  let server: ExampleServer;
  let browser: Browser;

  async function start(): Promise<void> {
    server = await startExample(
      dir,
      "node_modules/.bin/react-router-serve",
      ["./build/server/index.js"],
      { REDIS_URL: redis.url, SESSION_SECRET: SECRET },
      "/read",
    );
  }

  beforeAll(async () => {
    await buildExample(dir, "react-router", ["build"]);
    redis = await spawnRedis();
    log = new CommandLog(redis.url, "sessile:");
    await log.start();
    await start();
    // The first write of a session loads the store's script into Redis; do it once before the cases.
    const warm = new Browser(server.url);
    await warm.request("/write?warm=1");
    await warm.request("/write?warm=2");
  }, 180_000);

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

  it("a page rendered by React counts the visits of its session", async () => {
    const first = await browser.request("/");
    expect(first.text).toContain("Views in this session: <!-- -->1");
    expect(first.setCookie("session")).toMatch(NEW_COOKIE);
    const second = await browser.request("/");
    expect(second.text).toContain("Views in this session: <!-- -->2");
    expect(await log.shapes()).toEqual(["SET NX EX", "GET", "CAS SET EX"]);
  });

  it("an action that regenerates moves the data to a new id; the old cookie stops working", async () => {
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

  it("an action that invalidates deletes the session and clears the cookie", async () => {
    await signIn();
    const reply = await browser.request("/logout", { method: "POST" });
    expect(reply.setCookie("session")).toMatch(CLEARED_COOKIE);
    expect(await log.shapes()).toEqual(["GET", "GETDEL"]);
    expect((await browser.request("/read")).json()).toEqual({ data: {}, isNew: true });
  });

  it("a redirect thrown right after a write is followed by a request that reads it", async () => {
    await signIn();
    const redirect = await browser.request("/redirect-after-write?step=2");
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get("location")).toBe("/read");
    const read = await browser.request("/read");
    expect(read.json()).toEqual({ data: { user: "ada", step: "2" }, isNew: false });
    expect(await log.shapes()).toEqual(["GET", "CAS SET EX", "GET"]);
  });

  it("the createSessionStorage facade: getSession, commitSession, destroySession", async () => {
    const write = await browser.request("/storage/write?note=hi");
    expect(write.setCookie("session")).toMatch(NEW_COOKIE);
    // The root middleware loads the session too; without a cookie that costs nothing.
    expect(await log.shapes()).toEqual(["SET NX EX"]);
    expect((await browser.request("/storage/read")).json()).toEqual({ data: { note: "hi" } });
    const logout = await browser.request("/storage/logout", { method: "POST" });
    expect(logout.setCookies).toContain(logout.setCookie("session"));
    expect(logout.setCookie("session")).toMatch(CLEARED_COOKIE);
    expect((await browser.request("/read")).json()).toEqual({ data: {}, isNew: true });
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
