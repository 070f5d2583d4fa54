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

/**
 * A `Set-Cookie` value taken apart into a name, a value and its attributes, the shape cookie APIs
 * such as Next.js's `cookies().set(name, value, options)` take. Only the attributes sessile writes are
 * read; `maxAge` and `expires` are both kept so the cookie comes out the same.
 */
export interface SetCookieFields {
  readonly name: string;
  readonly value: string;
  readonly path?: string;
  readonly domain?: string;
  readonly maxAge?: number;
  readonly expires?: Date;
  readonly httpOnly?: boolean;
  readonly secure?: boolean;
  readonly sameSite?: "lax" | "strict" | "none";
  readonly partitioned?: boolean;
  readonly priority?: "low" | "medium" | "high";
}

type MutableFields = { -readonly [K in keyof SetCookieFields]: SetCookieFields[K] };

const SAME_SITE = new Set(["lax", "strict", "none"]);
const PRIORITY = new Set(["low", "medium", "high"]);

/** Sets one `Name=value` (or bare `Name`) attribute of a `Set-Cookie` value on `fields`; unknown ones are ignored. */
function readAttribute(fields: MutableFields, name: string, value: string): void {
  const lower = value.toLowerCase();
  if (name === "path") fields.path = value;
  else if (name === "domain") fields.domain = value;
  else if (name === "max-age" && /^-?\d+$/.test(value)) fields.maxAge = Number(value);
  else if (name === "expires" && !Number.isNaN(Date.parse(value))) fields.expires = new Date(value);
  else if (name === "httponly") fields.httpOnly = true;
  else if (name === "secure") fields.secure = true;
  else if (name === "partitioned") fields.partitioned = true;
  else if (name === "samesite" && SAME_SITE.has(lower)) fields.sameSite = lower as "lax" | "strict" | "none";
  else if (name === "priority" && PRIORITY.has(lower)) fields.priority = lower as "low" | "medium" | "high";
}

/**
 * Takes a `Set-Cookie` value apart (the inverse of {@link serializeCookie} and
 * {@link serializeClearCookie}, also fit for the legacy cookies an adoption expires).
 */
export function setCookieFields(header: string): SetCookieFields {
  const [pair = "", ...attributes] = header.split(";");
  const eq = pair.indexOf("=");
  const fields: MutableFields = {
    name: (eq === -1 ? pair : pair.slice(0, eq)).trim(),
    value: eq === -1 ? "" : pair.slice(eq + 1).trim(),
  };
  for (const attribute of attributes) {
    const at = attribute.indexOf("=");
    const name = (at === -1 ? attribute : attribute.slice(0, at)).trim().toLowerCase();
    readAttribute(fields, name, at === -1 ? "" : attribute.slice(at + 1).trim());
  }
  return fields;
}
