import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM, CHROMIUM_ARGS, HAS_CHROMIUM, SKIP_REASON } from "./helpers/chromium.js";
import { CommandLog } from "./helpers/command-log.js";
import { type Demo, ROOT, startDemo } from "./helpers/demo-process.js";
import { spawnRedis, type TestRedis } from "./helpers/redis-server.js";

const SHOTS = join(ROOT, "test-results", "demo-e2e");

if (!HAS_CHROMIUM) console.warn(`demo e2e test ${SKIP_REASON}`);

interface Footer {
  handler: string[];
  commit: string[];
  demo: string[] | null;
  redirect: string[] | null;
}

/** The Redis commands the page's footer lists, by row (`null` for a row that is absent). */
async function footer(page: Page): Promise<Footer> {
  const row = async (name: string): Promise<string[] | null> => {
    const cell = page.locator(`[data-trace="${name}"]`);
    if ((await cell.count()) === 0) return null;
    const text = (await cell.getAttribute("data-commands")) ?? "";
    return text === "" ? [] : text.split(", ");
  };
  return {
    handler: (await row("handler")) ?? [],
    commit: (await row("commit")) ?? [],
    demo: await row("demo"),
    redirect: await row("redirect"),
  };
}

/** What the footer says, flattened in the order the commands reached Redis. */
function sent(f: Footer): string[] {
  return [...(f.redirect ?? []), ...f.handler, ...(f.demo ?? []), ...f.commit];
}

