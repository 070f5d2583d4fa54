import type { AdoptOptions } from "./adopt.js";
import { type CookieOptions, type ResolvedCookieOptions, resolveCookie } from "./cookie-options.js";
import { DEFAULTS } from "./defaults.js";
import { messageOf } from "./errors.js";
import { resolveEvents, type SessionEvents } from "./events.js";
import { customId, generateSessionId } from "./id.js";
import { MAX_DURATION, MIN_PAYLOAD_BYTES } from "./limits.js";
import { decodePayload, encodePayload, type Serializer, type SessionRecord } from "./payload.js";
import { safeJson } from "./safe-json.js";
import type { SessionStore } from "./store.js";
import type { ConflictDetails, InvalidDetails, InvalidReason, ResponseInfo } from "./types.js";
import {
  checkBoolean,
  checkFunction,
  checkWhole,
  checkWholeOrNull,
  invalid,
  rejectUnknownKeys,
} from "./validate.js";

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
  /**
   * Re-serialize the payload at commit and write only if it differs (catches nested changes). With
   * `false`, an existing session is rewritten only after `session.changed()` (or when a refresh is due);
   * a new session with data is still written.
   * @default true
   */
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
   * When the store fails to load a presented session (Redis down, a timeout): `false` (the default) fails
   * the request; `true` answers a degraded session instead (`session.degraded`): empty, anonymous,
   * never saved, the client's cookie left alone; `save()`, `invalidate()` and `bindUser()` on it throw
   * the store error. Use it only where serving signed-out pages beats failing them.
   * @default false
   */
  degrade?: boolean;
  /**
   * Called with the outgoing response; return `false` to refuse a cookie on it (for example a cacheable
   * response). A new session is then not persisted at all, so no orphan key is left.
   */
  allowCookie?: (response: ResponseInfo) => boolean;
  /** Told why a presented session was not used. Never receives ids, cookie values or secrets. */
  onInvalid?: (reason: InvalidReason, details: InvalidDetails) => void;
  /**
   * Told when a concurrent request of the same session changed a top-level `data` key (or the CSRF
   * token or a timeout) that this request changed too; both requests' other changes are merged and
   * kept, and for these keys this request's value (the later write) is kept. Without it, conflicts are
   * reported through `debuglog("sessile")` only. Never receives ids, cookie values or secrets.
   */
  onConflict?: (details: ConflictDetails) => void;
  /**
   * Lifecycle listeners, each optional: `created`, `refreshed`, `regenerated`, `invalidated` (with its
   * cause), `vanished`, `invalid`, `conflict`, `storeError`, `lateChange`. Each event carries the
   * session's handle and its user id, never an id, a cookie value or a secret; a listener that throws
   * is reported once through `debuglog("sessile")` and never breaks a request.
   */
  events?: SessionEvents;
  /** Payload serializer. The default JSON parse drops `__proto__`, `constructor` and `prototype` keys. */
  serializer?: Serializer;
  /** Session id generator; must return at least 22 base64url characters (128 bits). @default 32 random bytes */
  generateId?: () => string;
  /** Largest payload written or accepted, in bytes; larger payloads throw before any Redis command. @default 65536 */
  maxPayloadBytes?: number;
  /**
   * Most sessions one user may have (`session.bindUser()`): a new binding past it ends the user's sessions
   * that would end soonest (the least recently used). `null` = no limit.
   * @default null
   */
  maxSessionsPerUser?: number | null;
  /**
   * Adopt the sessions of a legacy library (express-session, @fastify/session, koa-session, through
   * `sessile/migrate`'s sources): a request with a verified legacy cookie and no sessile cookie gets
   * that session's data in a new sessile session, stored at commit with the legacy key deleted and the
   * legacy cookie expired. Needs a store with `foreign` keys (`redisStore()`).
   */
  adopt?: AdoptOptions;
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
  readonly degrade: boolean;
  readonly allowCookie: ((response: ResponseInfo) => boolean) | undefined;
  readonly onInvalid: ((reason: InvalidReason, details: InvalidDetails) => void) | undefined;
  readonly onConflict: ((details: ConflictDetails) => void) | undefined;
  readonly events: SessionEvents | undefined;
  readonly serializer: Serializer;
  readonly generateId: () => string;
  readonly customId: boolean;
  readonly maxPayloadBytes: number;
  readonly maxSessionsPerUser: number | null;
  readonly adopt: AdoptOptions | undefined;
}

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
  "degrade",
  "allowCookie",
  "onInvalid",
  "onConflict",
  "events",
  "serializer",
  "generateId",
  "maxPayloadBytes",
  "maxSessionsPerUser",
  "adopt",
];
const STORE_METHODS = ["get", "create", "update", "destroy", "replace"] as const;

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

