// Legacy sessions made by the real libraries on a real Redis, read back through sessile/migrate.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expressSessionSource, fastifySessionSource } from "../../src/migrate/index.js";
import { Browser, type Reply } from "../spec/browser.js";
import {
  type LegacyApp,
  LIBRARIES,
  startExpressSessionApp,
  startFastifySessionApp,
  useLegacyRedis,
} from "./legacy-apps.js";

const OLD = "old secret of the legacy app, 32+ chars";
const NEW = "new secret of the legacy app, 32+ chars";
const OTHER = "some other app's secret, also 32 chars";

const fx = useLegacyRedis();

const nowSeconds = () => Math.floor(Date.now() / 1000);

function cookieExpires(reply: Reply, name: string): number {
  const line = reply.setCookie(name);
  const match = line === undefined ? null : /expires=([^;]+)/i.exec(line);
  if (match?.[1] === undefined) throw new Error(`no Expires on ${name}: ${line}`);
  return Math.floor(Date.parse(match[1]) / 1000);
}

/** Replaces the character at `index` of the named cookie's value with another base64 character. */
function flipped(header: string, name: string, index: number): string {
  return header.replace(new RegExp(`(^|; )${name.replace(/\./g, "\\.")}=([^;]*)`), (_all, start, value) => {
    const at = index < 0 ? value.length + index : index;
    const swap = value[at] === "A" ? "B" : "A";
    return `${start}${name}=${value.slice(0, at)}${swap}${value.slice(at + 1)}`;
  });
}

for (const library of LIBRARIES) {
  describe(`${library.name}: sessions made by the real library`, () => {
    let app: LegacyApp;
    beforeAll(async () => {
      app = await library.start({ redisUrl: fx.redis.url, secret: [NEW, OLD], maxAgeMs: 3600_000 });
    });
    afterAll(() => app.close());

    it("find() verifies the cookie and decode() gives the data and the expiry the library set", async () => {
      const browser = new Browser(app.url);
      await browser.request("/visit");
      const second = await browser.request("/visit");
      const seen = (await browser.request("/read")).json();
      expect(seen.count).toBe(2);

      const ref = library.source([NEW, OLD]).find(browser.cookieHeader);
      expect(ref).not.toBeNull();
      const raw = await fx.client.get(ref?.key ?? "");
      expect(raw).not.toBeNull();
      const legacy = library.source(NEW).decode(raw ?? "", nowSeconds());
      expect(legacy?.data).toEqual(seen);
      expect(legacy?.data).toEqual({
        count: 2,
        user: { name: "Ada Lovelace", roles: ["admin", "author"], prefs: { theme: "dark", tz: null } },
        note: "héllo ✓ — 日本",
      });
      // The deadline the library put in its payload is the one its cookie carries.
      const expires = cookieExpires(second, library.cookie);
      expect(Math.abs((legacy?.expiresAt ?? 0) - expires)).toBeLessThanOrEqual(1);
      expect(legacy?.cookieMaxAge).toBe(3600);
      // The key's own TTL does not end before that deadline.
      expect(await fx.client.pTTL(ref?.key ?? "")).toBeGreaterThanOrEqual(
        ((legacy?.expiresAt ?? 0) - nowSeconds() - 1) * 1000,
      );
    });

    it("accepts a cookie signed with an older secret while the list still has it, and only then", async () => {
      const oldApp = await library.start({ redisUrl: fx.redis.url, secret: OLD, maxAgeMs: 3600_000 });
      const browser = new Browser(oldApp.url);
      await browser.request("/visit");
      await oldApp.close();
      // The legacy library itself, after rotating to [NEW, OLD], still knows the session.
      expect(
        (await new Browser(app.url).request("/read", { cookie: browser.cookieHeader ?? "" })).json().count,
      ).toBe(1);
      const ref = library.source([NEW, OLD]).find(browser.cookieHeader);
      expect(ref).not.toBeNull();
      expect(library.source(OLD).find(browser.cookieHeader)).toEqual(ref);
      expect(library.source(NEW).find(browser.cookieHeader)).toBeNull();
      expect(library.source([OTHER]).find(browser.cookieHeader)).toBeNull();
    });

    it("gives null for tampered, truncated, extended and missing cookies", async () => {
      const browser = new Browser(app.url);
      await browser.request("/visit");
      const header = browser.cookieHeader ?? "";
      const source = library.source([NEW, OLD]);
      expect(source.find(header)).not.toBeNull();
      const name = library.name.startsWith("koa") ? "koa.sess.sig" : library.cookie;
      const variants = [
        flipped(header, library.cookie, 4), // in the id
        flipped(header, name, -2), // in the signature
        header.replace(/;|$/, "x$&"), // a suffix on the first cookie's value
        header.replace(/=/, "=x"), // a prefix on the first cookie's value
        header.replace(/(^|; )([^=]+)=([^;]*)/, (_a, s, n, v) => `${s}${n}=${v.slice(0, -3)}`), // truncated
        header.toUpperCase(),
        header.replace(`${library.cookie}=`, "other.name="),
        "",
      ];
      for (const variant of variants) expect(source.find(variant), variant).toBeNull();
      expect(source.find(undefined)).toBeNull();
      // A junk cookie of the same name in front of the real one does not hide it.
      expect(source.find(`${library.cookie}=junk; ${header}`)).toEqual(source.find(header));
    });

    it("gives null for a session whose deadline has passed", async () => {
      const browser = new Browser(app.url);
      await browser.request("/visit");
      const source = library.source(NEW);
      const ref = source.find(browser.cookieHeader);
      const raw = (await fx.client.get(ref?.key ?? "")) ?? "";
      const later = nowSeconds() + 3601 + 1;
      if (library.name.startsWith("express")) {
        // connect-redis keys expire with the cookie; touches move only the TTL, so the payload's date is
        // a lower bound and a key still there is live, unless the store did not touch.
        expect(source.decode(raw, later)?.expiresAt).toBe(later + 3600);
        expect(expressSessionSource({ secret: NEW, touch: false }).decode(raw, later)).toBeNull();
        expect(await fx.client.pTTL(ref?.key ?? "")).toBeLessThanOrEqual(3600_000);
      } else {
        expect(source.decode(raw, later)).toBeNull();
      }
      expect(source.decode(raw, nowSeconds())).not.toBeNull();
    });

    it("carries a per-session cookie lifetime ('remember me') over", async () => {
      const browser = new Browser(app.url);
      await browser.request("/visit");
      await browser.request("/remember");
      const source = library.source(NEW);
      const ref = source.find(browser.cookieHeader);
      const legacy = source.decode((await fx.client.get(ref?.key ?? "")) ?? "", nowSeconds());
      expect(legacy).not.toBeNull();
      if (library.name.startsWith("express")) {
        // express-session saves a change of cookie.maxAge alone only as a TTL (touch), not in the payload.
        expect(legacy?.cookieMaxAge).toBe(3600);
        expect(await fx.client.pTTL(ref?.key ?? "")).toBeGreaterThan(29 * 24 * 3600_000);
      } else {
        expect(legacy?.cookieMaxAge).toBe(30 * 24 * 3600);
        expect(legacy?.expiresAt).toBeGreaterThan(nowSeconds() + 29 * 24 * 3600);
      }
    });

    it("expireCookies() names the legacy cookies so a browser drops them", async () => {
      const browser = new Browser(app.url);
      await browser.request("/visit");
      const source = library.source(NEW);
      expect(source.cookieNames.every((n) => browser.cookie(n) !== undefined)).toBe(true);
      for (const line of source.expireCookies()) {
        expect(line).toMatch(/; Path=\/;.*Max-Age=0/);
        const [pair = ""] = line.split(";");
        browser.set(pair.slice(0, pair.indexOf("=")), "");
      }
      expect(source.find(browser.cookieHeader)).toBeNull();
    });
  });
}

