import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CommandLog } from "../helpers/command-log.js";
import { buildExample, type ExampleServer, startExample } from "../helpers/framework-app.js";
import { spawnRedis, type TestRedis } from "../helpers/redis-server.js";
import { SECRET } from "../helpers/sessions.js";
import { Browser } from "../spec/browser.js";
import { CLEARED_COOKIE, NEW_COOKIE } from "../spec/fixture.js";

const run = promisify(execFile);
const dir = join(import.meta.dirname, "../../examples/sveltekit");
const NEW_ADMIN_COOKIE = /^admin=[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax$/;
// A browser's own form post asks for HTML; use:enhance posts ask for JSON and get the redirect as data.
const FORM = { "content-type": "application/x-www-form-urlencoded", accept: "text/html" };
const ENHANCED = { ...FORM, accept: "application/json", "x-sveltekit-action": "true" };

/**
 * examples/sveltekit built with `vite build` (SvelteKit 2, @sveltejs/adapter-node) and served by
 * `node build`, the `handle` hook from sessile/sveltekit (two factories through `sequence()`), driven
 * over HTTP.
 */
describe("sessile/sveltekit on @sveltejs/adapter-node", () => {
  let redis: TestRedis;
  let log: CommandLog;
  let server: ExampleServer;
  let browser: Browser;

  beforeAll(async () => {
    await buildExample(dir, "vite", ["build"]);
    redis = await spawnRedis();
    log = new CommandLog(redis.url, "sessile:");
    await log.start();
    // adapter-node takes the request's origin from ORIGIN; without it, it reports https: for every
    // request, and cookie.secure "auto" would add Secure over this plain-HTTP loopback server.
    server = await startExample(
      dir,
      "build",
      [],
      (url) => ({ REDIS_URL: redis.url, SESSION_SECRET: SECRET, ORIGIN: url }),
      "/read",
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
    expect(write.setCookies).toHaveLength(1);
    expect(write.headers.get("vary")).toMatch(/\bcookie\b/i);
    expect(await log.shapes()).toEqual(["SET NX EX"]);
    const read = await browser.request("/read");
    expect(read.json()).toEqual({ data: { user: "ada" }, isNew: false });
    expect(read.setCookies).toEqual([]);
    expect(await log.shapes()).toEqual(["GET"]);
  });

  it("a page rendered by Svelte counts the visits of its session", async () => {
    const first = await browser.request("/", { headers: { accept: "text/html" } });
    expect(first.text).toMatch(/Views in this session: (<!---->)?1/);
    expect(first.setCookie("session")).toMatch(NEW_COOKIE);
    const second = await browser.request("/", { headers: { accept: "text/html" } });
    expect(second.text).toMatch(/Views in this session: (<!---->)?2/);
    expect(await log.shapes()).toEqual(["SET NX EX", "GET", "CAS SET EX"]);
  });

  it("an endpoint that regenerates moves the data to a new id; the old cookie stops working", async () => {
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

  it("an endpoint that invalidates deletes the session and clears the cookie", async () => {
    await signIn();
    const reply = await browser.request("/logout", { method: "POST" });
    expect(reply.setCookie("session")).toMatch(CLEARED_COOKIE);
    expect(await log.shapes()).toEqual(["GET", "GETDEL"]);
    expect((await browser.request("/read")).json()).toEqual({ data: {}, isNew: true });
  });

  it("a redirect thrown by a load right after a write carries the commit", async () => {
    await signIn();
    const redirect = await browser.request("/redirect-after-write?step=2");
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get("location")).toBe("/read");
    const read = await browser.request("/read");
    expect(read.json()).toEqual({ data: { user: "ada", step: "2" }, isNew: false });
    expect(await log.shapes()).toEqual(["GET", "CAS SET EX", "GET"]);
  });

  it("a redirect thrown on a client navigation (__data.json) sets the cookie of a new session", async () => {
    const reply = await browser.request("/redirect-after-write/__data.json?step=3");
    expect(reply.status).toBe(200);
    expect(reply.json()).toMatchObject({ type: "redirect", location: "/read" });
    expect(reply.setCookie("session")).toMatch(NEW_COOKIE);
    expect(await log.shapes()).toEqual(["SET NX EX"]);
    expect((await browser.request("/read")).json()).toEqual({ data: { step: "3" }, isNew: false });
  });

  it("a form action that writes and throws redirect(303) is committed onto the 303", async () => {
    await signIn();
    const reply = await browser.request("/form", {
      method: "POST",
      headers: { ...FORM, origin: server.url },
      body: "note=hello",
    });
    expect(reply.status).toBe(303);
    expect(reply.headers.get("location")).toBe("/read");
    expect(await log.shapes()).toEqual(["GET", "CAS SET EX"]);
    expect((await browser.request("/read")).json()).toEqual({
      data: { user: "ada", note: "hello" },
      isNew: false,
    });
  });

  it("a new session written by a form action gets its cookie on the 303", async () => {
    const reply = await browser.request("/form", {
      method: "POST",
      headers: { ...FORM, origin: server.url },
      body: "note=native",
    });
    expect(reply.status).toBe(303);
    expect(reply.setCookie("session")).toMatch(NEW_COOKIE);
    expect(await log.shapes()).toEqual(["SET NX EX"]);
    expect((await browser.request("/read")).json()).toEqual({ data: { note: "native" }, isNew: false });
  });

  it("a new session written by a use:enhance form action gets its cookie on the JSON redirect", async () => {
    const reply = await browser.request("/form", {
      method: "POST",
      headers: { ...ENHANCED, origin: server.url },
      body: "note=first",
    });
    expect(reply.status).toBe(200);
    expect(reply.json()).toMatchObject({ type: "redirect", status: 303, location: "/read" });
    expect(reply.setCookie("session")).toMatch(NEW_COOKIE);
    expect(await log.shapes()).toEqual(["SET NX EX"]);
    expect((await browser.request("/read")).json()).toEqual({ data: { note: "first" }, isNew: false });
  });

  it("a cross-site form post is refused by SvelteKit before the hook runs: 403, no command, no cookie", async () => {
    await signIn();
    const reply = await browser.request("/form", {
      method: "POST",
      headers: { ...FORM, origin: "http://elsewhere.example" },
      body: "note=evil",
    });
    expect(reply.status).toBe(403);
    expect(reply.setCookies).toEqual([]);
    expect(await log.shapes()).toEqual([]);
  });

  it("a second factory side by side keeps its own cookie and session", async () => {
    await signIn();
    const login = await browser.request("/admin/login?name=root", { method: "POST" });
    expect(login.status).toBe(200);
    expect(login.setCookie("admin")).toMatch(NEW_ADMIN_COOKIE);
    expect(login.setCookie("session")).toBeUndefined();
    // The user's session is read (GET) and left alone; the admin one had no cookie yet.
    expect(await log.shapes()).toEqual(["GET", "SET NX EX"]);
    const read = await browser.request("/admin/read");
    expect(read.json()).toEqual({ admin: { admin: "root" }, user: { user: "ada" }, isNew: false });
    expect(read.setCookies).toEqual([]);
    expect(await log.shapes()).toEqual(["GET", "GET"]);
    const logout = await browser.request("/logout", { method: "POST" });
    expect(logout.setCookie("session")).toMatch(CLEARED_COOKIE);
    expect(logout.setCookie("admin")).toBeUndefined();
    expect((await browser.request("/admin/read")).json()).toEqual({
      admin: { admin: "root" },
      user: {},
      isNew: false,
    });
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
        ["/", `session=${cookie}`],
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

  it("the example type-checks against SvelteKit's own types (Handle, sequence, App.Locals)", async () => {
    const bin = (name: string) => join(dir, "node_modules", ".bin", name);
    await run(process.execPath, [bin("svelte-kit"), "sync"], { cwd: dir });
    await expect(
      run(process.execPath, [bin("tsc"), "--noEmit", "-p", "tsconfig.json"], { cwd: dir }),
    ).resolves.toBeDefined();
  }, 120_000);
});
