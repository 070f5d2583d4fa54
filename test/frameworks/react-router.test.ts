import { join } from "node:path";
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

/**
 * examples/react-router built with `react-router build` and served by `react-router-serve` (React
 * Router 7, framework mode, the root route's middleware from sessile/react-router), driven over HTTP.
 */
describe("sessile/react-router on react-router-serve", () => {
  const fx = useExample({
    dir: join(import.meta.dirname, "../../examples/react-router"),
    build: { bin: "react-router", args: ["build"] },
    serve: { script: "node_modules/.bin/react-router-serve", args: ["./build/server/index.js"] },
  });

  visitorCase(fx);
  writeReadCase(fx);
  pageCase(fx, { by: "React", views: (count) => `Views in this session: <!-- -->${count}` });
  regenerateCase(fx, "an action");
  invalidateCase(fx, "an action");
  redirectCase(fx, "a redirect thrown right after a write is followed by a request that reads it");

  it("the createSessionStorage facade: getSession, commitSession, destroySession", async () => {
    const write = await fx.browser.request("/storage/write?note=hi");
    expect(write.setCookie("session")).toMatch(NEW_COOKIE);
    // The root middleware loads the session too; without a cookie that costs nothing.
    expect(await fx.log.shapes()).toEqual(["SET NX EX"]);
    expect((await fx.browser.request("/storage/read")).json()).toEqual({ data: { note: "hi" } });
    const logout = await fx.browser.request("/storage/logout", { method: "POST" });
    expect(logout.setCookies).toContain(logout.setCookie("session"));
    expect(logout.setCookie("session")).toMatch(CLEARED_COOKIE);
    expect((await fx.browser.request("/read")).json()).toEqual({ data: {}, isNew: true });
  });

  redisStoppedCase(fx);
});
