import { randomBytes } from "node:crypto";
import { beforeEach, describe, expect, it } from "vitest";
import { digestId, type InvalidReason, SessionError } from "../src/index.js";
import { CLIENT_KINDS, inspectionClient } from "./helpers/clients.js";
import { useFakeClock } from "./helpers/clock.js";
import { cookiePair, createStored, SECRET, useRedis } from "./helpers/sessions.js";

/** A fixed "now" in whole seconds, so payloads can be compared byte for byte. */
const T = 1_900_000_000;
const POISON_KEYS = ["__proto__", "constructor", "prototype"];

function ownPoisonKeys(value: unknown, path = "data"): string[] {
  if (typeof value !== "object" || value === null) return [];
  const found: string[] = [];
  for (const key of Object.keys(value)) {
    if (POISON_KEYS.includes(key)) found.push(`${path}.${key}`);
    found.push(...ownPoisonKeys((value as Record<string, unknown>)[key], `${path}.${key}`));
  }
  return found;
}

describe.each(CLIENT_KINDS)("stored payloads with %s", (kind) => {
  const f = useRedis(kind);
  useFakeClock(T);

  beforeEach(async () => {
    await f.log.take();
  });

  describe("format", () => {
    it("is [2, r, c, t, x - c, m] in whole seconds under prefix + sha256(id)", async () => {
      const { key, id } = await createStored(f);
      expect(key).toBe(`${f.prefix}${digestId(id)}`);
      expect(JSON.parse((await f.raw.get(key)) as string)).toEqual([2, 1, T, 1200, 1200, { user: "ada" }]);
    });

    it("adds flash queues, the CSRF token and the cookie max-age as a last object when present", async () => {
      const sessions = f.sessions();
      const s = await sessions.load(undefined);
      s.data.user = "ada";
      s.flash("hi");
      s.flash({ level: "warn" }, { queue: "alerts" });
      const token = s.getCsrfToken();
      s.adjustCookieMaxAge(3600);
      await sessions.commit(s);
      const key = f.prefix + digestId(s.id as string);
      expect(JSON.parse((await f.raw.get(key)) as string)).toEqual([
        2,
        1,
        T,
        1200,
        1200,
        { user: "ada" },
        { f: { "": ["hi"], alerts: [{ level: "warn" }] }, k: token, a: 3600 },
      ]);
    });

    it("stores 0, 0 for t and x - c when the session has no idle timeout", async () => {
      const { key } = await createStored(f, { idleTimeout: null, absoluteTimeout: 600 });
      expect(JSON.parse((await f.raw.get(key)) as string)).toEqual([2, 1, T, 0, 0, { user: "ada" }]);
    });

    it("is a third of version 1's size for a small session, small enough for an embedded Redis string", async () => {
      const { key } = await createStored(f, {}, { views: 1 });
      const text = (await f.raw.get(key)) as string;
      const v1 = JSON.stringify({ v: 1, r: 1, c: T, t: 1200, x: T + 1200, m: { views: 1 } });
      expect(text.length).toBeLessThanOrEqual(44);
      expect(text.length).toBeLessThan(v1.length * 0.6);
      expect(await f.raw.object("ENCODING", key)).toBe("embstr");
    });

    it.each<[string, string, Record<string, unknown>]>([
      [
        "version 1 with every field",
        JSON.stringify({
          v: 1,
          r: 4,
          c: T - 100,
          t: 1200,
          x: T + 1100,
          m: { user: "ada" },
          f: { "": ["hi"] },
          k: "tok",
          a: 0,
          u: { i: "ada", b: (T - 100) * 1000 },
        }),
        { user: "ada" },
      ],
      [
        "version 1 without a revision (before revisions)",
        JSON.stringify({ v: 1, c: T - 100, t: 1200, x: T + 1100, m: { user: "bob" } }),
        { user: "bob" },
      ],
      [
        "version 1 without a timeout",
        JSON.stringify({ v: 1, r: 1, c: T - 100, m: { user: "cy" } }),
        { user: "cy" },
      ],
    ])("still reads %s, and writes it back as version 2", async (_name, text, data) => {
      const { sessions, pair, key } = await createStored(f, { absoluteTimeout: 86_400 });
      await f.raw.set(key, text, "EX", 600);
      await f.log.take();
      const s = await sessions.load(pair);
      expect(s.isNew).toBe(false);
      expect(s.data).toEqual(data);
      s.data.more = 1;
      await sessions.commit(s);
      const back = JSON.parse((await f.raw.get(key)) as string) as unknown[];
      expect(back.slice(0, 3)).toEqual([2, (JSON.parse(text).r ?? 0) + 1, T - 100]);
      expect(back[5]).toEqual({ ...data, more: 1 });
    });

    it("uses a custom serializer both ways", async () => {
      const serializer = {
        stringify: (value: unknown) => `b64:${Buffer.from(JSON.stringify(value)).toString("base64")}`,
        parse: (text: string) => JSON.parse(Buffer.from(text.slice(4), "base64").toString()),
      };
      const { sessions, key, pair } = await createStored(f, { serializer });
      expect(await f.raw.get(key)).toMatch(/^b64:[A-Za-z0-9+/=]+$/);
      expect((await sessions.load(pair)).data.user).toBe("ada");
    });
  });

  describe("keys and logs", () => {
    it("never show an id or a cookie value in a key, SCAN or MONITOR line", async () => {
      const lines: string[] = [];
      const monitorClient = inspectionClient(f.redis.url);
      const monitor = await monitorClient.monitor();
      const marker = `marker-${randomBytes(6).toString("hex")}`;
      const done = new Promise<void>((resolve) =>
        monitor.on("monitor", (_time: string, args: string[]) => {
          if (args[1] === marker) resolve();
          else lines.push(args.join(" "));
        }),
      );
      const secrets: string[] = [SECRET];
      try {
        const first = await createStored(f);
        const { sessions } = first;
        secrets.push(first.id, cookiePair(first.pair).split("=")[1] as string);
        let s = await sessions.load(first.pair);
        s.data.more = 1;
        await sessions.commit(s);
        s = await sessions.load(first.pair);
        s.regenerate();
        const r = await sessions.commit(s);
        const second = cookiePair(r.setCookie);
        secrets.push(s.id as string, second.split("=")[1] as string);
        const keys = await f.raw.keys(`${f.prefix}*`);
        expect(keys).toContain(`${f.prefix}${digestId(s.id as string)}`);
        expect(await f.raw.get(first.key)).toMatch(/^sessile-rotated:/);
        const scanned = await f.raw.scan("0", "MATCH", `${f.prefix}*`, "COUNT", "1000");
        s = await sessions.load(second);
        await s.invalidate();
        await sessions.commit(s);
        await f.raw.echo(marker);
        await done;
        for (const text of [...lines, ...scanned[1]]) {
          for (const secret of secrets) expect(text).not.toContain(secret);
        }
        expect(lines.some((line) => line.includes(f.prefix))).toBe(true);
      } finally {
        monitor.disconnect();
        monitorClient.disconnect();
      }
    });
  });

  describe("prototype pollution", () => {
    const head = `"v":1,"c":${T},"t":1200,"x":${T + 1200}`;
    it.each<[string, string]>([
      ["__proto__ in the data", `{${head},"m":{"user":"ada","__proto__":{"polluted":"m"}}}`],
      [
        "__proto__ nested in the data",
        `{${head},"m":{"user":"ada","a":{"b":{"__proto__":{"polluted":"deep"}}}}}`,
      ],
      [
        "__proto__ inside an array",
        `{${head},"m":{"user":"ada","list":[{"__proto__":{"polluted":"array"}}]}}`,
      ],
      [
        "constructor.prototype in the data",
        `{${head},"m":{"user":"ada","constructor":{"prototype":{"polluted":"ctor"}}}}`,
      ],
      ["prototype in the data", `{${head},"m":{"user":"ada","prototype":{"polluted":"proto"}}}`],
      ["__proto__ at the top level", `{"__proto__":{"polluted":"top"},${head},"m":{"user":"ada"}}`],
      [
        "__proto__ in a flash message",
        `{${head},"m":{"user":"ada"},"f":{"":[{"__proto__":{"polluted":"flash"}}]}}`,
      ],
      [
        "__proto__ written with a JSON escape",
        `{${head},"m":{"user":"ada","\\u005f_proto__":{"polluted":"escaped"}}}`,
      ],
      [
        "constructor written with a JSON escape",
        `{${head},"m":{"user":"ada","\\u0063onstructor":{"\\u0070rototype":{"polluted":"escaped-ctor"}}}}`,
      ],
    ])("drops %s and reaches no prototype", async (_name, text) => {
      const { pair, key } = await createStored(f);
      await f.raw.set(key, text, "EX", 600);
      await f.log.take();
      const reasons: InvalidReason[] = [];
      const sessions = f.sessions({ onInvalid: (reason) => reasons.push(reason) });
      const s = await sessions.load(pair);
      expect(reasons).toEqual([]);
      expect(s.data.user).toBe("ada");
      expect(Object.getPrototypeOf(s.data)).toBe(Object.prototype);
      expect(ownPoisonKeys(s.data)).toEqual([]);
      expect(ownPoisonKeys(s.peekFlash(), "flash")).toEqual([]);
      const merged = Object.assign({}, s.data);
      const spread = { ...s.data };
      for (const target of [{}, merged, spread, s.data]) {
        expect((target as Record<string, unknown>).polluted).toBeUndefined();
        expect(Object.getPrototypeOf(target)).toBe(Object.prototype);
      }
      expect(Object.hasOwn(Object.prototype, "polluted")).toBe(false);
    });
  });

  describe("corrupt", () => {
    const valid = { v: 1, c: T, t: 1200, x: T + 1200, m: { user: "ada" } };
    const json = (patch: Record<string, unknown>) => JSON.stringify({ ...valid, ...patch });
    it.each<[string, string]>([
      ["text that is not JSON", "{not json"],
      ["an empty string", ""],
      ["JSON null", "null"],
      ["a JSON array", "[1,2]"],
      ["a JSON string", '"session"'],
      ["an object that says version 2", json({ v: 2 })],
      ["version 3, packed", JSON.stringify([3, 1, T, 1200, 1200, { user: "ada" }])],
      ["packed, too short", JSON.stringify([2, 1, T, 1200, 1200])],
      ["packed, too long", JSON.stringify([2, 1, T, 1200, 1200, {}, {}, {}])],
      ["packed, extras not an object", JSON.stringify([2, 1, T, 1200, 1200, {}, ["f"]])],
      ["packed, a revision as a string", JSON.stringify([2, "1", T, 1200, 1200, {}])],
      ["packed, a creation time as a string", JSON.stringify([2, 1, String(T), 1200, 1200, {}])],
      ["packed, an expiry before the creation time", JSON.stringify([2, 1, T - 10, 1200, -1, {}])],
      ["packed, an expiry without a timeout", JSON.stringify([2, 1, T, 0, 1200, {}])],
      ["packed, an expiry beyond now + timeout + 60 s", JSON.stringify([2, 1, T, 1200, 1261, {}])],
      ["packed, data as an array", JSON.stringify([2, 1, T, 1200, 1200, ["ada"]])],
      [
        "packed, flash queues that are not arrays",
        JSON.stringify([2, 1, T, 1200, 1200, {}, { f: { "": "hi" } }]),
      ],
      ["packed, a malformed user binding", JSON.stringify([2, 1, T, 1200, 1200, {}, { u: { i: "" } }])],
      ["no version", JSON.stringify({ c: T, t: 1200, x: T + 1200, m: {} })],
      ["no creation time", json({ c: undefined })],
      ["a creation time as a string", json({ c: String(T) })],
      ["a creation time of 0", json({ c: 0 })],
      ["a fractional creation time", json({ c: T - 0.5 })],
      ["a creation time 61 s in the future", json({ c: T + 61, x: T + 61 + 1200 })],
      ["an expiry before the creation time", json({ c: T - 10, x: T - 11 })],
      ["an expiry beyond now + timeout + 60 s", json({ x: T + 1200 + 61 })],
      ["a timeout without an expiry", json({ x: undefined })],
      ["an expiry without a timeout", json({ t: undefined })],
      ["a timeout of 0", json({ t: 0 })],
      ["a negative timeout", json({ t: -1200 })],
      ["data as an array", json({ m: ["ada"] })],
      ["data as a string", json({ m: "ada" })],
      ["data null", json({ m: null })],
      ["no data", json({ m: undefined })],
      ["flash queues that are not arrays", json({ f: { "": "hi" } })],
      ["flash queues as an array", json({ f: [["hi"]] })],
      ["a CSRF token that is a number", json({ k: 42 })],
      ["a negative cookie max-age", json({ a: -1 })],
      ["a fractional cookie max-age", json({ a: 1.5 })],
      ["a payload over maxPayloadBytes", json({ m: { pad: "x".repeat(2000) } })],
      [
        "a payload over maxPayloadBytes in bytes but not in characters",
        json({ m: { pad: "é".repeat(700) } }),
      ],
    ])("treats %s as corrupt: GET, DEL, fresh session, cookie cleared", async (_name, text) => {
      const { pair, key } = await createStored(f);
      await f.raw.set(key, text, "EX", 600);
      await f.log.take();
      const events: [InvalidReason, string][] = [];
      const sessions = f.sessions({
        maxPayloadBytes: 1024,
        onInvalid: (reason, d) => events.push([reason, d.message]),
      });
      const s = await sessions.load(pair);
      expect(s.isNew).toBe(true);
      expect(s.data).toEqual({});
      expect(events.map(([reason]) => reason)).toEqual(["corrupt"]);
      expect(await f.log.shapes()).toEqual(["GET", "DEL"]);
      expect(await f.raw.exists(key)).toBe(0);
      const r = await sessions.commit(s);
      expect(r.setCookie).toMatch(/^session=; Max-Age=0;/);
    });

    it.each<[string, (key: string) => Promise<unknown>]>([
      ["a hash", (key) => f.raw.hset(key, "m", "{}")],
      ["a list", (key) => f.raw.rpush(key, "{}")],
      ["a set", (key) => f.raw.sadd(key, "{}")],
      ["a sorted set", (key) => f.raw.zadd(key, 1, "{}")],
    ])("treats %s at the key as corrupt: GET, DEL, fresh session", async (_name, write) => {
      const { pair, key } = await createStored(f);
      await f.raw.del(key);
      await write(key);
      await f.log.take();
      const reasons: InvalidReason[] = [];
      const sessions = f.sessions({ onInvalid: (reason) => reasons.push(reason) });
      const s = await sessions.load(pair);
      expect(s.isNew).toBe(true);
      expect(reasons).toEqual(["corrupt"]);
      const shapes = await f.log.shapes();
      expect(shapes).toEqual(["GET", "DEL"]);
      expect(await f.raw.exists(key)).toBe(0);
      s.data.n = 1;
      expect(cookiePair((await sessions.commit(s)).setCookie)).not.toBe(pair);
    });

    it.each<[string, string]>([
      [
        "a creation time 60 s in the future (clock skew)",
        JSON.stringify({ ...valid, c: T + 60, x: T + 60 + 1200 }),
      ],
      ["an expiry of exactly now + timeout + 60 s", JSON.stringify({ ...valid, x: T + 1260 })],
      [
        "an expiry equal to the creation time, in the future",
        JSON.stringify({ ...valid, c: T + 30, x: T + 30 }),
      ],
      ["unknown extra fields", JSON.stringify({ ...valid, z: 1 })],
    ])("accepts %s", async (_name, text) => {
      const { pair, key } = await createStored(f);
      await f.raw.set(key, text, "EX", 600);
      const s = await f.sessions().load(pair);
      expect(s.isNew).toBe(false);
      expect(s.data.user).toBe("ada");
    });
  });

  describe("maxPayloadBytes on write", () => {
    /** Data whose full payload is exactly `bytes` long for a new session at time T. */
    function dataOfSize(bytes: number, char = "x"): Record<string, unknown> {
      const empty = JSON.stringify([2, 1, T, 1200, 1200, { p: "" }]);
      const room = bytes - Buffer.byteLength(empty);
      const width = Buffer.byteLength(char);
      return { p: char.repeat(Math.floor(room / width)) + "x".repeat(room % width) };
    }

    it("accepts a payload of exactly the limit, counted in bytes", async () => {
      const { key } = await createStored(f, { maxPayloadBytes: 1024 }, dataOfSize(1024, "é"));
      expect(Buffer.byteLength((await f.raw.get(key)) as string)).toBe(1024);
    });

    it("throws payload-too-large one byte over, before any Redis command, with no key and no cookie", async () => {
      const keysBefore = await f.raw.keys(`${f.prefix}*`);
      await f.log.take();
      const sessions = f.sessions({ maxPayloadBytes: 1024 });
      const s = await sessions.load(undefined);
      Object.assign(s.data, dataOfSize(1026, "é"));
      const error = await sessions.commit(s).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SessionError);
      expect((error as SessionError).code).toBe("payload-too-large");
      expect((error as SessionError).message).toBe(
        "sessile: the session payload is over maxPayloadBytes (1024); store less in the session or raise the limit",
      );
      expect(s.id).toBeNull();
      expect(await f.log.shapes()).toEqual([]);
      expect((await f.raw.keys(`${f.prefix}*`)).sort()).toEqual(keysBefore.sort());
    });

    it("leaves an existing session untouched when its new payload is too large", async () => {
      const { sessions, pair, key } = await createStored(f, { maxPayloadBytes: 1024 });
      const before = await f.raw.get(key);
      await f.log.take();
      const s = await sessions.load(pair);
      s.data.big = "x".repeat(2000);
      await expect(sessions.commit(s)).rejects.toMatchObject({ code: "payload-too-large" });
      expect(await f.log.shapes()).toEqual(["GET"]);
      expect(await f.raw.get(key)).toBe(before);
    });

    it("makes save() throw payload-too-large with no Redis command", async () => {
      const sessions = f.sessions({ maxPayloadBytes: 1024 });
      const s = await sessions.load(undefined);
      s.data.big = "x".repeat(2000);
      await expect(s.save()).rejects.toMatchObject({ code: "payload-too-large" });
      expect(await f.log.shapes()).toEqual([]);
    });

    it.each<[string, () => unknown]>([
      ["a BigInt", () => 10n],
      [
        "a cycle",
        () => {
          const a: Record<string, unknown> = {};
          a.self = a;
          return a;
        },
      ],
    ])("throws serialize-failed for %s, before any Redis command", async (_name, make) => {
      const sessions = f.sessions();
      const s = await sessions.load(undefined);
      s.data.bad = make();
      const error = await sessions.commit(s).catch((e: unknown) => e);
      expect((error as SessionError).code).toBe("serialize-failed");
      expect((error as SessionError).message).toMatch(
        /^sessile: the session data could not be serialized; keep it to JSON values/,
      );
      expect(await f.log.shapes()).toEqual([]);
    });
  });

  describe("change detection", () => {
    it.each<[string, (data: Record<string, unknown>) => void]>([
      ["reading nested values", (d) => void JSON.stringify(d.cart)],
      ["assigning the same values", (d) => Object.assign(d, { user: "ada", cart: { items: ["a"] } })],
      [
        "mutating then restoring a nested value",
        (d) => {
          const cart = d.cart as { items: string[] };
          cart.items.push("b");
          cart.items.pop();
        },
      ],
      [
        "adding then deleting a key",
        (d) => {
          d.temp = 1;
          delete d.temp;
        },
      ],
    ])("does not rewrite an unmodified session after %s", async (_name, act) => {
      const { sessions, pair } = await createStored(f, {}, { user: "ada", cart: { items: ["a"] } });
      const s = await sessions.load(pair);
      act(s.data);
      expect(await sessions.commit(s)).toEqual({ setCookie: undefined, vary: true });
      expect(await f.log.shapes()).toEqual(["GET"]);
    });

    it("replacing data with an equal object costs one GET", async () => {
      const { sessions, pair } = await createStored(f);
      const s = await sessions.load(pair);
      s.data = { user: "ada" };
      await sessions.commit(s);
      expect(await f.log.shapes()).toEqual(["GET"]);
    });

    it("sends nothing for a new session whose only values are undefined", async () => {
      const sessions = f.sessions();
      const s = await sessions.load(undefined);
      s.data.returnTo = undefined;
      expect(await sessions.commit(s)).toEqual({ setCookie: undefined, vary: false });
      expect(await f.log.shapes()).toEqual([]);
    });

    it("sends nothing for a new session that is only read", async () => {
      const sessions = f.sessions();
      const s = await sessions.load(undefined);
      expect(s.data.user).toBeUndefined();
      expect(s.peekFlash()).toEqual([]);
      expect(s.verifyCsrfToken("x")).toBe(false);
      expect(await sessions.commit(s)).toEqual({ setCookie: undefined, vary: false });
      expect(await f.log.shapes()).toEqual([]);
    });
  });
});
