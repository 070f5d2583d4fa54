import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM, CHROMIUM_ARGS, HAS_CHROMIUM, SKIP_REASON } from "./helpers/chromium.js";
import { CommandLog } from "./helpers/command-log.js";
import { type Demo, ROOT, startDemo } from "./helpers/demo-process.js";
import { spawnRedis, type TestRedis } from "./helpers/redis-server.js";
import { waitUntil } from "./helpers/wait-until.js";

const SKUS = ["beans", "dripper", "filters", "jug"];

interface Sent {
  readonly status: number;
  /** When the response arrived, by the page's clock (ms). */
  readonly at: number;
}

/**
 * Posts urlencoded forms from inside the page, all at once (the browser's own cookies, CSRF token from
 * the page), without following redirects; resolves to each response's status and arrival time.
 */
async function postAll(
  page: Page,
  forms: readonly (readonly [string, Record<string, string>])[],
): Promise<Sent[]> {
  const csrf = await page.locator("input[name=_csrf]").first().inputValue();
  return page.evaluate(
    async ([list, csrf]) => {
      return Promise.all(
        list.map(async ([path, fields]) => {
          const response = await fetch(path, {
            method: "POST",
            body: new URLSearchParams({ _csrf: csrf, ...fields }),
            redirect: "manual",
          });
          return { status: response.status, at: performance.timeOrigin + performance.now() };
        }),
      );
    },
    [forms, csrf] as const,
  );
}

async function signIn(page: Page, url: string, name: string): Promise<void> {
  await page.goto(`${url}/`);
  await page.fill("input[name=name]", name);
  await Promise.all([page.waitForNavigation(), page.locator("button:has-text('Sign in')").click()]);
  expect(await page.locator("[data-testid=signed-in-as]").textContent()).toBe(name);
}

async function signedInAs(page: Page): Promise<string | null> {
  const who = page.locator("[data-testid=signed-in-as]");
  return (await who.count()) === 0 ? null : await who.textContent();
}

/** The cart's quantities by SKU, as the cart page shows them. */
async function cart(page: Page, url: string): Promise<Record<string, number>> {
  await page.goto(`${url}/cart`);
  const out: Record<string, number> = {};
  for (const sku of SKUS) {
    const cell = page.locator(`[data-testid=qty-${sku}]`);
    if ((await cell.count()) > 0) out[sku] = Number(await cell.textContent());
  }
  return out;
}

/** The devices page's rows: handle and whether it is this browser. */
async function devices(page: Page, url: string): Promise<{ handle: string; current: boolean }[]> {
  await page.goto(`${url}/devices`);
  const rows = page.locator("[data-testid=device]");
  const out: { handle: string; current: boolean }[] = [];
  for (let i = 0; i < (await rows.count()); i++) {
    const row = rows.nth(i);
    out.push({
      handle: (await row.getAttribute("data-handle")) ?? "",
      current: (await row.getAttribute("data-current")) === "true",
    });
  }
  return out;
}

