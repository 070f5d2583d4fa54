import { SessionError } from "./errors.js";
import { checkGeneratedId, generateSessionId } from "./id.js";
import { safeJson } from "./payload.js";
import type { InvalidDetails, InvalidReason, ResponseInfo, Serializer, SessionStore } from "./types.js";

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

/** Options of {@link createSessions}. Durations are whole seconds. */
export interface SessionOptions {
  /** Where sessions live: `redisStore(client)` or `memoryStore()`. */
  store: SessionStore;
  /**
   * Secret(s) that sign the cookie, each at least 32 bytes. The first signs; all verify, so rotate by
   * putting a new secret first. A cookie signed with an older secret is accepted and re-signed.
   */
  secret: string | readonly string[];
  /** Seconds without activity before a session ends; `null` = never. @default 1200 */
  idleTimeout?: number | null;
  /** Seconds after creation when a session ends whatever the activity; `null` = never. @default null */
  absoluteTimeout?: number | null;
  /**
   * The expiry (and the Redis TTL) is extended once at least this many seconds have passed since it was
   * last set; `0` = on every request. Must be below `idleTimeout`.
   * @default 60
   */
  touchInterval?: number;
  /**
   * `false` = LRU mode: keys are written without a TTL and Redis's eviction policy (`allkeys-lru` or
   * `allkeys-lfu`) manages memory; expiry is still enforced from the payload.
   * @default true
   */
  redisTtl?: boolean;
  /** Re-serialize the payload at commit and write only if it differs (catches nested changes). @default true */
  detectChanges?: boolean;
  /** Delete an existing session the handler emptied, and clear its cookie. @default true */
  invalidateEmpty?: boolean;
  /** Cookie attributes. */
  cookie?: CookieOptions;
  /**
   * When the handler failed: `true` commits as usual; `false` sends no new cookie and writes no new
   * session (a cookie of an invalidated session is still cleared).
   * @default true
   */
  cookieOnError?: boolean;
  /**
   * Called with the outgoing response; return `false` to refuse a cookie on it (for example a cacheable
   * response). A new session is then not persisted at all, so no orphan key is left.
   */
  allowCookie?: (response: ResponseInfo) => boolean;
  /** Told why a presented session was not used. Never receives ids, cookie values or secrets. */
  onInvalid?: (reason: InvalidReason, details: InvalidDetails) => void;
  /** Payload serializer. The default JSON parse drops `__proto__`, `constructor` and `prototype` keys. */
  serializer?: Serializer;
  /** Session id generator; must return at least 22 base64url characters (128 bits). @default 32 random bytes */
  generateId?: () => string;
  /** Largest payload written or accepted, in bytes; larger payloads throw before any Redis command. @default 65536 */
  maxPayloadBytes?: number;
}

/** Options after defaults and validation. */
export interface ResolvedOptions {
  readonly store: SessionStore;
  readonly secrets: readonly string[];
  readonly idleTimeout: number | null;
  readonly absoluteTimeout: number | null;
  readonly touchInterval: number;
  readonly redisTtl: boolean;
  readonly detectChanges: boolean;
  readonly invalidateEmpty: boolean;
  readonly cookie: ResolvedCookieOptions;
  readonly cookieOnError: boolean;
  readonly allowCookie: ((response: ResponseInfo) => boolean) | undefined;
  readonly onInvalid: ((reason: InvalidReason, details: InvalidDetails) => void) | undefined;
  readonly serializer: Serializer;
  readonly generateId: () => string;
  readonly customId: boolean;
  readonly maxPayloadBytes: number;
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

/** Browsers cap cookie lifetimes at 400 days (RFC 6265bis); a larger value is usually milliseconds. */
export const MAX_COOKIE_AGE: number = 400 * 24 * 60 * 60;
const MIN_SECRET_BYTES = 32;
const OPTION_KEYS: readonly string[] = [
  "store",
  "secret",
  "idleTimeout",
  "absoluteTimeout",
  "touchInterval",
  "redisTtl",
  "detectChanges",
  "invalidateEmpty",
  "cookie",
  "cookieOnError",
  "allowCookie",
  "onInvalid",
  "serializer",
  "generateId",
  "maxPayloadBytes",
];
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

function invalid(message: string): SessionError {
  return new SessionError("invalid-option", `sessile: ${message}`);
}

function rejectUnknownKeys(value: object, known: readonly string[], where: string): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) {
      throw invalid(`unknown option ${where}${key}; the known ones are ${known.join(", ")}`);
    }
  }
}

