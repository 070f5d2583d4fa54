import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import { CommandLog } from "../helpers/command-log.js";
import {
  buildExample,
  type ExampleOptions,
  type ExampleServer,
  startExample,
} from "../helpers/framework-app.js";
import { spawnRedis, type TestRedis } from "../helpers/redis-server.js";
import { SECRET } from "../helpers/sessions.js";
import { Browser } from "../spec/browser.js";
import { CLEARED_COOKIE, NEW_COOKIE } from "../spec/fixture.js";

/**
 * One example app under examples/ as its test builds and serves it. Every example serves `GET /read`
 * (the session as JSON, the path the server is probed on), `GET /write?k=v`, `POST /login?user=`,
 * `POST /logout` and `GET /redirect-after-write?step=`, with its main session under the cookie `session`.
 */
export interface ExampleApp {
  /** The example's folder. */
  dir: string;
  /** The framework's CLI under the example's node_modules/.bin, and its arguments, that build it. */
  build: { bin: string; args: string[] };
  /** The production server, `node <script> ...args`, started with REDIS_URL and SESSION_SECRET. */
  serve: {
    script: string;
    args: string[];
    /** More of the server's environment, from its own URL. */
    env?: (url: string) => Record<string, string>;
  };
  /** For both the build and the server. */
  options?: ExampleOptions;
  /** The time the build and start may take, in ms. @default 180_000 */
  timeout?: number;
}

/**
 * What the cases of one example share. The properties are set by the hooks {@link useExample} registers,
 * so read them inside a test or hook, never while registering.
 */
export interface ExampleFixture {
  /** The test's own `redis-server`. */
  readonly redis: TestRedis;
  /** The commands on the `sessile:` keys since the previous `take()`/`shapes()`; emptied before each test. */
  readonly log: CommandLog;
  /** The example's production server, shared by every case. */
  readonly server: ExampleServer;
  /** A new cookie jar on `server` for each test. */
  readonly browser: Browser;
  /** A stored session `{ user: "ada" }`; the jar holds its cookie and the log is emptied. */
  signIn(): Promise<void>;
  /** Starts a new `log` (after Redis was restarted). */
  startLog(): Promise<void>;
}

/**
 * Registers the hooks of one example's test in the current `describe`: the build, a `redis-server`, a
 * command log and the production server once for all its tests, a fresh jar before each test.
 */
export function useExample(app: ExampleApp): ExampleFixture {
  // The hooks below fill in the rest before any test runs.
  const fx = { signIn, startLog } as { -readonly [K in keyof ExampleFixture]: ExampleFixture[K] };

  async function startLog(): Promise<void> {
    fx.log = new CommandLog(fx.redis.url, "sessile:");
    await fx.log.start();
  }

  async function signIn(): Promise<void> {
    const reply = await fx.browser.request("/write?user=ada");
    expect(reply.setCookie("session")).toMatch(NEW_COOKIE);
    await fx.log.take();
  }

  beforeAll(async () => {
    await buildExample(app.dir, app.build.bin, app.build.args, app.options);
    fx.redis = await spawnRedis();
    await startLog();
    fx.server = await startExample(
      app.dir,
      app.serve.script,
      app.serve.args,
      (url) => ({ ...app.serve.env?.(url), REDIS_URL: fx.redis.url, SESSION_SECRET: SECRET }),
      "/read",
      app.options,
    );
    // The first write of a session loads the store's script into Redis; do it once before the cases, so
    // their command shapes never include the one-time `EVAL`. A server still warming up can answer the
    // first request without a session, so write until a compare-and-set has reached Redis.
    await fx.log.take();
    for (let attempt = 1; ; attempt++) {
      const warm = new Browser(fx.server.url);
      await warm.request("/write?warm=1");
      await warm.request("/write?warm=2");
      if ((await fx.log.shapes()).some((s) => s.startsWith("CAS "))) break;
      if (attempt === 3) throw new Error("the example never sent the compare-and-set while warming up");
    }
  }, app.timeout ?? 180_000);

  afterAll(async () => {
    await fx.server?.stop();
    await fx.log?.stop();
    await fx.redis?.stop();
  });

  beforeEach(async () => {
    fx.browser = new Browser(fx.server.url);
    await fx.log.take();
  });

  return fx;
}

/** A visitor without a cookie: no Redis command, no cookie, no `Vary: Cookie`. */
export function visitorCase(fx: ExampleFixture): void {
  it("a visitor without a cookie costs no Redis command and gets no cookie", async () => {
    const reply = await fx.browser.request("/read");
    expect(reply.status).toBe(200);
    expect(reply.json()).toEqual({ data: {}, isNew: true });
    expect(reply.setCookies).toEqual([]);
    expect(reply.headers.get("vary") ?? "").not.toMatch(/cookie/i);
    expect(await fx.log.shapes()).toEqual([]);
  });
}

/** A first write is one SET NX EX with one cookie; the next read is one GET with none. */
export function writeReadCase(fx: ExampleFixture): void {
  it("a write stores the session with SET NX EX; a read is one GET and sends no cookie", async () => {
    const write = await fx.browser.request("/write?user=ada");
    expect(write.setCookie("session")).toMatch(NEW_COOKIE);
    expect(write.setCookies).toHaveLength(1);
    expect(write.headers.get("vary")).toMatch(/\bcookie\b/i);
    expect(await fx.log.shapes()).toEqual(["SET NX EX"]);
    const read = await fx.browser.request("/read");
    expect(read.json()).toEqual({ data: { user: "ada" }, isNew: false });
    expect(read.setCookies).toEqual([]);
    expect(await fx.log.shapes()).toEqual(["GET"]);
  });
}

