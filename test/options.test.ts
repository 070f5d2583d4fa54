import { Redis } from "ioredis";
import { Redis as Valkey } from "iovalkey";
import { createClient, createCluster } from "redis";
import { describe, expect, it } from "vitest";
import {
  createSessions,
  memoryStore,
  redisStore,
  SessionError,
  type SessionOptions,
  type SessionStore,
} from "../src/index.js";
import { SECRET } from "./helpers/sessions.js";

const DAY = 24 * 60 * 60;
const store: SessionStore = memoryStore();

/** Options built from valid defaults with `patch` applied; a patch value of `undefined` deletes the key. */
function optionsWith(patch: Record<string, unknown>): SessionOptions {
  const options: Record<string, unknown> = { store, secret: SECRET };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) delete options[key];
    else options[key] = value;
  }
  return options as unknown as SessionOptions;
}

function creationError(options: unknown): SessionError {
  try {
    createSessions(options as SessionOptions);
  } catch (error) {
    if (error instanceof SessionError) return error;
    throw error;
  }
  throw new Error("createSessions accepted the options");
}

describe("createSessions() options", () => {
  it.each<[string, Record<string, unknown>, RegExp]>([
    [
      "an unknown top-level option",
      { maxAge: 3600 },
      /^sessile: unknown option maxAge; the known ones are store, secret, idleTimeout/,
    ],
    [
      "an unknown cookie option",
      { cookie: { expires: new Date() } },
      /^sessile: unknown option cookie\.expires; the known ones are name, path, domain/,
    ],
    [
      "a missing store",
      { store: undefined },
      /^sessile: store is required; pass redisStore\(client\) or memoryStore\(\)/,
    ],
    ["a store without the store methods", { store: {} }, /^sessile: store is required/],
    [
      "a node-redis client passed as the store",
      { store: { get() {}, set() {}, del() {}, connect() {} } },
      /^sessile: store must be a session store, not a Redis client; wrap the client: store: redisStore\(client\)$/,
    ],
    [
      "an ioredis client passed as the store",
      { store: { get() {}, set() {}, call() {} } },
      /^sessile: store must be a session store, not a Redis client; wrap the client: store: redisStore\(client\)$/,
    ],
    [
      "a missing secret",
      { secret: undefined },
      /^sessile: secret is required; pass a random string of at least 32 bytes/,
    ],
    ["a null secret", { secret: null }, /^sessile: secret is required/],
    [
      "an empty secret list",
      { secret: [] },
      /^sessile: secret must be a string or a non-empty array of strings/,
    ],
    ["a secret of another type", { secret: 12345 }, /^sessile: secret must be a string or a non-empty array/],
    [
      "a secret of 31 bytes",
      { secret: "x".repeat(31) },
      /^sessile: secret\[0\] must be a string of at least 32 bytes; generate one with/,
    ],
    ["an empty secret", { secret: "" }, /^sessile: secret\[0\] must be a string of at least 32 bytes/],
    [
      "a short secret after a good one",
      { secret: [SECRET, "short"] },
      /^sessile: secret\[1\] must be a string of at least 32 bytes/,
    ],
    ["a non-string secret in the list", { secret: [SECRET, 42] }, /^sessile: secret\[1\] must be a string/],
    [
      "idleTimeout 0",
      { idleTimeout: 0 },
      /^sessile: idleTimeout must be a whole number of seconds from 1 to 3153600000 or null, got 0$/,
    ],
    [
      "a negative idleTimeout",
      { idleTimeout: -5 },
      /^sessile: idleTimeout must be a whole number of seconds from 1 to 3153600000 or null, got -5$/,
    ],
    [
      "a fractional idleTimeout",
      { idleTimeout: 1.5 },
      /^sessile: idleTimeout must be a whole number of seconds/,
    ],
    [
      "idleTimeout NaN",
      { idleTimeout: Number.NaN },
      /^sessile: idleTimeout must be a whole number of seconds .* got NaN$/,
    ],
    [
      "idleTimeout Infinity",
      { idleTimeout: Number.POSITIVE_INFINITY },
      /^sessile: idleTimeout must be a whole number/,
    ],
    [
      "idleTimeout as a string",
      { idleTimeout: "1200" },
      /^sessile: idleTimeout must be a whole number of seconds .* got a string of 4 characters$/,
    ],
    [
      "a negative touchInterval",
      { touchInterval: -1 },
      /^sessile: touchInterval must be a whole number of seconds at least 0, got -1$/,
    ],
    [
      "a null touchInterval",
      { touchInterval: null },
      /^sessile: touchInterval must be a whole number of seconds at least 0, got null$/,
    ],
    ["a fractional touchInterval", { touchInterval: 0.5 }, /^sessile: touchInterval must be a whole number/],
    [
      "an idleTimeout over 100 years",
      { idleTimeout: 100 * 365 * DAY + 1 },
      /^sessile: idleTimeout must be a whole number of seconds from 1 to 3153600000 or null, got 3153600001$/,
    ],
    [
      "a serializer whose stringify gives no string",
      { serializer: { stringify: () => 42, parse: JSON.parse } },
      /^sessile: serializer\.stringify failed on a sample session \(sessile: serializer\.stringify must return a non-empty string/,
    ],
    [
      "a serializer whose parse does not give the payload back",
      { serializer: { stringify: JSON.stringify, parse: () => ({ v: 1, c: 1, m: {} }) } },
      /^sessile: serializer\.parse\(serializer\.stringify\(payload\)\) must give back the payload/,
    ],
    [
      "a generateId that throws",
      {
        generateId: () => {
          throw new Error("no entropy");
        },
      },
      /^sessile: generateId threw \(no entropy\); it must return a new id$/,
    ],
    [
      "touchInterval equal to idleTimeout",
      { idleTimeout: 60, touchInterval: 60 },
      /^sessile: touchInterval \(60\) must be below idleTimeout \(60\), or sessions would expire between refreshes$/,
    ],
    [
      "an idleTimeout at or below the default touchInterval",
      { idleTimeout: 60 },
      /^sessile: touchInterval \(default 60\) must be below idleTimeout \(60\), or sessions would expire between refreshes; set touchInterval below 60 too \(e\.g\. 15\), or 0 to refresh on every request$/,
    ],
    [
      "touchInterval above the default idleTimeout",
      { touchInterval: 1200 },
      /^sessile: touchInterval \(1200\) must be below idleTimeout \(1200\)/,
    ],
    [
      "absoluteTimeout 0",
      { absoluteTimeout: 0 },
      /^sessile: absoluteTimeout must be a whole number of seconds from 1 to 3153600000 or null, got 0$/,
    ],
    [
      "a fractional absoluteTimeout",
      { absoluteTimeout: 3600.5 },
      /^sessile: absoluteTimeout must be a whole number/,
    ],
    [
      "no timeout at all with Redis TTLs on",
      { idleTimeout: null, absoluteTimeout: null },
      /^sessile: idleTimeout and absoluteTimeout are both null, so Redis keys would never expire; set one of them, or use redisTtl: false/,
    ],
    [
      "cookie.maxAge 0",
      { cookie: { maxAge: 0 } },
      /^sessile: cookie\.maxAge must be a whole number of seconds from 1 to 34560000 or null, got 0$/,
    ],
    [
      "cookie.maxAge over 400 days",
      { cookie: { maxAge: 400 * DAY + 1 } },
      /^sessile: cookie\.maxAge must be a whole number of seconds from 1 to 34560000 or null, got 34560001$/,
    ],
    [
      "cookie.maxAge in milliseconds",
      { cookie: { maxAge: 30 * DAY * 1000 } },
      /^sessile: cookie\.maxAge must be a whole number of seconds from 1 to/,
    ],
    [
      "a fractional cookie.maxAge",
      { cookie: { maxAge: 1.5 } },
      /^sessile: cookie\.maxAge must be a whole number/,
    ],
    [
      "maxPayloadBytes 255",
      { maxPayloadBytes: 255 },
      /^sessile: maxPayloadBytes must be a whole number of bytes from 256 to 536870912, got 255$/,
    ],
    [
      "maxPayloadBytes over 512 MiB",
      { maxPayloadBytes: 512 * 1024 * 1024 + 1 },
      /^sessile: maxPayloadBytes must be a whole number of bytes from 256 to 536870912, got 536870913$/,
    ],
    [
      "a null maxPayloadBytes",
      { maxPayloadBytes: null },
      /^sessile: maxPayloadBytes must be a whole number of bytes/,
    ],
    [
      "redisTtl as a string",
      { redisTtl: "false" },
      /^sessile: redisTtl must be true or false, got a string of 5 characters$/,
    ],
    [
      "detectChanges as a number",
      { detectChanges: 0 },
      /^sessile: detectChanges must be true or false, got 0$/,
    ],
    [
      "invalidateEmpty null",
      { invalidateEmpty: null },
      /^sessile: invalidateEmpty must be true or false, got null$/,
    ],
    ["cookieOnError as a string", { cookieOnError: "yes" }, /^sessile: cookieOnError must be true or false/],
    ["degrade as a string", { degrade: "on" }, /^sessile: degrade must be true or false/],
    [
      "allowCookie that is not a function",
      { allowCookie: true },
      /^sessile: allowCookie must be a function, got true$/,
    ],
    [
      "onInvalid that is not a function",
      { onInvalid: "log" },
      /^sessile: onInvalid must be a function, got a string of 3 characters$/,
    ],
    ["generateId that is not a function", { generateId: "abc" }, /^sessile: generateId must be a function/],
    [
      "a serializer without parse",
      { serializer: { stringify: JSON.stringify } },
      /^sessile: serializer must be an object with stringify\(value\) and parse\(text\) functions$/,
    ],
    [
      "a serializer that is a function",
      { serializer: JSON.stringify },
      /^sessile: serializer must be an object/,
    ],
  ])("rejects %s", (_name, patch, message) => {
    const error = creationError(optionsWith(patch));
    expect(error.code).toBe("invalid-option");
    expect(error.message).toMatch(message);
  });

  it.each<[string, () => { client: unknown; close(): void }]>([
    ["a node-redis client", () => ({ client: createClient(), close() {} })],
    [
      "a node-redis Cluster client",
      () => ({ client: createCluster({ rootNodes: [{ url: "redis://127.0.0.1:1" }] }), close() {} }),
    ],
    [
      "an ioredis client",
      () => {
        const client = new Redis({ lazyConnect: true, port: 1 });
        return { client, close: () => client.disconnect() };
      },
    ],
    [
      "an iovalkey client",
      () => {
        const client = new Valkey({ lazyConnect: true, port: 1 });
        return { client, close: () => client.disconnect() };
      },
    ],
  ])("tells a user who passes %s as the store to wrap it with redisStore", (_name, make) => {
    const { client, close } = make();
    try {
      const error = creationError(optionsWith({ store: client }));
      expect(error.code).toBe("invalid-option");
      expect(error.message).toBe(
        "sessile: store must be a session store, not a Redis client; wrap the client: store: redisStore(client)",
      );
    } finally {
      close();
    }
  });

  it.each<[string, unknown]>([
    ["null", null],
    ["a string", "secret"],
    ["undefined", undefined],
  ])("rejects %s instead of an options object", (_name, options) => {
    const error = creationError(options);
    expect(error.code).toBe("invalid-option");
    expect(error.message).toMatch(
      /^sessile: createSessions needs an options object with at least store and secret$/,
    );
  });

  it.each<[string, () => unknown, RegExp]>([
    [
      "fewer than 22 characters",
      () => "a".repeat(21),
      /^sessile: generateId must return 22 to 256 base64url characters/,
    ],
    ["more than 256 characters", () => "a".repeat(257), /^sessile: generateId must return 22 to 256/],
    [
      "standard base64 characters",
      () => `${"a".repeat(30)}+/`,
      /^sessile: generateId must return 22 to 256 base64url characters \(A-Z a-z 0-9 - _\)/,
    ],
    ["padding", () => `${"a".repeat(30)}==`, /^sessile: generateId must return/],
    ["a separator", () => `${"a".repeat(30)}.b`, /^sessile: generateId must return/],
    ["non-ASCII characters", () => "é".repeat(30), /^sessile: generateId must return/],
    ["a number", () => 1234567890123456, /^sessile: generateId must return/],
    ["a Promise", async () => "a".repeat(43), /^sessile: generateId must return/],
  ])("rejects a generateId returning %s", (_name, generateId, message) => {
    const error = creationError(optionsWith({ generateId }));
    expect(error.code).toBe("invalid-option");
    expect(error.message).toMatch(message);
  });

  it("never puts a rejected secret in the error message", () => {
    const secret = "a-secret-of-31-bytes-0123456789";
    expect(Buffer.byteLength(secret)).toBe(31);
    const error = creationError(optionsWith({ secret: [SECRET, secret] }));
    expect(error.message).not.toContain(secret);
    expect(error.message).not.toContain(SECRET);
  });

  it.each<[string, Record<string, unknown>]>([
    ["the defaults", {}],
    ["a secret of exactly 32 bytes", { secret: "x".repeat(32) }],
    ["a secret of 32 bytes in 16 two-byte characters", { secret: "é".repeat(16) }],
    ["a list of secrets", { secret: [SECRET, "y".repeat(32)] }],
    ["touchInterval 0 (refresh on every request)", { touchInterval: 0 }],
    ["touchInterval one below idleTimeout", { idleTimeout: 61, touchInterval: 60 }],
    ["idleTimeout 1 with touchInterval 0", { idleTimeout: 1, touchInterval: 0 }],
    ["no idle timeout with an absolute timeout", { idleTimeout: null, absoluteTimeout: 3600 }],
    ["no timeout at all in LRU mode", { idleTimeout: null, absoluteTimeout: null, redisTtl: false }],
    [
      "an idle timeout with a large touchInterval when idleTimeout is null",
      { idleTimeout: null, absoluteTimeout: 60, touchInterval: 600 },
    ],
    ["cookie.maxAge of 1 second", { cookie: { maxAge: 1 } }],
    ["cookie.maxAge of exactly 400 days", { cookie: { maxAge: 400 * DAY } }],
    ["cookie.maxAge null", { cookie: { maxAge: null } }],
    ["maxPayloadBytes 256", { maxPayloadBytes: 256 }],
    ["maxPayloadBytes of 512 MiB", { maxPayloadBytes: 512 * 1024 * 1024 }],
    ["a generateId of 22 base64url characters", { generateId: () => `${"A-_z".repeat(5)}09` }],
    ["a generateId of 256 base64url characters", { generateId: () => "a".repeat(256) }],
    ["a custom serializer", { serializer: { stringify: JSON.stringify, parse: JSON.parse } }],
    [
      "every boolean false",
      { detectChanges: false, invalidateEmpty: false, cookieOnError: false, redisTtl: false },
    ],
  ])("accepts %s", (_name, patch) => {
    expect(createSessions(optionsWith(patch)).cookieName).toBe("session");
  });
});

describe("createSessions() cookie options", () => {
  it.each<[string, Record<string, unknown>, RegExp]>([
    ["an empty name", { name: "" }, /^sessile: cookie\.name must be a non-empty RFC 6265 token/],
    [
      "a name with ';'",
      { name: "a;b" },
      /^sessile: cookie\.name must be a non-empty RFC 6265 token: ASCII letters, digits and/,
    ],
    ["a name with ','", { name: "a,b" }, /^sessile: cookie\.name must be/],
    ["a name with '='", { name: "a=b" }, /^sessile: cookie\.name must be/],
    ["a name with a space", { name: "a b" }, /^sessile: cookie\.name must be/],
    ["a name with a tab", { name: "a\tb" }, /^sessile: cookie\.name must be/],
    ["a name with CR/LF", { name: "a\r\nSet-Cookie: x" }, /^sessile: cookie\.name must be/],
    ["a name with non-ASCII", { name: "séssion" }, /^sessile: cookie\.name must be/],
    ["a name with quotes", { name: '"session"' }, /^sessile: cookie\.name must be/],
    ["a name that is not a string", { name: 5 }, /^sessile: cookie\.name must be/],
    [
      "a path without a leading '/'",
      { path: "app" },
      /^sessile: cookie\.path must start with "\/" and contain no ";", ",", "=", whitespace/,
    ],
    ["a path with ';'", { path: "/a;Domain=evil.com" }, /^sessile: cookie\.path must start with "\/"/],
    ["a path with ','", { path: "/a,b" }, /^sessile: cookie\.path must/],
    ["a path with '='", { path: "/a=b" }, /^sessile: cookie\.path must/],
    ["a path with a space", { path: "/a b" }, /^sessile: cookie\.path must/],
    ["a path with CR/LF", { path: "/\r\nX: y" }, /^sessile: cookie\.path must/],
    ["a path with non-ASCII", { path: "/café" }, /^sessile: cookie\.path must/],
    ["an empty path", { path: "" }, /^sessile: cookie\.path must/],
    [
      "a domain with ';'",
      { domain: "example.com;Secure" },
      /^sessile: cookie\.domain must be a host name of ASCII letters, digits, dots and hyphens, or unset$/,
    ],
    ["a domain with ','", { domain: "a.com,b.com" }, /^sessile: cookie\.domain must be/],
    ["a domain with '='", { domain: "a=b.com" }, /^sessile: cookie\.domain must be/],
    ["a domain with a space", { domain: "exa mple.com" }, /^sessile: cookie\.domain must be/],
    ["a domain with LF", { domain: "example.com\n" }, /^sessile: cookie\.domain must be/],
    ["a domain with non-ASCII", { domain: "bücher.example" }, /^sessile: cookie\.domain must be/],
    ["an empty domain", { domain: "" }, /^sessile: cookie\.domain must be/],
    ["a domain with a port", { domain: "example.com:8080" }, /^sessile: cookie\.domain must be/],
    ["secure as a string", { secure: "yes" }, /^sessile: cookie\.secure must be true, false or "auto"$/],
    [
      "an unknown sameSite",
      { sameSite: "None" },
      /^sessile: cookie\.sameSite must be "lax", "strict", "none" or false$/,
    ],
    ["sameSite true", { sameSite: true }, /^sessile: cookie\.sameSite must be/],
    [
      "sameSite none with secure auto",
      { sameSite: "none" },
      /^sessile: cookie\.sameSite "none" requires cookie\.secure: true/,
    ],
    [
      "sameSite none with secure false",
      { sameSite: "none", secure: false },
      /^sessile: cookie\.sameSite "none" requires cookie\.secure: true/,
    ],
    [
      "partitioned without secure",
      { partitioned: true },
      /^sessile: cookie\.partitioned requires cookie\.secure: true$/,
    ],
    [
      "partitioned as a string",
      { partitioned: "true", secure: true },
      /^sessile: cookie\.partitioned must be true or false/,
    ],
    [
      "a __Host- name without secure",
      { name: "__Host-s" },
      /^sessile: a "__Host-" cookie name requires cookie\.secure: true, cookie\.path "\/" and no cookie\.domain$/,
    ],
    [
      "a __Host- name with a path",
      { name: "__Host-s", secure: true, path: "/app" },
      /^sessile: a "__Host-" cookie name requires/,
    ],
    [
      "a __Host- name with a domain",
      { name: "__Host-s", secure: true, domain: "example.com" },
      /^sessile: a "__Host-" cookie name requires/,
    ],
    [
      "a __Secure- name without secure",
      { name: "__Secure-s" },
      /^sessile: a "__Secure-" cookie name requires cookie\.secure: true$/,
    ],
    [
      "a __secure- name in lower case without secure (browsers match the prefix in any case)",
      { name: "__secure-s" },
      /^sessile: a "__Secure-" cookie name requires cookie\.secure: true$/,
    ],
    [
      "a __HOST- name in upper case with a path",
      { name: "__HOST-s", secure: true, path: "/app" },
      /^sessile: a "__Host-" cookie name requires/,
    ],
    [
      "an unknown priority",
      { priority: "urgent" },
      /^sessile: cookie\.priority must be "low", "medium" or "high"$/,
    ],
    ["httpOnly as a string", { httpOnly: "false" }, /^sessile: cookie\.httpOnly must be true or false/],
    [
      "cookie options that are not an object",
      { __replace: "session" },
      /^sessile: cookie must be an object of cookie attributes$/,
    ],
  ])("rejects %s", (_name, cookie, message) => {
    const value = "__replace" in cookie ? cookie.__replace : cookie;
    const error = creationError(optionsWith({ cookie: value }));
    expect(error.code).toBe("invalid-option");
    expect(error.message).toMatch(message);
  });

  it.each<[string, Record<string, unknown>]>([
    ["a token name with every allowed symbol", { name: "s!#$%&'*+-.^_`|~9" }],
    ["a nested path", { path: "/app/v1" }],
    ["a domain", { domain: "example.com" }],
    ["a domain with a leading dot", { domain: ".example.com" }],
    ["sameSite none with secure", { sameSite: "none", secure: true }],
    ["sameSite false", { sameSite: false }],
    ["partitioned with secure", { partitioned: true, secure: true }],
    ["a valid __Host- cookie", { name: "__Host-session", secure: true, path: "/" }],
    ["a valid __Secure- cookie", { name: "__Secure-session", secure: true, domain: "example.com" }],
    ["every priority", { priority: "high" }],
  ])("accepts %s", (_name, cookie) => {
    expect(createSessions(optionsWith({ cookie })).cookieName).toBe(cookie.name ?? "session");
  });
});

describe("redisStore()", () => {
  it.each<[string, unknown, RegExp]>([
    ["null", null, /^sessile: redisStore\(client\) needs a connected Redis client$/],
    ["a string", "redis://localhost", /^sessile: redisStore\(client\) needs a connected Redis client$/],
    [
      "an object that is no client",
      { get() {} },
      /^sessile: redisStore needs a node-redis client \(createClient, createCluster, createSentinel\) or an ioredis\/iovalkey client$/,
    ],
  ])("rejects %s as a client", (_name, client, message) => {
    let error: unknown;
    try {
      redisStore(client as never);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SessionError);
    expect((error as SessionError).code).toBe("invalid-option");
    expect((error as SessionError).message).toMatch(message);
  });

  it("rejects a prefix that is not a string", () => {
    const client = { call: async () => null };
    expect(() => redisStore(client, { prefix: 5 as never })).toThrow(
      /^sessile: redisStore prefix must be a string$/,
    );
  });
});
