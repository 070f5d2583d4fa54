import { SessionError } from "../index.js";
import type { LegacyCookieScope } from "./legacy.js";

/** Longest legacy cookie value considered (a signed express-session id is about 80 characters). */
const MAX_VALUE_LENGTH = 1024;
/** How many same-name cookies are tried (each costs an HMAC per secret). */
const MAX_CANDIDATES = 4;
/** A cookie name as RFC 6265 allows it (a token). */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** A path or domain attribute without separators, whitespace or control characters. */
const ATTRIBUTE = /^[\x21-\x3a\x3c-\x7e]+$/;

/**
 * The raw values of every cookie named `name` in a `Cookie` header, in header order, at most four,
 * surrounding double quotes removed. Values over 1024 characters are skipped.
 */
export function cookieValues(header: string | undefined, name: string): string[] {
  const values: string[] = [];
  if (!header) return values;
  for (const pair of header.split(";")) {
    const eq = pair.indexOf("=");
    if (eq === -1 || pair.slice(0, eq).trim() !== name) continue;
    let value = pair.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    if (value.length === 0 || value.length > MAX_VALUE_LENGTH) continue;
    values.push(value);
    if (values.length === MAX_CANDIDATES) break;
  }
  return values;
}

/** `decodeURIComponent`, as the `cookie` package applies it; `null` for a malformed escape. */
export function uriDecoded(value: string): string | null {
  if (!value.includes("%")) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return null;
  }
}

/** Throws a `SessionError` unless `name` and the scope can appear in a `Set-Cookie` header. */
export function checkCookieScope(source: string, name: string, scope: LegacyCookieScope): void {
  if (!TOKEN.test(name)) {
    throw new SessionError(
      "invalid-option",
      `sessile: ${source} cookieName must be a cookie token (no separators or spaces)`,
    );
  }
  for (const attribute of ["path", "domain"] as const) {
    const value = scope[attribute];
    if (value !== undefined && !ATTRIBUTE.test(value)) {
      throw new SessionError(
        "invalid-option",
        `sessile: ${source} cookie.${attribute} must be the legacy app's ${attribute}, without ";", spaces or control characters`,
      );
    }
  }
}

/** A `Set-Cookie` value that expires `name` at the legacy cookie's path and domain. */
export function expiringCookie(name: string, scope: LegacyCookieScope): string {
  let out = `${name}=; Path=${scope.path ?? "/"}`;
  if (scope.domain !== undefined) out += `; Domain=${scope.domain}`;
  out += "; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; HttpOnly";
  if (scope.secure === true) out += "; Secure";
  return out;
}

/** The secrets as a non-empty list of non-empty strings, or a `SessionError` naming the option. */
export function secretList(source: string, option: string, secret: unknown): readonly string[] {
  const list = Array.isArray(secret) ? secret : [secret];
  if (list.length === 0 || !list.every((s) => typeof s === "string" && s.length > 0)) {
    throw new SessionError(
      "invalid-option",
      `sessile: ${source} needs ${option}: the legacy app's secret, or an array of them (newest first), as non-empty strings`,
    );
  }
  return Object.freeze([...list] as string[]);
}

/** A Redis `SCAN … MATCH` pattern that matches `prefix` literally, then anything. */
export function prefixPattern(prefix: string): string {
  return `${prefix.replace(/[*?[\]\\]/g, "\\$&")}*`;
}

/** A legacy id we are willing to put in a key: printable ASCII, no spaces, at most 256 characters. */
export const LEGACY_ID: RegExp = /^[\x21-\x7e]{1,256}$/;