/** How {@link pageCase} asks for the example's page `/` and finds its visit count. */
export interface PageViews {
  /** Who renders the page, in the test's name: "React", "Svelte". */
  by: string;
  /** Headers of the page requests. */
  headers?: Record<string, string>;
  /** What the page's HTML holds for `count` visits (a string it contains, or a pattern). */
  views: (count: number) => string | RegExp;
}

/** The page `/` counts its session's visits: a new session, then a read and a compare-and-set. */
export function pageCase(fx: ExampleFixture, page: PageViews): void {
  it(`a page rendered by ${page.by} counts the visits of its session`, async () => {
    const options = page.headers ? { headers: page.headers } : {};
    const first = await fx.browser.request("/", options);
    expect(first.status).toBe(200);
    expect(first.text).toMatch(page.views(1));
    expect(first.setCookie("session")).toMatch(NEW_COOKIE);
    const second = await fx.browser.request("/", options);
    expect(second.text).toMatch(page.views(2));
    expect(second.setCookies).toEqual([]);
    expect(await fx.log.shapes()).toEqual(["SET NX EX", "GET", "CAS SET EX"]);
  });
}

/** `POST /login` regenerates; `what` names the handler: "an action", "a route handler". */
export function regenerateCase(fx: ExampleFixture, what: string): void {
  it(`${what} that regenerates moves the data to a new id; the old cookie stops working`, async () => {
    await fx.signIn();
    const old = fx.browser.cookie("session") as string;
    const login = await fx.browser.request("/login?user=bob", { method: "POST" });
    expect(login.status).toBe(200);
    expect(login.setCookie("session")).toMatch(NEW_COOKIE);
    expect(fx.browser.cookie("session")).not.toBe(old);
    const shapes = await fx.log.shapes();
    expect(shapes[0]).toBe("GET");
    expect(shapes.slice(1).sort()).toEqual(["SET NX EX", "SET XX GET EX"]);
    expect((await fx.browser.request("/read")).json()).toEqual({ data: { user: "bob" }, isNew: false });
    const stale = await new Browser(fx.server.url).request("/read", { cookie: `session=${old}` });
    expect(stale.json()).toEqual({ data: {}, isNew: true });
  });
}

/** `POST /logout` invalidates; `what` names the handler, as in {@link regenerateCase}. */
export function invalidateCase(fx: ExampleFixture, what: string): void {
  it(`${what} that invalidates deletes the session and clears the cookie`, async () => {
    await fx.signIn();
    const reply = await fx.browser.request("/logout", { method: "POST" });
    expect(reply.status).toBe(200);
    expect(reply.setCookie("session")).toMatch(CLEARED_COOKIE);
    expect(await fx.log.shapes()).toEqual(["GET", "GETDEL"]);
    expect((await fx.browser.request("/read")).json()).toEqual({ data: {}, isNew: true });
  });
}

/** `GET /redirect-after-write` writes and redirects to /read, which sees the write; `name` is the test's. */
export function redirectCase(fx: ExampleFixture, name: string): void {
  it(name, async () => {
    await fx.signIn();
    const redirect = await fx.browser.request("/redirect-after-write?step=2");
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get("location")).toBe("/read");
    const read = await fx.browser.request("/read");
    expect(read.json()).toEqual({ data: { user: "ada", step: "2" }, isNew: false });
    expect(await fx.log.shapes()).toEqual(["GET", "CAS SET EX", "GET"]);
  });
}

/**
 * With Redis stopped, a write without a cookie and a read and a write with one fail fast with a 5xx and
 * no Set-Cookie, and so do the example's `more` paths (`withCookie`: sent with the signed-in cookie);
 * once Redis is back, a write works again.
 */
export function redisStoppedCase(fx: ExampleFixture, more: [path: string, withCookie: boolean][] = []): void {
  it("with Redis stopped, requests fail with a 5xx and no Set-Cookie, then work once it is back", async () => {
    await fx.signIn();
    const cookie = fx.browser.cookie("session") as string;
    await fx.log.stop();
    await fx.redis.stop();
    try {
      for (const [path, withCookie] of [
        ["/write?user=bob", false],
        ["/read", true],
        ["/write?user=bob", true],
        ...more,
      ] as const) {
        const started = Date.now();
        const reply = await new Browser(fx.server.url).request(
          path,
          withCookie ? { cookie: `session=${cookie}` } : {},
        );
        expect(reply.status, path).toBeGreaterThanOrEqual(500);
        expect(reply.setCookies, path).toEqual([]);
        expect(Date.now() - started, path).toBeLessThan(3000);
      }
    } finally {
      await fx.redis.restart();
      await fx.startLog();
    }
    let reply = await new Browser(fx.server.url).request("/write?user=ada");
    for (let tries = 0; reply.status !== 200 && tries < 50; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      reply = await new Browser(fx.server.url).request("/write?user=ada");
    }
    expect(reply.status, fx.server.output()).toBe(200);
    expect(reply.setCookie("session")).toMatch(NEW_COOKIE);
  });
}
