import { createHmac } from "node:crypto";
import fc from "fast-check";
import type { Redis } from "ioredis";
import { expect } from "vitest";

/**
 * fast-check settings for every property file: `FC_SEED` replays a run (fast-check prints the seed of a
 * failure), `FC_RUNS` scales the number of runs (default 1 = each property's own modest count).
 */
export function configureProperties(): void {
  const seed = process.env.FC_SEED;
  fc.configureGlobal({
    ...(seed === undefined || seed === "" ? {} : { seed: Number(seed) }),
    interruptAfterTimeLimit: 60_000,
  });
}

/** Runs for one property: `base` times `FC_RUNS` (default 1). */
export function runs(base: number): number {
  return Math.max(1, Math.round(base * Number(process.env.FC_RUNS ?? 1)));
}

/** `name=id.mac` signed the way sessile signs (HMAC-SHA-256 over `name=id`, base64url). */
export function signedPair(name: string, id: string, secret: string): string {
  return `${name}=${id}.${createHmac("sha256", secret).update(`${name}=${id}`).digest("base64url")}`;
}

/** Commands the server has executed, from `INFO commandstats`, leaving out the INFO calls themselves. */
export async function serverCommands(raw: Redis): Promise<number> {
  const text = await raw.info("commandstats");
  let total = 0;
  for (const match of text.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    if (match[1] !== "info") total += Number(match[2]);
  }
  return total;
}

/** The own property names of the built-in prototypes a payload could try to reach. */
export function prototypeSnapshot(): string {
  return [Object.prototype, Array.prototype, Function.prototype]
    .map((p) => Reflect.ownKeys(p).map(String).sort().join(","))
    .join("|");
}

/** Every object reachable from `value` has the prototype a JSON value has: Object's, Array's or none. */
export function expectPlainTree(value: unknown): void {
  // A loop, not recursion: stored values may be nested deeper than the stack.
  const seen = new Set<unknown>();
  const todo = [value];
  while (todo.length > 0) {
    const next = todo.pop();
    if (typeof next !== "object" || next === null || seen.has(next)) continue;
    seen.add(next);
    const proto = Object.getPrototypeOf(next);
    if (proto !== Object.prototype && proto !== Array.prototype && proto !== null) {
      expect.fail(`an object in the session has a foreign prototype (${String(proto?.constructor?.name)})`);
    }
    todo.push(...Object.values(next));
  }
}

const POISON = new Set(["__proto__", "constructor", "prototype"]);

/**
 * What a JSON value reads back as after sessile has stored it: `JSON.stringify` then `JSON.parse`
 * (so `-0` becomes `0`, `undefined` and functions in objects vanish, `undefined` in arrays becomes
 * `null`), with `__proto__`, `constructor` and `prototype` keys dropped at any depth.
 */
export function storedForm(value: unknown): unknown {
  const text = JSON.stringify(value);
  if (text === undefined) return undefined;
  return JSON.parse(text, (key, v) => (POISON.has(key) ? undefined : v));
}

/** The reasons a browser (RFC 6265bis, Chrome/Firefox rules) would drop this `Set-Cookie` from an HTTPS origin, if any. */
export function browserRejects(setCookie: string): string | undefined {
  const [pair = "", ...parts] = setCookie.split(";").map((p) => p.trim());
  const name = pair.slice(0, pair.indexOf("="));
  const attributes = new Map<string, string>();
  for (const part of parts) {
    const eq = part.indexOf("=");
    attributes.set((eq === -1 ? part : part.slice(0, eq)).toLowerCase(), eq === -1 ? "" : part.slice(eq + 1));
  }
  const secure = attributes.has("secure");
  const lower = name.toLowerCase();
  // Cookie prefixes are matched case-insensitively (RFC 6265bis section 4.1.3).
  if (lower.startsWith("__secure-") && !secure) return `${name}: a __Secure- name without Secure`;
  if (
    lower.startsWith("__host-") &&
    (!secure || attributes.get("path") !== "/" || attributes.has("domain"))
  ) {
    return `${name}: a __Host- name needs Secure, Path=/ and no Domain`;
  }
  if (attributes.get("samesite")?.toLowerCase() === "none" && !secure) return "SameSite=None without Secure";
  if (attributes.has("partitioned") && !secure) return "Partitioned without Secure";
  const maxAge = attributes.get("max-age");
  if (maxAge !== undefined && !/^-?\d+$/.test(maxAge)) return `Max-Age=${maxAge} is not an integer`;
  const expires = attributes.get("expires");
  if (expires !== undefined && Number.isNaN(Date.parse(expires))) return `Expires=${expires} is not a date`;
  if (maxAge !== undefined && Number(maxAge) > 400 * 24 * 3600) return `Max-Age=${maxAge} is over 400 days`;
  return undefined;
}

/** The `name=value` pair of a `Set-Cookie`. */
export function pairOf(setCookie: string): string {
  return setCookie.split(";", 1)[0] as string;
}