function checkBoolean(value: unknown, name: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") throw invalid(`${name} must be true or false, got ${describe(value)}`);
  return value;
}

function checkFunction<T>(value: T | undefined, name: string): T | undefined {
  if (value !== undefined && typeof value !== "function") {
    throw invalid(`${name} must be a function, got ${describe(value)}`);
  }
  return value;
}

/** A whole number of `unit` within [min, max], or null when `nullable`. */
function checkWhole(
  value: unknown,
  name: string,
  fallback: number | null,
  {
    min,
    max = Number.MAX_SAFE_INTEGER,
    nullable,
    unit = "seconds",
  }: { min: number; max?: number; nullable: boolean; unit?: string },
): number | null {
  if (value === undefined) return fallback;
  if (value === null && nullable) return null;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `from ${min} to ${max}`;
    throw invalid(
      `${name} must be a whole number of ${unit} ${range}${nullable ? " or null" : ""}, got ${describe(value)}`,
    );
  }
  return value;
}

function describe(value: unknown): string {
  if (typeof value === "string") return `a string of ${value.length} characters`;
  if (typeof value === "number" || typeof value === "boolean" || value == null) return String(value);
  return typeof value;
}

function resolveSecrets(secret: unknown): readonly string[] {
  const list = typeof secret === "string" ? [secret] : secret;
  if (list === undefined || list === null) {
    throw invalid(
      "secret is required; pass a random string of at least 32 bytes (e.g. process.env.SESSION_SECRET)",
    );
  }
  if (!Array.isArray(list) || list.length === 0) {
    throw invalid("secret must be a string or a non-empty array of strings; the first one signs, all verify");
  }
  list.forEach((item: unknown, index: number) => {
    if (typeof item !== "string" || Buffer.byteLength(item) < MIN_SECRET_BYTES) {
      throw invalid(
        `secret[${index}] must be a string of at least ${MIN_SECRET_BYTES} bytes; generate one with ` +
          `node -e "console.log(require('crypto').randomBytes(32).toString('base64url'))"`,
      );
    }
  });
  return Object.freeze([...(list as string[])]);
}

function resolveCookie(cookie: CookieOptions | undefined): ResolvedCookieOptions {
  if (cookie !== undefined && (typeof cookie !== "object" || cookie === null)) {
    throw invalid("cookie must be an object of cookie attributes");
  }
  const c = cookie ?? {};
  rejectUnknownKeys(c, COOKIE_KEYS, "cookie.");
  const name = c.name ?? "session";
  if (typeof name !== "string" || !COOKIE_NAME.test(name)) {
    throw invalid(
      "cookie.name must be a non-empty RFC 6265 token: ASCII letters, digits and !#$%&'*+-.^_`|~",
    );
  }
  const path = c.path ?? "/";
  if (typeof path !== "string" || !COOKIE_PATH.test(path)) {
    throw invalid(
      'cookie.path must start with "/" and contain no ";", ",", "=", whitespace, control or non-ASCII characters',
    );
  }
  const domain = c.domain;
  if (domain !== undefined && (typeof domain !== "string" || !COOKIE_DOMAIN.test(domain))) {
    throw invalid("cookie.domain must be a host name of ASCII letters, digits, dots and hyphens, or unset");
  }
  const secure = c.secure ?? "auto";
  if (secure !== "auto" && typeof secure !== "boolean")
    throw invalid('cookie.secure must be true, false or "auto"');
  const sameSite = c.sameSite ?? "lax";
  if (sameSite !== false && sameSite !== "lax" && sameSite !== "strict" && sameSite !== "none") {
    throw invalid('cookie.sameSite must be "lax", "strict", "none" or false');
  }
  const partitioned = checkBoolean(c.partitioned, "cookie.partitioned", false);
  if (sameSite === "none" && secure !== true) {
    throw invalid(
      'cookie.sameSite "none" requires cookie.secure: true (browsers drop such cookies otherwise)',
    );
  }
  if (partitioned && secure !== true) throw invalid("cookie.partitioned requires cookie.secure: true");
  if (name.startsWith("__Host-") && (secure !== true || path !== "/" || domain !== undefined)) {
    throw invalid(
      'a "__Host-" cookie name requires cookie.secure: true, cookie.path "/" and no cookie.domain',
    );
  }
  if (name.startsWith("__Secure-") && secure !== true) {
    throw invalid('a "__Secure-" cookie name requires cookie.secure: true');
  }
  const maxAge = checkWhole(c.maxAge, "cookie.maxAge", null, { min: 1, max: MAX_COOKIE_AGE, nullable: true });
  const priority = c.priority;
  if (priority !== undefined && priority !== "low" && priority !== "medium" && priority !== "high") {
    throw invalid('cookie.priority must be "low", "medium" or "high"');
  }
  return Object.freeze({
    name,
    path,
    domain,
    secure,
    httpOnly: checkBoolean(c.httpOnly, "cookie.httpOnly", true),
    sameSite,
    maxAge,
    partitioned,
    priority,
  });
}