describe.skipIf(!HAS_CHROMIUM)(
  HAS_CHROMIUM ? "examples/demo in Chromium" : `examples/demo in Chromium (${SKIP_REASON})`,
  () => {
    let redis: TestRedis;
    let log: CommandLog;
    let demo: Demo;
    let context: BrowserContext;
    let page: Page;
    let profile: string;
    const consoleErrors: string[] = [];

    /** Footer of the current page, checked against what MONITOR saw since the previous step. */
    async function step(): Promise<Footer> {
      const f = await footer(page);
      expect(await log.shapes()).toEqual(sent(f));
      return f;
    }

    async function shot(name: string): Promise<void> {
      await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
    }

    async function submit(selector: string): Promise<number> {
      const [response] = await Promise.all([page.waitForNavigation(), page.locator(selector).click()]);
      return response?.status() ?? 0;
    }

    beforeAll(async () => {
      if (!existsSync(join(ROOT, "dist", "adapters", "express.js"))) {
        throw new Error("the demo runs on the built package: run `npm run build` before this test");
      }
      mkdirSync(SHOTS, { recursive: true });
      redis = await spawnRedis();
      log = new CommandLog(redis.url, "sessile:");
      await log.start();
      demo = await startDemo({ REDIS_URL: redis.url, SESSION_SECRET: randomBytes(32).toString("base64url") });
      profile = mkdtempSync(join(tmpdir(), "sessile-chromium-"));
      context = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM,
        headless: true,
        args: [...CHROMIUM_ARGS],
        viewport: { width: 1100, height: 900 },
      });
      page = context.pages()[0] ?? (await context.newPage());
      page.on("console", (message) => {
        if (message.type() === "error") consoleErrors.push(message.text());
      });
      await log.take();
    });

    afterAll(async () => {
      await context?.close();
      await demo?.stop();
      await log?.stop();
      await redis?.stop();
      if (profile) rmSync(profile, { recursive: true, force: true });
    });

    it("sends no command and sets no cookie for a first visit", async () => {
      const response = await page.goto(`${demo.url}/`);
      expect(response?.status()).toBe(200);
      expect(response?.headers()["x-redis-commands"]).toBe("none");
      expect(await page.locator("h2", { hasText: "Sign in" }).isVisible()).toBe(true);
      expect(await step()).toEqual({ handler: [], commit: [], demo: null, redirect: null });
      expect(await page.locator("[data-testid=memory-banner]").count()).toBe(0);
      expect(await context.cookies()).toEqual([]);
      await shot("1-home");
    });

    it("signs in with regenerate() and remember me, and shows the welcome flash once", async () => {
      await page.fill("input[name=name]", "Ada");
      await page.check("input[name=remember]");
      expect(await submit("button:has-text('Sign in')")).toBe(200);
      expect(await page.locator("[data-testid=flash]").allTextContents()).toEqual(["Signed in as Ada"]);
      expect(await page.locator("[data-testid=signed-in-as]").textContent()).toBe("Ada");
      // The login wrote once; this page read once and, having popped the flash, wrote once at commit:
      // the first compare-and-set on this fresh server, answered NOSCRIPT and sent again as source.
      // The login also bound the session to "Ada": one script call on her index, sent as source the first time.
      expect(await step()).toEqual({
        redirect: ["SET NX EX", "INDEX UPDATE", "INDEX UPDATE (EVAL)"],
        handler: ["GET"],
        commit: ["CAS SET EX", "CAS SET EX (EVAL)"],
        demo: null,
      });
      const [cookie] = (await context.cookies()).filter((c) => c.name === "session");
      expect(cookie?.httpOnly).toBe(true);
      expect(cookie?.sameSite).toBe("Lax");
      const days = ((cookie?.expires ?? 0) * 1000 - Date.now()) / 86400000;
      expect(days).toBeGreaterThan(29.9);
      expect(days).toBeLessThanOrEqual(30);

      await page.reload();
      expect(await page.locator("[data-testid=flash]").count()).toBe(0);
      expect(await step()).toEqual({ redirect: null, handler: ["GET"], commit: [], demo: null });
    });

    it("keeps cart items in nested objects changed in place, one SET per change", async () => {
      await submit("nav a[href='/cart']");
      expect(await step()).toEqual({ redirect: null, handler: ["GET"], commit: [], demo: null });
      for (const sku of ["beans", "beans", "jug"]) {
        expect(await submit(`[data-testid=add-${sku}]`)).toBe(200);
        expect(await step()).toEqual({
          redirect: ["GET", "CAS SET EX"],
          handler: ["GET"],
          commit: [],
          demo: null,
        });
      }
      expect(await page.locator("[data-testid=qty-beans]").textContent()).toBe("2");
      expect(await page.locator("[data-testid=qty-jug]").textContent()).toBe("1");
      expect(await page.locator("[data-testid=cart-total]").textContent()).toBe("€34.00");

      await page.reload();
      expect(await page.locator("[data-testid=qty-beans]").textContent()).toBe("2");
      expect(await page.locator("[data-testid=cart-count]").textContent()).toBe("3");
      expect(await step()).toEqual({ redirect: null, handler: ["GET"], commit: [], demo: null });
      await shot("2-cart");

      // Assigning every quantity its own value changes nothing, so nothing is written.
      await submit("[data-testid=resave]");
      expect(await step()).toEqual({ redirect: ["GET"], handler: ["GET"], commit: [], demo: null });
    });

    it("carries a flash message across the redirect and shows it once", async () => {
      await submit("nav a[href='/']");
      await log.take();
      await page.fill("input[name=message]", "<b>Hello</b> from the previous page");
      await page.selectOption("select[name=kind]", "warning");
      await submit("button:has-text('Flash it')");
      const flash = page.locator("[data-testid=flash]");
      expect(await flash.allTextContents()).toEqual(["<b>Hello</b> from the previous page"]);
      expect(await flash.getAttribute("class")).toContain("flash-warning");
      expect(await step()).toEqual({
        redirect: ["GET", "CAS SET EX"],
        handler: ["GET"],
        commit: ["CAS SET EX"],
        demo: null,
      });

      await page.reload();
      expect(await flash.count()).toBe(0);
      expect(await step()).toEqual({ redirect: null, handler: ["GET"], commit: [], demo: null });
    });

    it("accepts the protected form with its CSRF token and refuses it without one or with a wrong one", async () => {
      await submit("nav a[href='/form']");
      await log.take();
      await page.fill("[data-testid=csrf-form] input[name=name]", "Ada L.");
      expect(await submit("[data-testid=csrf-form] button")).toBe(200);
      expect(await page.locator("[data-testid=flash]").allTextContents()).toEqual([
        "Display name changed to Ada L.",
      ]);
      expect(await step()).toEqual({
        redirect: ["GET", "CAS SET EX"],
        handler: ["GET"],
        commit: ["CAS SET EX"],
        demo: null,
      });

      expect(await submit("[data-testid=forged-missing] button")).toBe(403);
      expect(await page.locator("[data-testid=forbidden-reason]").textContent()).toContain(
        "without a CSRF token",
      );
      expect(await step()).toEqual({ redirect: null, handler: ["GET"], commit: [], demo: null });
      await shot("3-forbidden");

      await page.goBack();
      await log.take();
      expect(await submit("[data-testid=forged-wrong] button")).toBe(403);
      expect(await page.locator("[data-testid=forbidden-reason]").textContent()).toContain("does not match");
      expect(await step()).toEqual({ redirect: null, handler: ["GET"], commit: [], demo: null });
      expect(await page.locator("[data-testid=signed-in-as]").textContent()).toBe("Ada L.");
    });

    it("lists the session's data, age and TTL without showing its id", async () => {
      await submit("nav a[href='/session']");
      const data = JSON.parse((await page.locator("[data-testid=session-data]").textContent()) ?? "{}");
      expect(data.user).toMatchObject({ name: "Ada L.", remember: true });
      // Each cart line is a top-level key of the data, so concurrent adds of different items merge.
      expect(data["cart:beans"]?.qty).toBe(2);
      expect(data["cart:jug"]?.qty).toBe(1);
      const ttl = Number(await page.locator("[data-testid=pttl]").textContent());
      expect(ttl).toBeGreaterThan(29 * 86400000);
      expect(ttl).toBeLessThanOrEqual(30 * 86400000);
      expect(await page.locator("[data-testid=idle-timeout]").textContent()).toContain("remember me");
      const [cookie] = (await context.cookies()).filter((c) => c.name === "session");
      const id = cookie?.value.split(".")[0] ?? "";
      expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(await page.content()).not.toContain(id);
      expect(await step()).toEqual({ redirect: null, handler: ["GET"], commit: [], demo: ["PTTL"] });
      await shot("4-session");
    });

    it("signs out with invalidate(), after which the old cookie gives no session", async () => {
      const [old] = (await context.cookies()).filter((c) => c.name === "session");
      await submit("button:has-text('Sign out')");
      expect(await page.locator("[data-testid=flash]").textContent()).toContain("You are signed out");
      // invalidate() deletes now and takes the session out of Ada's index (the first removal on this server,
      // so sent again as source); the flash starts a new session, which this page empties and deletes.
      expect(await step()).toEqual({
        redirect: ["GET", "GETDEL", "INDEX REMOVE", "INDEX REMOVE (EVAL)", "SET NX EX"],
        handler: ["GET"],
        commit: ["CAS DEL"],
        demo: null,
      });
      expect((await context.cookies()).filter((c) => c.name === "session")).toEqual([]);
      await shot("5-signed-out");

      await page.reload();
      expect(await step()).toEqual({ redirect: null, handler: [], commit: [], demo: null });

      if (old) await context.addCookies([old]);
      await page.goto(`${demo.url}/session`);
      expect(await page.locator("[data-testid=no-session]").count()).toBe(1);
      expect(await step()).toEqual({ redirect: null, handler: ["GET"], commit: [], demo: null });
      expect((await context.cookies()).filter((c) => c.name === "session")).toEqual([]);
    });

    it("logs no browser console error other than the two refused forgeries", () => {
      // The two refused forgeries log their 403 status; anything else (a CSP violation, say) is a defect.
      expect(consoleErrors.filter((e) => !e.includes("status of 403"))).toEqual([]);
      expect(consoleErrors).toHaveLength(2);
    });
  },
);
