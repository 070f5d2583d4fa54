import type { ResolvedCookieOptions } from "./cookie-options.js";

/** The longest cookie value considered; a signed default id is 87 characters. */
const MAX_VALUE_LENGTH = 512;
/**
 * How many same-name cookies are tried before giving up: enough that junk cookies planted from a sibling
 * domain (one per domain and path they can set) cannot hide the real one behind them, few enough to
 * bound the work at an HMAC each (about 2 µs); Node's 16 KiB header limit allows about 180.
 */
const MAX_CANDIDATES = 64;
/** Only base64url characters and the separator can appear in a value we issued. */
const VALUE_CHARS = /^[A-Za-z0-9_.-]+$/;

/**
 * The values of every cookie named `name` in a `Cookie` header, in header order (browsers put the
 * most specific path first). Values that cannot be ours (too long, foreign characters) are skipped.
 * `malformed` tells whether a cookie of that name was present but unusable.
 */
export function readCookieValues(
  header: string | undefined,
  name: string,
): { values: string[]; malformed: boolean } {
  const values: string[] = [];
  let malformed = false;
  if (!header) return { values, malformed };
  let from = 0;
  while (from < header.length && values.length < MAX_CANDIDATES) {
    const at = header.indexOf(name, from);
    if (at === -1) break;
    from = at + name.length;
    // A match counts only at the start of a pair (after ";" and optional spaces) and before "=".
    let before = at - 1;
    while (before >= 0 && (header[before] === " " || header[before] === "\t")) before--;
    if (before >= 0 && header[before] !== ";") continue;
    let eq = from;
    while (eq < header.length && (header[eq] === " " || header[eq] === "\t")) eq++;
    if (header[eq] !== "=") continue;
    let end = header.indexOf(";", eq + 1);
    if (end === -1) end = header.length;
    let value = header.slice(eq + 1, end).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    if (value.length === 0) continue;
    if (value.length > MAX_VALUE_LENGTH || !VALUE_CHARS.test(value)) {
      malformed = true;
      continue;
    }
    values.push(value);
  }
  return { values, malformed };
}

/** Per-response cookie settings. */
export interface CookieWrite {
  /** Add `Secure` when the options say `"auto"`. */
  readonly https: boolean;
  /** `Max-Age` in seconds, `null` for a browser-session cookie. */
  readonly maxAge: number | null;
}

function attributes(options: ResolvedCookieOptions, https: boolean): string {
  let out = `; Path=${options.path}`;
  if (options.domain !== undefined) out += `; Domain=${options.domain}`;
  if (options.httpOnly) out += "; HttpOnly";
  if (options.secure === true || (options.secure === "auto" && https)) out += "; Secure";
  if (options.sameSite === "lax") out += "; SameSite=Lax";
  else if (options.sameSite === "strict") out += "; SameSite=Strict";
  else if (options.sameSite === "none") out += "; SameSite=None";
  if (options.partitioned) out += "; Partitioned";
  if (options.priority === "low") out += "; Priority=Low";
  else if (options.priority === "medium") out += "; Priority=Medium";
  else if (options.priority === "high") out += "; Priority=High";
  return out;
}

/** A `Set-Cookie` value that stores `value`. */
export function serializeCookie(options: ResolvedCookieOptions, value: string, write: CookieWrite): string {
  let out = `${options.name}=${value}`;
  if (write.maxAge !== null) {
    out += `; Max-Age=${write.maxAge}; Expires=${new Date(Date.now() + write.maxAge * 1000).toUTCString()}`;
  }
  return out + attributes(options, write.https);
}

/** A `Set-Cookie` value that removes the cookie (same name, path and domain). */
export function serializeClearCookie(options: ResolvedCookieOptions, https: boolean): string {
  return `${options.name}=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT${attributes(options, https)}`;
}