function resolveStore(store: unknown): SessionStore {
  const s = store as Partial<Record<keyof SessionStore, unknown>> | null | undefined;
  const methods = ["get", "create", "update", "destroy", "replace"] as const;
  if (typeof s !== "object" || s === null || methods.some((m) => typeof s[m] !== "function")) {
    throw invalid("store is required; pass redisStore(client) or memoryStore()");
  }
  return s as SessionStore;
}

function resolveSerializer(serializer: unknown): Serializer {
  if (serializer === undefined) return safeJson;
  const s = serializer as Partial<Serializer> | null;
  if (
    typeof s !== "object" ||
    s === null ||
    typeof s.stringify !== "function" ||
    typeof s.parse !== "function"
  ) {
    throw invalid("serializer must be an object with stringify(value) and parse(text) functions");
  }
  return s as Serializer;
}

/** Applies defaults and validates every option once; throws a `SessionError` that says how to fix a bad one. */
export function resolveOptions(options: SessionOptions): ResolvedOptions {
  if (typeof options !== "object" || options === null) {
    throw invalid("createSessions needs an options object with at least store and secret");
  }
  rejectUnknownKeys(options, OPTION_KEYS, "");
  const store = resolveStore(options.store);
  const secrets = resolveSecrets(options.secret);
  const idleTimeout = checkWhole(options.idleTimeout, "idleTimeout", 1200, { min: 1, nullable: true });
  const absoluteTimeout = checkWhole(options.absoluteTimeout, "absoluteTimeout", null, {
    min: 1,
    nullable: true,
  });
  const touchInterval =
    checkWhole(options.touchInterval, "touchInterval", 60, { min: 0, nullable: false }) ?? 0;
  if (idleTimeout !== null && touchInterval >= idleTimeout) {
    throw invalid(
      `touchInterval (${touchInterval}) must be below idleTimeout (${idleTimeout}), or sessions would expire between refreshes`,
    );
  }
  const redisTtl = checkBoolean(options.redisTtl, "redisTtl", true);
  if (redisTtl && idleTimeout === null && absoluteTimeout === null) {
    throw invalid(
      "idleTimeout and absoluteTimeout are both null, so Redis keys would never expire; set one of them, or use redisTtl: false (LRU mode) with an allkeys-lru policy",
    );
  }
  const generateId = checkFunction(options.generateId, "generateId");
  if (generateId !== undefined) checkGeneratedId(generateId());
  const maxPayloadBytes = checkWhole(options.maxPayloadBytes, "maxPayloadBytes", 65536, {
    min: 64,
    max: 512 * 1024 * 1024,
    nullable: false,
    unit: "bytes",
  });
  return Object.freeze({
    store,
    secrets,
    idleTimeout,
    absoluteTimeout,
    touchInterval,
    redisTtl,
    detectChanges: checkBoolean(options.detectChanges, "detectChanges", true),
    invalidateEmpty: checkBoolean(options.invalidateEmpty, "invalidateEmpty", true),
    cookie: resolveCookie(options.cookie),
    cookieOnError: checkBoolean(options.cookieOnError, "cookieOnError", true),
    allowCookie: checkFunction(options.allowCookie, "allowCookie"),
    onInvalid: checkFunction(options.onInvalid, "onInvalid"),
    serializer: resolveSerializer(options.serializer),
    generateId: generateId ?? generateSessionId,
    customId: generateId !== undefined,
    maxPayloadBytes: maxPayloadBytes ?? 65536,
  });
}
