import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CommandLog } from "../helpers/command-log.js";
import { buildExample, type ExampleServer, exampleNode, startExample } from "../helpers/framework-app.js";
import { spawnRedis, type TestRedis } from "../helpers/redis-server.js";
import { SECRET } from "../helpers/sessions.js";
import { Browser } from "../spec/browser.js";
import { CLEARED_COOKIE, NEW_COOKIE } from "../spec/fixture.js";

const dir = join(import.meta.dirname, "../../examples/nuxt");
const NEW_PREFS_COOKIE = /^prefs=[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax$/;

/**
 * examples/nuxt built with `nuxt build` (Nuxt 4, Nitro 2, h3 v1) and served by
 * `node .output/server/index.mjs`, with Node 22 (Nuxt 4 needs it), driven over HTTP. The main session
 * comes from a server middleware (sessile/h3 sessionMiddleware), the second factory from
 * defineSessionHandler on its own routes.
 */
describe("sessile/h3 on a Nuxt production server", () => {
  let redis: TestRedis;
  let log: CommandLog;
  let server: ExampleServer;
  let browser: Browser;

  beforeAll(async () => {
    await buildExample(dir, "nuxt", ["build"], { node: exampleNode });
    redis = await spawnRedis();
    log = new CommandLog(redis.url, "sessile:");
    await log.start();
    server = await startExample(
      dir,
      ".output/server/index.mjs",
      [],
      { REDIS_URL: redis.url, SESSION_SECRET: SECRET },
      "/read",
      { node: exampleNode },
    );
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

  it("a page rendered by Vue on the server counts the visits of its session", async () => {
    const first = await browser.request("/");
    expect(first.status).toBe(200);
    expect(first.text).toContain("Views in this session: 1");
    expect(first.setCookie("session")).toMatch(NEW_COOKIE);
    const second = await browser.request("/");
    expect(second.text).toContain("Views in this session: 2");
    expect(second.setCookies).toEqual([]);
    expect(await log.shapes()).toEqual(["SET NX EX", "GET", "CAS SET EX"]);
  });

  it("a built asset is served before the middleware: no Redis command even with a session cookie", async () => {
    const page = await new Browser(server.url).request("/");
    const asset = /\/_nuxt\/[\w.-]+\.js/.exec(page.text)?.[0];
    expect(asset).toBeDefined();
    await signIn();
    const reply = await browser.request(asset as string);
    expect(reply.status).toBe(200);
    expect(reply.setCookies).toEqual([]);
    expect(await log.shapes()).toEqual([]);
  });

  it("a route that regenerates moves the data to a new id; the old cookie stops working", async () => {
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

  it("a route that invalidates deletes the session and clears the cookie", async () => {
    await signIn();
    const reply = await browser.request("/logout", { method: "POST" });
    expect(reply.status).toBe(200);
    expect(reply.setCookie("session")).toMatch(CLEARED_COOKIE);
    expect(await log.shapes()).toEqual(["GET", "GETDEL"]);
    expect((await browser.request("/read")).json()).toEqual({ data: {}, isNew: true });
  });

  it("sendRedirect right after a write is followed by a request that reads it", async () => {
    await signIn();
    const redirect = await browser.request("/redirect-after-write?step=2");
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get("location")).toBe("/read");
    const read = await browser.request("/read");
    expect(read.json()).toEqual({ data: { user: "ada", step: "2" }, isNew: false });
    expect(await log.shapes()).toEqual(["GET", "CAS SET EX", "GET"]);
  });

  it("a handler that throws answers 500; its write still lands before h3's error answer (cookieOnError)", async () => {
    const reply = await browser.request("/fail");
    expect(reply.status).toBe(500);
    expect(reply.setCookie("session")).toMatch(NEW_COOKIE);
    expect(await log.shapes()).toEqual(["SET NX EX"]);
    expect((await browser.request("/read")).json()).toEqual({ data: { doomed: "yes" }, isNew: false });
  });

  it("a second factory with defineSessionHandler keeps its own cookie beside the middleware's", async () => {
    await signIn();
    const write = await browser.request("/prefs/write?theme=dark");
    expect(write.json()).toEqual({ prefs: { theme: "dark" } });
    expect(write.setCookie("prefs")).toMatch(NEW_PREFS_COOKIE);
    expect(write.setCookie("session")).toBeUndefined();
    expect(await log.shapes()).toEqual(["GET", "SET NX EX"]);
    const read = await browser.request("/prefs/read");
    expect(read.json()).toEqual({ prefs: { theme: "dark" }, user: "ada" });
    expect(read.setCookies).toEqual([]);
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
        ["/", ""],
        ["/prefs/write?theme=dark", ""],
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
