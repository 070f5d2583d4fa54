// Lazy adoption: sessions made by the real legacy libraries on a real Redis become sessile sessions on
// their next request to a sessile app, with the one-time costs counted at the server.
import { createServer } from "node:http";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { sessions as withSessions } from "../../src/adapters/node.js";
import { type AdoptEvent, createSessions, digestId, redisStore, type Sessions } from "../../src/index.js";
import { convertLegacySession } from "../../src/migrate/index.js";
import { CommandLog } from "../helpers/command-log.js";
import { Browser } from "../spec/browser.js";
import { listen } from "../spec/listen.js";
import { type LegacyApp, LIBRARIES, useLegacyRedis } from "./legacy-apps.js";

const LEGACY_SECRET = "the legacy app's secret, 32+ characters";
const SESSILE_SECRET = "the sessile app's own secret, 32+ chars";

const fx = useLegacyRedis();

/** A sessile app on node:http that counts visits in `data.count`, and reads, and logs out. */
async function sessileApp(sessions: Sessions) {
  const server = createServer(
    withSessions(sessions, async (req, res) => {
      const session = req.session;
      if (req.url === "/visit") session.data.count = ((session.data.count as number) ?? 0) + 1;
      if (req.url === "/logout") await session.invalidate();
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ data: session.data, isNew: session.isNew }));
    }),
  );
  return listen(server);
}

const expired = (line: string | undefined) =>
  line !== undefined && /Max-Age=0|Expires=Thu, 01 Jan 1970/i.test(line);