describe("legacy sessions without a cookie lifetime", () => {
  // koa-session's maxAge "session" reaches koa-redis as a TTL of "session", which Redis refuses
  // (ERR value is not an integer): that combination cannot store a session, so it has no legacy to read.
  it.each(LIBRARIES.filter((l) => !l.name.startsWith("koa")))(
    "$name: a browser-session cookie gives expiresAt null",
    async (library) => {
      const app = await library.start({ redisUrl: fx.redis.url, secret: NEW, maxAgeMs: null });
      try {
        const browser = new Browser(app.url);
        await browser.request("/visit");
        const source = library.source(NEW);
        const ref = source.find(browser.cookieHeader);
        const legacy = source.decode((await fx.client.get(ref?.key ?? "")) ?? "", nowSeconds());
        expect(legacy?.data.count).toBe(1);
        expect(legacy?.expiresAt).toBeNull();
        expect(legacy?.cookieMaxAge).toBeNull();
      } finally {
        await app.close();
      }
    },
  );
});

describe("@fastify/session with cookiePrefix 's:' (the express-session form)", () => {
  it("reads the prefixed cookie, and the same source reads unprefixed ones", async () => {
    const prefixed = await startFastifySessionApp({
      redisUrl: fx.redis.url,
      secret: NEW,
      maxAgeMs: 60_000,
      extra: { cookiePrefix: "s:" },
    });
    const plain = await startFastifySessionApp({ redisUrl: fx.redis.url, secret: NEW, maxAgeMs: 60_000 });
    try {
      const a = new Browser(prefixed.url);
      await a.request("/visit");
      expect(decodeURIComponent(a.cookie("sessionId") ?? "")).toMatch(/^s:/);
      const b = new Browser(plain.url);
      await b.request("/visit");
      const source = fastifySessionSource({ secret: NEW });
      for (const browser of [a, b]) {
        const ref = source.find(browser.cookieHeader);
        expect(ref?.key).toMatch(/^sess:/);
        expect(source.decode((await fx.client.get(ref?.key ?? "")) ?? "", nowSeconds())?.data.count).toBe(1);
      }
      // express-session's cookie is the same format, so a fastify source configured as such reads it.
      const express = await startExpressSessionApp({ redisUrl: fx.redis.url, secret: NEW, maxAgeMs: 60_000 });
      const c = new Browser(express.url);
      await c.request("/visit");
      await express.close();
      const fromExpress = fastifySessionSource({ secret: NEW, cookieName: "connect.sid" }).find(
        c.cookieHeader,
      );
      expect(fromExpress).toEqual(expressSessionSource({ secret: NEW }).find(c.cookieHeader));
    } finally {
      await prefixed.close();
      await plain.close();
    }
  });
});
