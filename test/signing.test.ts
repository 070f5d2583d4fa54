import { createHmac } from "node:crypto";
import { beforeEach, describe, expect, it } from "vitest";
import { VerifiedCookies } from "../src/core/verified-cookies.js";
import { digestId, generateSessionId, type InvalidReason, SessionError } from "../src/index.js";
import { cookiePair, createStored, OLD_SECRET, SECRET, useRedis } from "./helpers/sessions.js";

const NEW_SECRET = "a-brand-new-test-secret-long-enough-03";

function mac(secret: string, text: string): string {
  return createHmac("sha256", secret).update(text).digest("base64url");
}

function cookieValue(pair: string): string {
  return pair.slice(pair.indexOf("=") + 1);
}

/** Changes the character at `index` to another base64url character. */
function flip(value: string, index: number): string {
  const c = value[index] === "A" ? "B" : "A";
  return value.slice(0, index) + c + value.slice(index + 1);
}

describe("generateSessionId()", () => {
  it("gives a million distinct 43-character base64url ids", () => {
    const seen = new Set<string>();
    const shape = /^[A-Za-z0-9_-]{43}$/;
    for (let i = 0; i < 1_000_000; i++) {
      const id = generateSessionId();
      if (!shape.test(id)) throw new Error(`id ${i} has the wrong shape`);
      seen.add(id);
    }
    expect(seen.size).toBe(1_000_000);
  });
});

