import { DEFAULTS } from "./defaults.js";
import { MAX_COOKIE_AGE } from "./limits.js";
import { checkBoolean, checkWholeOrNull, invalid, rejectUnknownKeys } from "./validate.js";

/** How the session cookie is written. */
export interface CookieOptions {
  /**
   * Cookie name. A `__Host-` name requires `secure: true`, `path: "/"` and no `domain`; a `__Secure-`
   * name requires `secure: true`.
   * @default "session"
   */
  name?: string;
  /** @default "/" */
  path?: string;
  /** `Domain` attribute. Leave unset so the cookie is sent only to the host that set it. @default undefined */
  domain?: string;
  /**
   * `Secure` attribute. `"auto"` adds it on HTTPS requests (as reported by the adapter).
   * @default "auto"
   */
  secure?: boolean | "auto";
  /** `HttpOnly` attribute; turning it off lets page scripts read the session cookie. @default true */
  httpOnly?: boolean;
  /** `SameSite` attribute; `"none"` requires `secure: true`; `false` omits it. @default "lax" */
  sameSite?: "lax" | "strict" | "none" | false;
  /**
   * `Max-Age` in seconds, at most 400 days; `null` makes a browser-session cookie. When set, the cookie is
   * re-sent whenever the session's expiry is extended.
   * @default null
   */
  maxAge?: number | null;
  /** `Partitioned` attribute (CHIPS); requires `secure: true`. @default false */
  partitioned?: boolean;
  /** `Priority` attribute. @default undefined */
  priority?: "low" | "medium" | "high";
}

/** Cookie options after defaults and validation. */
export interface ResolvedCookieOptions {
  readonly name: string;
  readonly path: string;
  readonly domain: string | undefined;
  readonly secure: boolean | "auto";
  readonly httpOnly: boolean;
  readonly sameSite: "lax" | "strict" | "none" | false;
  readonly maxAge: number | null;
  readonly partitioned: boolean;
  readonly priority: "low" | "medium" | "high" | undefined;
}

const COOKIE_KEYS: readonly string[] = [
  "name",
  "path",
  "domain",
  "secure",
  "httpOnly",
  "sameSite",
  "maxAge",
  "partitioned",
  "priority",
];
/** RFC 6265 `token`: no separators, whitespace, controls or non-ASCII. */
const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const COOKIE_PATH = /^\/[\x21-\x2b\x2d-\x3a\x3c\x3e-\x7e]*$/;
const COOKIE_DOMAIN =
  /^\.?[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/;

function checkName(name: unknown): string {
  if (typeof name !== "string" || !COOKIE_NAME.test(name)) {
    throw invalid(
      "cookie.name must be a non-empty RFC 6265 token: ASCII letters, digits and !#$%&'*+-.^_`|~",
    );
  }
  return name;
}

function checkPath(path: unknown): string {
  if (typeof path !== "string" || !COOKIE_PATH.test(path)) {
    throw invalid(
      'cookie.path must start with "/" and contain no ";", ",", "=", whitespace, control or non-ASCII characters',
    );
  }
  return path;
}

function checkDomain(domain: unknown): string | undefined {
  if (domain !== undefined && (typeof domain !== "string" || !COOKIE_DOMAIN.test(domain))) {
    throw invalid("cookie.domain must be a host name of ASCII letters, digits, dots and hyphens, or unset");
  }
  return domain;
}

function checkSecure(secure: unknown): boolean | "auto" {
  if (secure !== "auto" && typeof secure !== "boolean")
    throw invalid('cookie.secure must be true, false or "auto"');
  return secure;
}

function checkSameSite(sameSite: unknown): ResolvedCookieOptions["sameSite"] {
  if (sameSite !== false && sameSite !== "lax" && sameSite !== "strict" && sameSite !== "none") {
    throw invalid('cookie.sameSite must be "lax", "strict", "none" or false');
  }
  return sameSite;
}

function checkPriority(priority: unknown): ResolvedCookieOptions["priority"] {
  if (priority !== undefined && priority !== "low" && priority !== "medium" && priority !== "high") {
    throw invalid('cookie.priority must be "low", "medium" or "high"');
  }
  return priority;
}

/** The rules browsers apply to the attributes together: a cookie that breaks them is silently dropped. */
function checkBrowserRules(c: ResolvedCookieOptions): void {
  if (c.sameSite === "none" && c.secure !== true) {
    throw invalid(
      'cookie.sameSite "none" requires cookie.secure: true (browsers drop such cookies otherwise)',
    );
  }
  if (c.partitioned && c.secure !== true) throw invalid("cookie.partitioned requires cookie.secure: true");
  // Browsers match the prefixes case-insensitively, and silently drop a cookie that breaks their rules.
  const name = c.name.toLowerCase();
  if (name.startsWith("__host-") && (c.secure !== true || c.path !== "/" || c.domain !== undefined)) {
    throw invalid(
      'a "__Host-" cookie name requires cookie.secure: true, cookie.path "/" and no cookie.domain',
    );
  }
  if (name.startsWith("__secure-") && c.secure !== true) {
    throw invalid('a "__Secure-" cookie name requires cookie.secure: true');
  }
}

/** Applies the cookie defaults and validates every attribute, alone and together. */
export function resolveCookie(cookie: CookieOptions | undefined): ResolvedCookieOptions {
  if (cookie !== undefined && (typeof cookie !== "object" || cookie === null)) {
    throw invalid("cookie must be an object of cookie attributes");
  }
  const c = cookie ?? {};
  rejectUnknownKeys(c, COOKIE_KEYS, "cookie.");
  const d = DEFAULTS.cookie;
  const resolved: ResolvedCookieOptions = {
    name: checkName(c.name ?? d.name),
    path: checkPath(c.path ?? d.path),
    domain: checkDomain(c.domain),
    secure: checkSecure(c.secure ?? d.secure),
    httpOnly: checkBoolean(c.httpOnly, "cookie.httpOnly", d.httpOnly),
    sameSite: checkSameSite(c.sameSite ?? d.sameSite),
    maxAge: checkWholeOrNull(c.maxAge, "cookie.maxAge", d.maxAge, { min: 1, max: MAX_COOKIE_AGE }),
    partitioned: checkBoolean(c.partitioned, "cookie.partitioned", d.partitioned),
    priority: checkPriority(c.priority),
  };
  checkBrowserRules(resolved);
  return Object.freeze(resolved);
}
