import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Demo, ROOT, startDemo } from "./helpers/demo-process.js";
import { freePort, spawnRedis, type TestRedis } from "./helpers/redis-server.js";

/** Signs in through the form post and returns the `name=value` of the session cookie it set. */
async function signIn(url: string): Promise<string> {
  const response = await fetch(`${url}/login`, {
    method: "POST",
    body: new URLSearchParams({ name: "Grace" }),
    redirect: "manual",
  });
  expect(response.status).toBe(303);
  // The session is created and bound to the user "Grace": one script call adds it to her index (sent
  // again as source, EVAL, the first time on a fresh server).
  expect(response.headers.get("x-redis-commands")).toMatch(
    /^SET NX EX, INDEX UPDATE(, INDEX UPDATE \(EVAL\))?$/,
  );
  const cookie = response.headers.getSetCookie().find((c) => c.startsWith("session="));
  expect(cookie).toMatch(/^session=[\w-]{43}\.[\w-]{43}; Path=\/; HttpOnly; SameSite=Lax$/);
  return cookie?.split(";")[0] ?? "";
}

describe("examples/demo (npm start)", () => {
  beforeAll(() => {
    if (!existsSync(join(ROOT, "dist", "adapters", "express.js"))) {
      throw new Error("the demo runs on the built package: run `npm run build` before this test");
    }
  });

  it("is what npm start runs, after building the package", () => {
    const { scripts } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
    expect(scripts.prestart).toBe("npm run build");
    expect(scripts.start).toBe("node examples/demo/server.js");
  });

  describe("with Redis", () => {
    let redis: TestRedis;
    let demo: Demo;

    beforeAll(async () => {
      redis = await spawnRedis();
      demo = await startDemo({ REDIS_URL: redis.url, SESSION_SECRET: randomBytes(32).toString("base64url") });
    });

    afterAll(async () => {
      await demo?.stop();
      await redis?.stop();
    });

    it("answers the home page without the fallback banner", async () => {
      const response = await fetch(`${demo.url}/`);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(response.headers.get("x-redis-commands")).toBe("none");
      const body = await response.text();
      expect(body).toContain("<title>Home · sessile demo</title>");
      expect(body).not.toContain("memory-banner");
      expect(body).toContain('data-trace="handler" data-commands=""');
      expect(demo.output()).toContain(`sessile demo: sessions in Redis at ${redis.url}`);
      expect(demo.output()).not.toContain("SESSION_SECRET is not set");
    });

    it("keeps a signed-in session in Redis: one GET, plus one SET for the popped flash", async () => {
      const cookie = await signIn(demo.url);
      const first = await fetch(`${demo.url}/`, { headers: { cookie } });
      // The first compare-and-set on this fresh server: answered NOSCRIPT, then sent as source (EVAL).
      expect(first.headers.get("x-redis-commands")).toBe("GET, CAS SET EX, CAS SET EX (EVAL)");
      expect(await first.text()).toContain("Signed in as Grace");
      const again = await fetch(`${demo.url}/`, { headers: { cookie } });
      expect(again.headers.get("x-redis-commands")).toBe("GET");
    });

    it("serves static files without loading the session", async () => {
      const cookie = await signIn(demo.url);
      const response = await fetch(`${demo.url}/static/demo.css`, { headers: { cookie } });
      expect(response.status).toBe(200);
      expect(response.headers.get("x-redis-commands")).toBeNull();
      expect(response.headers.get("set-cookie")).toBeNull();
    });
  });

  describe("without Redis", () => {
    let demo: Demo;
    let closed: string;

    beforeAll(async () => {
      closed = `redis://127.0.0.1:${await freePort()}`;
      demo = await startDemo({ REDIS_URL: closed, SESSION_SECRET: "" });
    });

    afterAll(async () => {
      await demo?.stop();
    });

    it("falls back to memoryStore() and says so in a banner and on the console", async () => {
      const response = await fetch(`${demo.url}/`);
      expect(response.status).toBe(200);
      const body = await response.text();
      expect(body).toContain('data-testid="memory-banner"');
      expect(body).toContain(`no Redis answered at ${closed}`);
      expect(demo.output()).toContain(`sessile demo: no Redis answered at ${closed}`);
      expect(demo.output()).toContain("using memoryStore()");
    });

    it("makes a random secret when SESSION_SECRET is unset and says so", () => {
      expect(demo.output()).toContain("SESSION_SECRET is not set; using a random secret");
    });

    it("keeps a signed-in session in memory", async () => {
      const cookie = await signIn(demo.url);
      const response = await fetch(`${demo.url}/session`, { headers: { cookie } });
      const body = await response.text();
      expect(response.headers.get("x-redis-commands")).toBe("GET, CAS SET EX");
      expect(body).toContain("Signed in as Grace");
      expect(body).toContain("memoryStore()</code> has no <code>PTTL");
    });
  });
});