describe("cookie signature", () => {
  const f = useRedis("node-redis");
  beforeEach(async () => {
    await f.log.take();
  });

  it("is id + '.' + base64url(HMAC-SHA-256(secret, name + '=' + id))", async () => {
    const { pair, id } = await createStored(f);
    expect(pair).toBe(`session=${id}.${mac(SECRET, `session=${id}`)}`);
    const named = await createStored(f, { cookie: { name: "sid" } });
    expect(named.pair).toBe(`sid=${named.id}.${mac(SECRET, `sid=${named.id}`)}`);
  });

  it("uses 43-character ids from the default generator", async () => {
    const { id } = await createStored(f);
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it("accepts a value signed by hand with the current secret", async () => {
    const { id } = await createStored(f);
    const s = await f.sessions().load(`session=${id}.${mac(SECRET, `session=${id}`)}`);
    expect(s.data.user).toBe("ada");
  });

  it.each<[string, (value: string, id: string) => string]>([
    ["a flipped character in the id", (v) => flip(v, 5)],
    ["a flipped character in the MAC", (v) => flip(v, v.length - 10)],
    ["the last MAC character changed", (v) => flip(v, v.length - 1)],
    ["the value truncated by one character", (v) => v.slice(0, -1)],
    ["the MAC truncated to half", (v) => v.slice(0, v.length - 21)],
    ["the MAC removed", (_v, id) => `${id}.`],
    ["the id alone (unsigned)", (_v, id) => id],
    ["the MAC alone", (v) => v.slice(v.indexOf(".") + 1)],
    ["an extra suffix", (v) => `${v}A`],
    ["an extra prefix", (v) => `A${v}`],
    ["the value in upper case", (v) => v.toUpperCase()],
    ["the value in lower case", (v) => v.toLowerCase()],
    ["the separator missing", (v) => v.replace(".", "")],
    ["the separator replaced by '-'", (v) => v.replace(".", "-")],
    ["the separator replaced by '_'", (v) => v.replace(".", "_")],
    ["a second separator", (v) => `${v}.${v.slice(v.indexOf(".") + 1)}`],
    ["the MAC twice", (v) => `${v}${v.slice(v.indexOf(".") + 1)}`],
    ["a MAC made with another secret", (_v, id) => `${id}.${mac(OLD_SECRET, `session=${id}`)}`],
    ["a MAC made for another cookie name", (_v, id) => `${id}.${mac(SECRET, `sid=${id}`)}`],
    ["a MAC made without the cookie name", (_v, id) => `${id}.${mac(SECRET, id)}`],
    [
      "a MAC made with SHA-1",
      (_v, id) => `${id}.${createHmac("sha1", SECRET).update(`session=${id}`).digest("base64url")}`,
    ],
    [
      "a MAC in hex",
      (_v, id) => `${id}.${createHmac("sha256", SECRET).update(`session=${id}`).digest("hex")}`,
    ],
    ["a MAC of another id", (v, id) => `${flip(id, 0)}${v.slice(v.indexOf("."))}`],
    [
      "a 21-character id signed correctly",
      (_v, id) => `${id.slice(0, 21)}.${mac(SECRET, `session=${id.slice(0, 21)}`)}`,
    ],
    ["only a separator", () => "."],
    ["an express-session style value", (v) => `s:${v}`],
  ])(
    "gives no session for %s, with no Redis command, even once the genuine value verified",
    async (_name, tamper) => {
      const { sessions, pair, id, reasons } = await createStored(f);
      const value = tamper(cookieValue(pair), id);
      expect(value).not.toBe(cookieValue(pair));
      // The same factory has just verified (and remembered) the genuine value.
      expect((await sessions.load(pair)).data.user).toBe("ada");
      await f.log.take();
      const s = await sessions.load(`session=${value}`);
      expect(s.isNew).toBe(true);
      expect(s.data).toEqual({});
      expect(reasons).toEqual(["bad-signature"]);
      const r = await sessions.commit(s);
      expect(r.setCookie).toBeUndefined();
      expect(await f.log.shapes()).toEqual([]);
    },
  );

  it("accepts a custom id of 22 characters and signs it", async () => {
    let n = 0;
    const { sessions, pair, id } = await createStored(f, {
      generateId: () => `custom-id-${String(n++).padStart(12, "0")}`,
    });
    expect(id).toMatch(/^custom-id-\d{12}$/);
    expect(id).toHaveLength(22);
    expect((await sessions.load(pair)).data.user).toBe("ada");
  });

  it("rejects at commit, before any Redis command, an id a custom generator got wrong later", async () => {
    let calls = 0;
    const sessions = f.sessions({ generateId: () => (calls++ === 0 ? "a".repeat(43) : "short") });
    const s = await sessions.load(undefined);
    s.data.n = 1;
    const error = await sessions.commit(s).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SessionError);
    expect((error as SessionError).code).toBe("invalid-option");
    expect((error as SessionError).message).toMatch(
      /^sessile: generateId must return 22 to 256 base64url characters/,
    );
    expect(await f.log.shapes()).toEqual([]);
  });

  it("never overwrites a stored session when a custom generator repeats an id", async () => {
    const { sessions, pair } = await createStored(f, { generateId: () => "the-same-id-every-time" });
    const s = await sessions.load(undefined);
    s.data.user = "mallory";
    await expect(sessions.commit(s)).rejects.toMatchObject({
      code: "id-collision",
      message: "sessile: a new session id already existed in the store",
    });
    expect(await f.log.shapes()).toEqual(["SET NX EX"]);
    expect((await sessions.load(pair)).data.user).toBe("ada");
  });

  describe("secret rotation", () => {
    it("accepts a cookie signed with an older secret and re-sends it signed with the first, without a write", async () => {
      const { pair, id } = await createStored(f, { secret: OLD_SECRET });
      const rotated = f.sessions({ secret: [NEW_SECRET, OLD_SECRET] });
      const s = await rotated.load(pair);
      expect(s.data.user).toBe("ada");
      const r = await rotated.commit(s);
      expect(cookiePair(r.setCookie)).toBe(`session=${id}.${mac(NEW_SECRET, `session=${id}`)}`);
      expect(r.setCookie).toMatch(/; Path=\/; HttpOnly; SameSite=Lax$/);
      expect(r.vary).toBe(true);
      expect(await f.log.shapes()).toEqual(["GET"]);
    });

    it("re-signs with the configured Max-Age", async () => {
      const { pair } = await createStored(f, { secret: OLD_SECRET });
      const rotated = f.sessions({ secret: [NEW_SECRET, OLD_SECRET], cookie: { maxAge: 600 } });
      const r = await rotated.commit(await rotated.load(pair));
      expect(r.setCookie).toMatch(/^session=[^;]+; Max-Age=600; Expires=/);
    });

    it("issues cookies that verify with the current secret alone", async () => {
      const { pair } = await createStored(f, { secret: OLD_SECRET });
      const rotated = f.sessions({ secret: [NEW_SECRET, OLD_SECRET] });
      const reissued = cookiePair((await rotated.commit(await rotated.load(pair))).setCookie);
      const fresh = await rotated.load(undefined);
      fresh.data.n = 1;
      const created = cookiePair((await rotated.commit(fresh)).setCookie);
      const current = f.sessions({ secret: NEW_SECRET });
      expect((await current.load(reissued)).data.user).toBe("ada");
      expect((await current.load(created)).data.n).toBe(1);
    });

    it("does not re-send a cookie already signed with the current secret", async () => {
      const { sessions: rotated, pair } = await createStored(f, { secret: [NEW_SECRET, OLD_SECRET] });
      expect((await rotated.commit(await rotated.load(pair))).setCookie).toBeUndefined();
    });

    it("gives no session, with no Redis command, once the old secret is removed", async () => {
      const { pair } = await createStored(f, { secret: OLD_SECRET });
      const reasons: InvalidReason[] = [];
      const current = f.sessions({ secret: [NEW_SECRET], onInvalid: (reason) => reasons.push(reason) });
      const s = await current.load(pair);
      expect(s.isNew).toBe(true);
      expect(reasons).toEqual(["bad-signature"]);
      expect(await f.log.shapes()).toEqual([]);
    });

    it("clears an old-secret cookie whose session is gone instead of re-signing it", async () => {
      const { sessions: old, pair } = await createStored(f, { secret: OLD_SECRET });
      const s0 = await old.load(pair);
      await s0.invalidate();
      await f.log.take();
      const rotated = f.sessions({ secret: [NEW_SECRET, OLD_SECRET] });
      const r = await rotated.commit(await rotated.load(pair));
      expect(r.setCookie).toMatch(/^session=; Max-Age=0;/);
    });
  });

  describe("a validly signed id that is not stored", () => {
    function forged(): { id: string; pair: string } {
      const id = generateSessionId();
      return { id, pair: `session=${id}.${mac(SECRET, `session=${id}`)}` };
    }

    it("costs one GET, reports not-found and clears the cookie", async () => {
      const { pair } = forged();
      const reasons: InvalidReason[] = [];
      const sessions = f.sessions({ onInvalid: (reason) => reasons.push(reason) });
      const s = await sessions.load(pair);
      expect(s.isNew).toBe(true);
      expect(s.id).toBeNull();
      expect(reasons).toEqual(["not-found"]);
      const r = await sessions.commit(s);
      expect(r.setCookie).toMatch(/^session=; Max-Age=0;/);
      expect(await f.log.shapes()).toEqual(["GET"]);
    });

    it("is never adopted: the next write uses a new id", async () => {
      const { id, pair } = forged();
      const sessions = f.sessions();
      const s = await sessions.load(pair);
      s.data.n = 1;
      const r = await sessions.commit(s);
      expect(s.id).not.toBe(id);
      expect(r.setCookie).not.toContain(id);
      expect(await f.log.shapes()).toEqual(["GET", "SET NX EX"]);
      expect((await sessions.load(pair)).isNew).toBe(true);
    });
  });

  describe("the memo of verified cookie values", () => {
    it("still asks the store: a remembered value whose session was ended gives a fresh session", async () => {
      const { sessions, pair, reasons } = await createStored(f);
      const s = await sessions.load(pair);
      expect(s.data.user).toBe("ada");
      await s.invalidate();
      await f.log.take();
      const again = await sessions.load(pair);
      expect(again.isNew).toBe(true);
      expect(reasons).toEqual(["not-found"]);
      expect(await f.log.shapes()).toEqual(["GET"]);
    });

    it("remembers that an older secret signed a value, so it is re-signed on every use", async () => {
      const { pair, id } = await createStored(f, { secret: OLD_SECRET });
      const rotated = f.sessions({ secret: [NEW_SECRET, OLD_SECRET] });
      const resigned = `session=${id}.${mac(NEW_SECRET, `session=${id}`)}`;
      for (let i = 0; i < 2; i++) {
        const r = await rotated.commit(await rotated.load(pair));
        expect(cookiePair(r.setCookie)).toBe(resigned);
      }
      expect((await rotated.commit(await rotated.load(resigned))).setCookie).toBeUndefined();
    });

    it("keeps only values that verified, up to its limit, dropping the oldest first", () => {
      const memo = new VerifiedCookies([SECRET], "session", 2);
      const signed = (id: string) => `${id}.${mac(SECRET, `session=${id}`)}`;
      const [a, b, c] = [generateSessionId(), generateSessionId(), generateSessionId()];
      expect(memo.verify(flip(signed(a), 50))).toBeNull();
      expect(memo.size).toBe(0);
      expect(memo.verify(signed(a))).toEqual({
        id: a,
        rotated: false,
        key: digestId(a),
      });
      memo.verify(signed(b));
      memo.verify(signed(c));
      expect(memo.size).toBe(2);
      // The evicted value verifies again from scratch; a tampered one never enters.
      expect(memo.verify(signed(a))?.id).toBe(a);
      expect(memo.verify(flip(signed(b), 50))).toBeNull();
      expect(memo.size).toBe(2);
    });
  });
});
