import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { CLEARED_COOKIE, NEW_COOKIE } from "../spec/fixture.js";
import {
  invalidateCase,
  pageCase,
  redirectCase,
  redisStoppedCase,
  regenerateCase,
  useExample,
  visitorCase,
  writeReadCase,
} from "./example-cases.js";

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
  const fx = useExample({
    dir,
    build: { bin: "vite", args: ["build"] },
    // adapter-node takes the request's origin from ORIGIN; without it, it reports https: for every
    // request, and cookie.secure "auto" would add Secure over this plain-HTTP loopback server.
    serve: { script: "build", args: [], env: (url) => ({ ORIGIN: url }) },
  });

  visitorCase(fx);
  writeReadCase(fx);
  pageCase(fx, {
    by: "Svelte",
    headers: { accept: "text/html" },
    views: (count) => new RegExp(`Views in this session: (<!---->)?${count}`),
  });
  regenerateCase(fx, "an endpoint");
  invalidateCase(fx, "an endpoint");
  redirectCase(fx, "a redirect thrown by a load right after a write carries the commit");

  it("a redirect thrown on a client navigation (__data.json) sets the cookie of a new session", async () => {
    const reply = await fx.browser.request("/redirect-after-write/__data.json?step=3");
    expect(reply.status).toBe(200);
    expect(reply.json()).toMatchObject({ type: "redirect", location: "/read" });
    expect(reply.setCookie("session")).toMatch(NEW_COOKIE);
    expect(await fx.log.shapes()).toEqual(["SET NX EX"]);
    expect((await fx.browser.request("/read")).json()).toEqual({ data: { step: "3" }, isNew: false });
  });

  it("a form action that writes and throws redirect(303) is committed onto the 303", async () => {
    await fx.signIn();
    const reply = await fx.browser.request("/form", {
      method: "POST",
      headers: { ...FORM, origin: fx.server.url },
      body: "note=hello",
    });
    expect(reply.status).toBe(303);
    expect(reply.headers.get("location")).toBe("/read");
    expect(await fx.log.shapes()).toEqual(["GET", "CAS SET EX"]);
    expect((await fx.browser.request("/read")).json()).toEqual({
      data: { user: "ada", note: "hello" },
      isNew: false,
    });
  });

  it("a new session written by a form action gets its cookie on the 303", async () => {
    const reply = await fx.browser.request("/form", {
      method: "POST",
      headers: { ...FORM, origin: fx.server.url },
      body: "note=native",
    });
    expect(reply.status).toBe(303);
    expect(reply.setCookie("session")).toMatch(NEW_COOKIE);
    expect(await fx.log.shapes()).toEqual(["SET NX EX"]);
    expect((await fx.browser.request("/read")).json()).toEqual({ data: { note: "native" }, isNew: false });
  });

  it("a new session written by a use:enhance form action gets its cookie on the JSON redirect", async () => {
    const reply = await fx.browser.request("/form", {
      method: "POST",
      headers: { ...ENHANCED, origin: fx.server.url },
      body: "note=first",
    });
    expect(reply.status).toBe(200);
    expect(reply.json()).toMatchObject({ type: "redirect", status: 303, location: "/read" });
    expect(reply.setCookie("session")).toMatch(NEW_COOKIE);
    expect(await fx.log.shapes()).toEqual(["SET NX EX"]);
    expect((await fx.browser.request("/read")).json()).toEqual({ data: { note: "first" }, isNew: false });
  });

  it("a cross-site form post is refused by SvelteKit before the hook runs: 403, no command, no cookie", async () => {
    await fx.signIn();
    const reply = await fx.browser.request("/form", {
      method: "POST",
      headers: { ...FORM, origin: "http://elsewhere.example" },
      body: "note=evil",
    });
    expect(reply.status).toBe(403);
    expect(reply.setCookies).toEqual([]);
    expect(await fx.log.shapes()).toEqual([]);
  });

  it("a second factory side by side keeps its own cookie and session", async () => {
    await fx.signIn();
    const login = await fx.browser.request("/admin/login?name=root", { method: "POST" });
    expect(login.status).toBe(200);
    expect(login.setCookie("admin")).toMatch(NEW_ADMIN_COOKIE);
    expect(login.setCookie("session")).toBeUndefined();
    // The user's session is read (GET) and left alone; the admin one had no cookie yet.
    expect(await fx.log.shapes()).toEqual(["GET", "SET NX EX"]);
    const read = await fx.browser.request("/admin/read");
    expect(read.json()).toEqual({ admin: { admin: "root" }, user: { user: "ada" }, isNew: false });
    expect(read.setCookies).toEqual([]);
    expect(await fx.log.shapes()).toEqual(["GET", "GET"]);
    const logout = await fx.browser.request("/logout", { method: "POST" });
    expect(logout.setCookie("session")).toMatch(CLEARED_COOKIE);
    expect(logout.setCookie("admin")).toBeUndefined();
    expect((await fx.browser.request("/admin/read")).json()).toEqual({
      admin: { admin: "root" },
      user: {},
      isNew: false,
    });
  });

  redisStoppedCase(fx, [["/", true]]);

  it("the example type-checks against SvelteKit's own types (Handle, sequence, App.Locals)", async () => {
    const bin = (name: string) => join(dir, "node_modules", ".bin", name);
    await run(process.execPath, [bin("svelte-kit"), "sync"], { cwd: dir });
    await expect(
      run(process.execPath, [bin("tsc"), "--noEmit", "-p", "tsconfig.json"], { cwd: dir }),
    ).resolves.toBeDefined();
  }, 120_000);
});