/** A Redis client itself (node-redis, ioredis, iovalkey) rather than a store built on it. */
function isRedisClient(value: Record<string, unknown>): boolean {
  const has = (name: string) => typeof value[name] === "function";
  return (has("set") && has("del")) || has("call") || has("sendCommand");
}

function resolveStore(store: unknown): SessionStore {
  if (typeof store !== "object" || store === null) {
    throw invalid("store is required; pass redisStore(client) or memoryStore()");
  }
  const s = store as Record<string, unknown>;
  if (STORE_METHODS.every((m) => typeof s[m] === "function")) return store as SessionStore;
  if (isRedisClient(s)) {
    throw invalid(
      "store must be a session store, not a Redis client; wrap the client: store: redisStore(client)",
    );
  }
  throw invalid(
    `store is required; pass redisStore(client) or memoryStore() (a store has the methods ${STORE_METHODS.join(", ")})`,
  );
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
  probeSerializer(s as Serializer);
  return s as Serializer;
}

/**
 * Round-trips a sample session through a custom serializer once, so one that cannot give back what it
 * was given fails here, not on the first request after sessions were stored with it.
 */
function probeSerializer(serializer: Serializer): void {
  const sample: SessionRecord = {
    revision: 1,
    createdAt: 1_700_000_000,
    timeout: 1200,
    expires: 1_700_001_200,
    data: { text: "héllo ✓", n: 1, nested: { list: [1, "two", null, true] } },
    flash: { "": ["saved"] },
    csrf: "token",
    cookieAge: undefined,
  };
  let text: string;
  try {
    text = encodePayload(serializer, sample, 65536);
  } catch (error) {
    throw invalid(`serializer.stringify failed on a sample session (${messageOf(error)})`);
  }
  const back = decodePayload(serializer, text, sample.createdAt);
  if (!back.ok || JSON.stringify(back.record) !== JSON.stringify(sample)) {
    throw invalid(
      "serializer.parse(serializer.stringify(payload)) must give back the payload; it did not for a sample session",
    );
  }
}

interface Timeouts {
  idleTimeout: number | null;
  absoluteTimeout: number | null;
  touchInterval: number;
  redisTtl: boolean;
}

function resolveTimeouts(options: SessionOptions): Timeouts {
  const range = { min: 1, max: MAX_DURATION };
  const idleTimeout = checkWholeOrNull(options.idleTimeout, "idleTimeout", DEFAULTS.idleTimeout, range);
  const absoluteTimeout = checkWholeOrNull(
    options.absoluteTimeout,
    "absoluteTimeout",
    DEFAULTS.absoluteTimeout,
    range,
  );
  const touchInterval = checkWhole(options.touchInterval, "touchInterval", DEFAULTS.touchInterval, {
    min: 0,
  });
  if (idleTimeout !== null && touchInterval >= idleTimeout) {
    const shown = options.touchInterval === undefined ? `default ${touchInterval}` : `${touchInterval}`;
    const fix =
      options.touchInterval === undefined
        ? `; set touchInterval below ${idleTimeout} too (e.g. ${Math.floor(idleTimeout / 4)}), or 0 to refresh on every request`
        : "";
    throw invalid(
      `touchInterval (${shown}) must be below idleTimeout (${idleTimeout}), or sessions would expire between refreshes${fix}`,
    );
  }
  const redisTtl = checkBoolean(options.redisTtl, "redisTtl", DEFAULTS.redisTtl);
  if (redisTtl && idleTimeout === null && absoluteTimeout === null) {
    throw invalid(
      "idleTimeout and absoluteTimeout are both null, so Redis keys would never expire; set one of them, or use redisTtl: false (LRU mode) with an allkeys-lru policy",
    );
  }
  return { idleTimeout, absoluteTimeout, touchInterval, redisTtl };
}