for (const library of LIBRARIES) {
  describe(`adopting ${library.name} sessions`, () => {
    let legacyApp: LegacyApp;
    let app: Awaited<ReturnType<typeof sessileApp>>;
    let keptApp: Awaited<ReturnType<typeof sessileApp>>;
    let log: CommandLog;
    const events: AdoptEvent[] = [];

    beforeAll(async () => {
      legacyApp = await library.start({ redisUrl: fx.redis.url, secret: LEGACY_SECRET, maxAgeMs: 3600_000 });
      const store = redisStore(fx.client, { prefix: "sessile:" });
      const source = library.source(LEGACY_SECRET);
      const options = { store, secret: SESSILE_SECRET, idleTimeout: 7200, touchInterval: 60 };
      app = await sessileApp(
        createSessions({ ...options, adopt: { source, onAdopt: (e: AdoptEvent) => events.push(e) } }),
      );
      keptApp = await sessileApp(createSessions({ ...options, adopt: { source, keepLegacy: true } }));
      // Every key the test touches: sessile's, and the legacy library's (koa-redis's are bare uuids).
      log = new CommandLog(fx.redis.url, library.prefix === "" ? "" : "s");
      await log.start();
    });
    afterAll(async () => {
      await log.stop();
      await app.close();
      await keptApp.close();
      await legacyApp.close();
    });
    beforeEach(async () => {
      events.length = 0;
      await log.take();
    });

    /** A browser holding a legacy session with two visits; the log drained. */
    async function legacyBrowser(): Promise<Browser> {
      const browser = new Browser(legacyApp.url);
      await browser.request("/visit");
      await browser.request("/visit");
      await log.take();
      return browser;
    }

    it("imports the data on the first request: two GETs, then SET NX EX and the legacy key's DEL; cookies swapped", async () => {
      const browser = await legacyBrowser();
      const ref = library.source(LEGACY_SECRET).find(browser.cookieHeader);
      const legacyTtl = await fx.client.ttl(ref?.key ?? "");
      await log.take();
      const reply = await new Browser(app.url).request("/read", { cookie: browser.cookieHeader ?? "" });
      const body = reply.json<{ data: Record<string, unknown>; isNew: boolean }>();
      expect(body.data).toMatchObject({ count: 2, note: "héllo ✓ — 日本" });
      expect((body.data.user as { name: string }).name).toBe("Ada Lovelace");
      expect(reply.setCookie("session")).toMatch(/^session=[A-Za-z0-9_-]{43}\./);
      for (const name of library.cookies) expect(expired(reply.setCookie(name)), name).toBe(true);
      const commands = await log.take();
      expect(commands.map((c) => c[0]).sort()).toEqual(["DEL", "GET", "GET", "SET"]);
      expect(commands.find((c) => c[0] === "SET")).toEqual(expect.arrayContaining(["NX", "EX"]));
      expect(await fx.client.exists(ref?.key ?? "")).toBe(0);
      expect(events).toEqual([{ source: library.source(LEGACY_SECRET).name, from: "legacy" }]);
      const cookie = `session=${reply.setCookie("session")?.split(";")[0]?.slice("session=".length)}`;
      const next = await new Browser(app.url).request("/visit", { cookie });
      expect(next.json<{ data: { count: number } }>().data.count).toBe(3);
      expect(legacyTtl).toBeGreaterThan(3500);
    });

    it("carries the legacy deadline into the first write when it is earlier than sessile's", async () => {
      const browser = await legacyBrowser();
      const before = new Set(await fx.client.keys("sessile:*"));
      await log.take();
      await new Browser(app.url).request("/read", { cookie: browser.cookieHeader ?? "" });
      const created = (await fx.client.keys("sessile:*")).filter((k) => !before.has(k));
      expect(created).toHaveLength(1);
      const ttl = await fx.client.ttl(created[0] ?? "");
      await log.take();
      expect(ttl).toBeGreaterThan(3500);
      expect(ttl).toBeLessThanOrEqual(3600);
    });

    it("a tampered legacy cookie, or a request with no cookie, costs no command and sets no cookie", async () => {
      const browser = await legacyBrowser();
      const header = (browser.cookieHeader ?? "").replace(
        /=(.)/,
        (_m, c: string) => `=${c === "A" ? "B" : "A"}`,
      );
      const tampered = await new Browser(app.url).request("/read", { cookie: header });
      expect(tampered.json()).toEqual({ data: {}, isNew: true });
      expect(tampered.setCookies).toEqual([]);
      const none = await new Browser(app.url).request("/read");
      expect(none.setCookies).toEqual([]);
      expect(await log.take()).toEqual([]);
    });

    it("an expired legacy session is not adopted and costs no write", async () => {
      const browser = await legacyBrowser();
      const ref = library.source(LEGACY_SECRET).find(browser.cookieHeader);
      await fx.client.del(ref?.key ?? "");
      await log.take();
      const reply = await new Browser(app.url).request("/read", { cookie: browser.cookieHeader ?? "" });
      expect(reply.json()).toEqual({ data: {}, isNew: true });
      expect(reply.setCookies).toEqual([]);
      expect((await log.take()).map((c) => c[0])).toEqual(["GET", "GET"]);
    });

    it("a logout on the first request ends the legacy session too", async () => {
      const browser = await legacyBrowser();
      const ref = library.source(LEGACY_SECRET).find(browser.cookieHeader);
      const reply = await new Browser(app.url).request("/logout", { cookie: browser.cookieHeader ?? "" });
      expect(reply.setCookie("session")).toBeUndefined();
      for (const name of library.cookies) expect(expired(reply.setCookie(name)), name).toBe(true);
      expect(await fx.client.exists(ref?.key ?? "")).toBe(0);
      const again = await new Browser(legacyApp.url).request("/read", { cookie: browser.cookieHeader ?? "" });
      expect(again.json()).not.toMatchObject({ count: 2 });
    });

    it("keepLegacy (the side-by-side window) adopts but leaves the legacy key and cookie to the old app", async () => {
      const browser = await legacyBrowser();
      const ref = library.source(LEGACY_SECRET).find(browser.cookieHeader);
      const reply = await new Browser(keptApp.url).request("/read", { cookie: browser.cookieHeader ?? "" });
      expect(reply.json<{ data: { count: number } }>().data.count).toBe(2);
      expect(reply.setCookie("session")).toBeDefined();
      for (const name of library.cookies) expect(reply.setCookie(name), name).toBeUndefined();
      expect(await fx.client.exists(ref?.key ?? "")).toBe(1);
      const old = await new Browser(legacyApp.url).request("/read", { cookie: browser.cookieHeader ?? "" });
      expect(old.json()).toMatchObject({ count: 2 });
    });

    it("adopts the offline migrator's copy (under the digest of the legacy id) ahead of the legacy key", async () => {
      const browser = await legacyBrowser();
      const ref = library.source(LEGACY_SECRET).find(browser.cookieHeader);
      // What `npx sessile migrate` writes: a sessile payload under sessile:<digestId(legacy id)>.
      if (ref === null) throw new Error("the legacy cookie did not verify");
      const copy = convertLegacySession(
        ref,
        { data: { count: 40, migrated: true }, expiresAt: null },
        { idleTimeout: 7200 },
      );
      const copyKey = `sessile:${digestId(ref.id)}`;
      expect(copy?.key).toBe(copyKey);
      await fx.client.set(copyKey, copy?.value ?? "", { EX: copy?.ttl ?? 1 });
      await log.take();
      const reply = await new Browser(app.url).request("/read", { cookie: browser.cookieHeader ?? "" });
      expect(reply.json()).toEqual({ data: { count: 40, migrated: true }, isNew: true });
      expect(await fx.client.exists(copyKey)).toBe(0);
      expect(await fx.client.exists(ref?.key ?? "")).toBe(0);
      expect(events).toEqual([{ source: library.source(LEGACY_SECRET).name, from: "migrated" }]);
    });
  });
}
