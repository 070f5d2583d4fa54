// Hand-made values for what the real apps cannot easily produce: corrupt and hostile stored values,
// formats of options the apps in legacy-sources.test.ts do not set. They supplement that file.
import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { expressSessionSource, fastifySessionSource, koaSessionSource } from "../../src/migrate/index.js";

const SECRET = "a legacy secret";
const express = expressSessionSource({ secret: SECRET });
const fastify = fastifySessionSource({ secret: SECRET });
const koa = koaSessionSource({ keys: [SECRET] });
const NOW = 1_800_000_000;

describe("decode() of hostile or broken stored values", () => {
  it.each([
    ["not JSON", "{"],
    ["JSON but not an object", "[1,2]"],
    ["a string", '"sess"'],
    ["null", "null"],
    ["over a megabyte", JSON.stringify({ cookie: {}, big: "x".repeat(1 << 20) })],
  ])("gives null for %s, from every source", (_label, raw) => {
    for (const source of [express, fastify, koa]) expect(source.decode(raw, NOW)).toBeNull();
  });

  it("express-session: a session without its cookie field or with a bad date is unreadable", () => {
    expect(express.decode('{"views":1}', NOW)).toBeNull();
    expect(express.decode('{"cookie":{"expires":"soon"},"views":1}', NOW)).toBeNull();
  });

  it("koa-session: a non-numeric _expire is unreadable; _session: true is a browser-session cookie", () => {
    expect(koa.decode('{"_expire":"tomorrow","a":1}', NOW)).toBeNull();
    expect(koa.decode('{"_session":true,"a":1,"_secret":2,"isNew":false}', NOW)).toEqual({
      data: { a: 1 },
      expiresAt: null,
      cookieMaxAge: null,
    });
  });

  it("keeps __proto__ and constructor keys away from every prototype", () => {
    const raw =
      '{"cookie":{"expires":null},"__proto__":{"polluted":1},"nested":{"constructor":{"prototype":{"x":1}}}}';
    for (const source of [express, fastify]) {
      const legacy = source.decode(raw, NOW);
      expect(legacy?.data).toEqual({ nested: {} });
      expect(Object.getPrototypeOf(legacy?.data)).toBe(Object.prototype);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe("find() of hand-signed cookies", () => {
  const mac = (algorithm: string, data: string) =>
    createHmac(algorithm, SECRET).update(data).digest("base64").replace(/=+$/, "");

  it("@fastify/session: honours the algorithm option", () => {
    const id = "abcdefghijklmnopqrstuvwxyz012345";
    const header = `sessionId=${id}.${mac("sha512", id)}`;
    expect(fastifySessionSource({ secret: SECRET, algorithm: "sha512" }).find(header)?.id).toBe(id);
    expect(fastify.find(header)).toBeNull();
  });

  it("express-session: requires the s: prefix, as express-session does", () => {
    const id = "abcdefghijklmnopqrstuvwxyz012345";
    expect(express.find(`connect.sid=s%3A${id}.${encodeURIComponent(mac("sha256", id))}`)?.key).toBe(
      `sess:${id}`,
    );
    expect(express.find(`connect.sid=${id}.${encodeURIComponent(mac("sha256", id))}`)).toBeNull();
    expect(express.find("connect.sid=s%3A%ZZ.abc")).toBeNull();
  });

  it("koa-session: a signature made for another cookie name does not verify", () => {
    const id = "1e929486-f2c7-4aec-bf83-3e7b0a4e35e7";
    const sig = (data: string) =>
      createHmac("sha1", SECRET)
        .update(data)
        .digest("base64")
        .replace(/[/+=]/g, (c) => ({ "/": "_", "+": "-", "=": "" })[c] ?? "");
    expect(koa.find(`koa.sess=${id}; koa.sess.sig=${sig(`koa.sess=${id}`)}`)?.key).toBe(id);
    expect(koa.find(`koa.sess=${id}; koa.sess.sig=${sig(`other=${id}`)}`)).toBeNull();
    expect(koa.find(`koa.sess=${id}`)).toBeNull();
    expect(koaSessionSource({ signed: false }).find(`koa.sess=${id}`)?.key).toBe(id);
    expect(koaSessionSource({ keys: SECRET, prefix: "app:" }).refOfKey(`app:${id}`)?.id).toBe(id);
    expect(koa.refOfKey("sessile:abc")).toBeNull();
  });
});

describe("source options", () => {
  it.each([
    ["no secret", () => expressSessionSource({ secret: [] })],
    ["an empty secret", () => fastifySessionSource({ secret: "" })],
    ["no keys", () => koaSessionSource({})],
    ["a cookie name with a space", () => expressSessionSource({ secret: SECRET, cookieName: "a b" })],
    ["a path with ;", () => fastifySessionSource({ secret: SECRET, cookie: { path: "/;x" } })],
  ])("rejects %s with a sessile: message", (_label, make) => {
    expect(make).toThrow(/^sessile: /);
  });

  it("expireCookies() keeps the legacy path and domain", () => {
    const source = koaSessionSource({
      keys: SECRET,
      cookie: { path: "/app", domain: "example.com", secure: true },
    });
    expect(source.expireCookies()).toEqual([
      "koa.sess=; Path=/app; Domain=example.com; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; HttpOnly; Secure",
      "koa.sess.sig=; Path=/app; Domain=example.com; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; HttpOnly; Secure",
    ]);
  });
});