/** Applies defaults and validates every option once; throws a `SessionError` that says how to fix a bad one. */
export function resolveOptions(options: SessionOptions): ResolvedOptions {
  if (typeof options !== "object" || options === null) {
    throw invalid("createSessions needs an options object with at least store and secret");
  }
  rejectUnknownKeys(options, OPTION_KEYS, "");
  const store = resolveStore(options.store);
  const secrets = resolveSecrets(options.secret);
  const timeouts = resolveTimeouts(options);
  const generateId = checkFunction(options.generateId, "generateId");
  if (generateId !== undefined) customId(generateId);
  return Object.freeze({
    store,
    secrets,
    ...timeouts,
    detectChanges: checkBoolean(options.detectChanges, "detectChanges", DEFAULTS.detectChanges),
    invalidateEmpty: checkBoolean(options.invalidateEmpty, "invalidateEmpty", DEFAULTS.invalidateEmpty),
    cookie: resolveCookie(options.cookie),
    cookieOnError: checkBoolean(options.cookieOnError, "cookieOnError", DEFAULTS.cookieOnError),
    degrade: checkBoolean(options.degrade, "degrade", DEFAULTS.degrade),
    allowCookie: checkFunction(options.allowCookie, "allowCookie"),
    onInvalid: checkFunction(options.onInvalid, "onInvalid"),
    onConflict: checkFunction(options.onConflict, "onConflict"),
    events: resolveEvents(options.events),
    serializer: resolveSerializer(options.serializer),
    generateId: generateId ?? generateSessionId,
    customId: generateId !== undefined,
    maxPayloadBytes: checkWhole(options.maxPayloadBytes, "maxPayloadBytes", DEFAULTS.maxPayloadBytes, {
      min: MIN_PAYLOAD_BYTES,
      max: 512 * 1024 * 1024,
      unit: "bytes",
    }),
    maxSessionsPerUser: checkWholeOrNull(options.maxSessionsPerUser, "maxSessionsPerUser", null, {
      min: 1,
      max: 10000,
      unit: "sessions",
    }),
    adopt: resolveAdopt(options.adopt, store),
  });
}

/** The `adopt` option, checked: a source with its three functions, on a store that reaches foreign keys. */
function resolveAdopt(adopt: AdoptOptions | undefined, store: SessionStore): AdoptOptions | undefined {
  if (adopt === undefined) return undefined;
  const source = (adopt as { source?: unknown } | null)?.source as Record<string, unknown> | undefined;
  const complete =
    typeof source === "object" &&
    source !== null &&
    typeof source.name === "string" &&
    ["find", "decode", "expireCookies"].every((f) => typeof source[f] === "function");
  if (!complete) {
    throw invalid(
      "adopt.source must be a legacy source such as expressSessionSource({ secret }) from sessile/migrate",
    );
  }
  if (store.foreign === undefined) {
    throw invalid("adopt needs a store that reads the legacy keys (store.foreign), as redisStore() does");
  }
  checkBoolean(adopt.keepLegacy, "adopt.keepLegacy", false);
  checkFunction(adopt.onAdopt, "adopt.onAdopt");
  return Object.freeze({ ...adopt });
}