describe.skipIf(!HAS_CHROMIUM)(
  HAS_CHROMIUM
    ? "examples/demo in Chromium: several browsers and tabs at once"
    : `examples/demo in Chromium: several browsers and tabs at once (${SKIP_REASON})`,
  () => {
    let redis: TestRedis;
    let log: CommandLog;
    let demo: Demo;
    let browser: Browser;
    const contexts: BrowserContext[] = [];

    async function browserPage(): Promise<Page> {
      const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
      contexts.push(context);
      return context.newPage();
    }

    beforeAll(async () => {
      if (!existsSync(join(ROOT, "dist", "adapters", "express.js"))) {
        throw new Error("the demo runs on the built package: run `npm run build` before this test");
      }
      redis = await spawnRedis();
      log = new CommandLog(redis.url, "sessile:");
      await log.start();
      demo = await startDemo({
        REDIS_URL: redis.url,
        SESSION_SECRET: randomBytes(32).toString("base64url"),
        DEMO_QUIET: "1",
      });
      browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_ARGS] });
    });

    afterAll(async () => {
      for (const context of contexts) await context.close();
      await browser?.close();
      await demo?.stop();
      await log?.stop();
      await redis?.stop();
    });

    it("shows two browsers of one user as two devices; one signs the other out, and stays signed in", async () => {
      const a = await browserPage();
      const b = await browserPage();
      await signIn(a, demo.url, "Grace");
      await signIn(b, demo.url, "Grace");
      const seenByA = await devices(a, demo.url);
      const seenByB = await devices(b, demo.url);
      expect(seenByA).toHaveLength(2);
      expect(seenByA.filter((d) => d.current)).toHaveLength(1);
      expect(seenByB.map((d) => d.handle).sort()).toEqual(seenByA.map((d) => d.handle).sort());
      const handleOfB = seenByB.find((d) => d.current)?.handle;
      expect(seenByA.find((d) => d.current)?.handle).not.toBe(handleOfB);
      expect(await a.locator("[data-testid=device] td").first().textContent()).toContain(
        "Headless Chrome on",
      );

      await a.goto(`${demo.url}/devices`);
      await Promise.all([
        a.waitForNavigation(),
        a.locator(`[data-handle="${handleOfB}"] [data-testid=end-device]`).click(),
      ]);
      expect(await a.locator("[data-testid=flash]").textContent()).toBe("That device is signed out.");
      expect(await devices(a, demo.url)).toEqual([
        { handle: seenByA.find((d) => d.current)?.handle, current: true },
      ]);

      // B's next request finds no session: the devices page sends it to sign in.
      await b.goto(`${demo.url}/devices`);
      expect(b.url()).toBe(`${demo.url}/?signin=required`);
      expect(await signedInAs(b)).toBeNull();
      await a.reload();
      expect(await signedInAs(a)).toBe("Grace");
    });

    it("signs out everywhere else and keeps this browser signed in", async () => {
      const [a, b, c] = [await browserPage(), await browserPage(), await browserPage()];
      for (const page of [a, b, c]) await signIn(page, demo.url, "Hopper");
      const other = await browserPage();
      await signIn(other, demo.url, "Someone else");
      expect(await devices(a, demo.url)).toHaveLength(3);
      await Promise.all([a.waitForNavigation(), a.locator("[data-testid=end-others]").click()]);
      expect(await a.locator("[data-testid=flash]").textContent()).toBe(
        "Signed out everywhere else: 2 other device(s).",
      );
      expect((await devices(a, demo.url)).map((d) => d.current)).toEqual([true]);
      for (const page of [b, c]) {
        await page.reload();
        expect(await signedInAs(page)).toBeNull();
      }
      expect(await signedInAs(a)).toBe("Hopper");
      // Another user's device is not touched.
      await other.reload();
      expect(await signedInAs(other)).toBe("Someone else");
    });

    it("keeps every item of parallel adds to the cart, each read before any was written", async () => {
      const page = await browserPage();
      await signIn(page, demo.url, "Lin");
      await page.goto(`${demo.url}/cart`);
      await log.take();
      // Each request waits 400 ms after its session was read, so all four read the same revision.
      const sent = await postAll(
        page,
        SKUS.map((sku) => ["/cart/add", { sku, delay: "400" }] as const),
      );
      expect(sent.map((s) => s.status)).toEqual([0, 0, 0, 0]);
      const shapes = await log.shapes();
      // Four reads, then more compare-and-set calls than requests: the later writes conflicted and merged.
      expect(shapes.filter((c) => c === "GET")).toHaveLength(4);
      expect(shapes.filter((c) => c.startsWith("CAS SET")).length).toBeGreaterThan(4);
      expect(await cart(page, demo.url)).toEqual({ beans: 1, dripper: 1, filters: 1, jug: 1 });
    });

    it("stays signed in with every item when parallel adds race a sign-in that rotates the cookie", async () => {
      const page = await browserPage();
      await signIn(page, demo.url, "Mei");
      await page.goto(`${demo.url}/cart`);
      await log.take();
      // The adds read the session with the old cookie, then write after the sign-in has replaced it.
      const adds = postAll(
        page,
        ["beans", "jug", "dripper"].map((sku) => ["/cart/add", { sku, delay: "1000" }] as const),
      );
      let reads = 0;
      await waitUntil("the three adds to read their session", async () => {
        reads += (await log.shapes()).filter((c) => c === "GET").length;
        return reads >= 3;
      });
      const [login] = await postAll(page, [["/login", { name: "Mei" }]]);
      const added = await adds;
      expect([login?.status, ...added.map((s) => s.status)]).toEqual([0, 0, 0, 0]);
      expect(Math.min(...added.map((s) => s.at))).toBeGreaterThan(login?.at ?? Number.POSITIVE_INFINITY);
      expect(await cart(page, demo.url)).toEqual({ beans: 1, dripper: 1, jug: 1 });
      expect(await signedInAs(page)).toBe("Mei");
      expect(await devices(page, demo.url)).toHaveLength(1);
    });

    it("stays signed out when a sign-out in one tab races a slower request in another", async () => {
      const page = await browserPage();
      await signIn(page, demo.url, "Ida");
      const other = await page.context().newPage();
      await other.goto(`${demo.url}/cart`);
      await page.goto(`${demo.url}/cart`);
      const [old] = (await page.context().cookies()).filter((c) => c.name === "session");
      await log.take();
      const slow = postAll(other, [["/cart/add", { sku: "jug", delay: "1500" }]]);
      // The slow request has read the session before the sign-out starts.
      await waitUntil("the slow request to read its session", async () =>
        (await log.shapes()).includes("GET"),
      );
      await Promise.all([page.waitForNavigation(), page.locator("button:has-text('Sign out')").click()]);
      const signedOutAt = await page.evaluate(() => performance.timeOrigin + performance.now());
      expect(await page.locator("[data-testid=flash]").textContent()).toContain("You are signed out");
      const [late] = await slow;
      expect(late?.at).toBeGreaterThan(signedOutAt);
      for (const tab of [page, other]) {
        await tab.goto(`${demo.url}/cart`);
        expect(tab.url()).toBe(`${demo.url}/?signin=required`);
        expect(await signedInAs(tab)).toBeNull();
      }
      // The slow write did not bring the old session back: its cookie, sent again, finds nothing.
      const fresh = await browserPage();
      if (old) await fresh.context().addCookies([old]);
      await fresh.goto(`${demo.url}/session`);
      expect(await fresh.locator("[data-testid=no-session]").count()).toBe(1);
    });
  },
);
