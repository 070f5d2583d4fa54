import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { exampleNode } from "../helpers/framework-app.js";
import { Browser } from "../spec/browser.js";
import { NEW_COOKIE } from "../spec/fixture.js";
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

const NEW_PREFS_COOKIE = /^prefs=[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax$/;

/**
 * examples/nuxt built with `nuxt build` (Nuxt 4, Nitro 2, h3 v1) and served by
 * `node .output/server/index.mjs`, with Node 22 (Nuxt 4 needs it), driven over HTTP. The main session
 * comes from a server middleware (sessile/h3 sessionMiddleware), the second factory from
 * defineSessionHandler on its own routes.
 */
describe("sessile/h3 on a Nuxt production server", () => {
  const fx = useExample({
    dir: join(import.meta.dirname, "../../examples/nuxt"),
    build: { bin: "nuxt", args: ["build"] },
    serve: { script: ".output/server/index.mjs", args: [] },
    options: { node: exampleNode },
  });

  visitorCase(fx);
  writeReadCase(fx);
  pageCase(fx, { by: "Vue on the server", views: (count) => `Views in this session: ${count}` });

  it("a built asset is served before the middleware: no Redis command even with a session cookie", async () => {
    const page = await new Browser(fx.server.url).request("/");
    const asset = /\/_nuxt\/[\w.-]+\.js/.exec(page.text)?.[0];
    expect(asset).toBeDefined();
    await fx.signIn();
    const reply = await fx.browser.request(asset as string);
    expect(reply.status).toBe(200);
    expect(reply.setCookies).toEqual([]);
    expect(await fx.log.shapes()).toEqual([]);
  });

  regenerateCase(fx, "a route");
  invalidateCase(fx, "a route");
  redirectCase(fx, "sendRedirect right after a write is followed by a request that reads it");

  it("a handler that throws answers 500; its write still lands before h3's error answer (cookieOnError)", async () => {
    const reply = await fx.browser.request("/fail");
    expect(reply.status).toBe(500);
    expect(reply.setCookie("session")).toMatch(NEW_COOKIE);
    expect(await fx.log.shapes()).toEqual(["SET NX EX"]);
    expect((await fx.browser.request("/read")).json()).toEqual({ data: { doomed: "yes" }, isNew: false });
  });

  it("a second factory with defineSessionHandler keeps its own cookie beside the middleware's", async () => {
    await fx.signIn();
    const write = await fx.browser.request("/prefs/write?theme=dark");
    expect(write.json()).toEqual({ prefs: { theme: "dark" } });
    expect(write.setCookie("prefs")).toMatch(NEW_PREFS_COOKIE);
    expect(write.setCookie("session")).toBeUndefined();
    expect(await fx.log.shapes()).toEqual(["GET", "SET NX EX"]);
    const read = await fx.browser.request("/prefs/read");
    expect(read.json()).toEqual({ prefs: { theme: "dark" }, user: "ada" });
    expect(read.setCookies).toEqual([]);
    expect(await fx.log.shapes()).toEqual(["GET", "GET"]);
  });

  redisStoppedCase(fx, [
    ["/", false],
    ["/prefs/write?theme=dark", false],
  ]);
});
