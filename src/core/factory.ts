import { debuglog } from "node:util";
import { readCookieValues, serializeClearCookie, serializeCookie } from "./cookie.js";
import { messageOf, SessionError, StoreError, WrongTypeError } from "./errors.js";
import { checkGeneratedId, digestId } from "./id.js";
import { type ResolvedOptions, resolveOptions, type SessionOptions } from "./options.js";
import { decodePayload } from "./payload.js";
import { Session, type SessionEngine, type SessionState, stateOf } from "./session.js";
import { signId, verifyCookieValue } from "./signer.js";
import type { InvalidReason, ResponseInfo, SessionData, StoredPayload } from "./types.js";

const log = debuglog("sessile");

/** What the adapter knows about the request when it commits. */
export interface CommitContext {
  /** The handler failed (threw or is answering with an error); see `cookieOnError`. */
  failed?: boolean;
  /** The request came over HTTPS (for `cookie.secure: "auto"`). */
  https?: boolean;
  /** The outgoing response, for `allowCookie`. */
  response?: ResponseInfo;
}

/** What the adapter must add to the response. */
export interface CommitResult {
  /** A `Set-Cookie` header value, or `undefined` when no cookie is sent. */
  readonly setCookie: string | undefined;
  /** Whether the response depends on the session cookie and should carry `Vary: Cookie`. */
  readonly vary: boolean;
}

/** A session factory: one cookie name, one store, one set of options. */
export interface Sessions<Data = SessionData> {
  /** The cookie this factory reads and writes. */
  readonly cookieName: string;
  /** Loads the session named by the request's `Cookie` header: at most one store command, none without a valid cookie. */
  load(cookieHeader: string | undefined): Promise<Session<Data>>;
  /** Persists what changed (at most one store round-trip) and says which cookie to send. Call once per request. */
  commit(session: Session<Data>, context?: CommitContext): Promise<CommitResult>;
}

const NO_COOKIE: CommitResult = Object.freeze({ setCookie: undefined, vary: false });

/** In LRU mode keys carry no TTL, so only an `allkeys-*` policy ever evicts them. */
async function warnOnEvictionPolicy(opts: ResolvedOptions): Promise<void> {
  try {
    const policy = await opts.store.evictionPolicy?.();
    if (policy !== undefined && !policy.startsWith("allkeys-")) {
      log(
        "redisTtl is false (LRU mode) but maxmemory-policy is %s, which never evicts keys without a TTL; set allkeys-lru or allkeys-lfu",
        policy,
      );
    }
  } catch (error) {
    log("could not read the eviction policy: %s", messageOf(error));
  }
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/**
 * Creates a session factory. Every option is validated here, once; a bad one throws a `SessionError`
 * whose message says how to fix it.
 */
export function createSessions<Data = SessionData>(options: SessionOptions): Sessions<Data> {
  const opts: ResolvedOptions = resolveOptions(options);
  const { store, secrets, cookie, serializer } = opts;
  if (!opts.redisTtl) void warnOnEvictionPolicy(opts);

  function report(reason: InvalidReason, message: string): void {
    log("session not used (%s): %s", reason, message);
    if (opts.onInvalid === undefined) return;
    try {
      opts.onInvalid(reason, { cookieName: cookie.name, message });
    } catch (error) {
      log("onInvalid threw: %s", messageOf(error));
    }
  }

  async function run<T>(operation: string, command: Promise<T>): Promise<T> {
    try {
      return await command;
    } catch (error) {
      if (error instanceof SessionError) throw error;
      throw new StoreError(operation, error);
    }
  }

  function freshState(now: number, presented: boolean): SessionState {
    return {
      key: null,
      id: null,
      raw: null,
      data: {},
      flash: undefined,
      csrf: undefined,
      createdAt: now,
      timeout: opts.idleTimeout,
      expires: null,
      cookieAge: undefined,
      accessed: false,
      forced: false,
      touched: false,
      regenerate: false,
      recookie: false,
      presented,
      clearCookie: presented,
      issueCookie: false,
      committed: false,
    };
  }

  /** Forgets the stored session: the state becomes a new, empty one whose stale cookie will be cleared. */
  function resetState(state: SessionState, now: number): void {
    // Only a cookie the client sent can be stale: a session first saved in this request never had its cookie sent.
    Object.assign(state, freshState(now, state.presented), { committed: state.committed });
  }

  function isEmpty(state: SessionState): boolean {
    // JSON drops undefined values, so `data.returnTo = undefined` alone must not create a session.
    for (const key in state.data) if (state.data[key] !== undefined) return false;
    return state.flash === undefined && state.csrf === undefined;
  }

  /** Whether `text` is over `maxPayloadBytes` in UTF-8. */
  function overLimit(text: string): boolean {
    // UTF-8 needs at most 3 bytes per UTF-16 unit, so the exact count is needed only near the limit.
    return text.length * 3 > opts.maxPayloadBytes && Buffer.byteLength(text) > opts.maxPayloadBytes;
  }

  function encode(state: SessionState, expires: number | null): string {
    const payload: StoredPayload = { v: 1, c: state.createdAt, m: state.data };
    if (state.timeout !== null && expires !== null) {
      payload.t = state.timeout;
      payload.x = expires;
    }
    if (state.flash !== undefined) payload.f = state.flash;
    if (state.csrf !== undefined) payload.k = state.csrf;
    if (state.cookieAge !== undefined) payload.a = state.cookieAge;
    let text: string;
    try {
      text = serializer.stringify(payload);
    } catch (error) {
      throw new SessionError(
        "serialize-failed",
        "sessile: the session data could not be serialized; keep it to JSON values (no cycles, BigInt or functions)",
        { cause: error },
      );
    }
    if (overLimit(text)) {
      throw new SessionError(
        "payload-too-large",
        `sessile: the session payload is over maxPayloadBytes (${opts.maxPayloadBytes}); store less in the session or raise the limit`,
      );
    }
    return text;
  }

  /** The moment the session ends: the earlier of the stored expiry and the absolute deadline, or `null`. */
  function deadline(createdAt: number, expires: number | null): number | null {
    const absolute = opts.absoluteTimeout === null ? null : createdAt + opts.absoluteTimeout;
    if (expires === null) return absolute;
    return absolute === null ? expires : Math.min(expires, absolute);
  }

  function newId(): { id: string; key: string } {
    const id = opts.customId ? checkGeneratedId(opts.generateId()) : opts.generateId();
    return { id, key: digestId(id) };
  }

  async function destroy(state: SessionState, key: string, now: number): Promise<void> {
    await run("destroy", store.destroy(key));
    resetState(state, now);
  }

  function vanish(state: SessionState, now: number): void {
    report("vanished", "the session was deleted (logout or expiry) while this request was running");
    resetState(state, now);
  }

  /** Writes what the session needs written; at most one store round-trip. */
  async function persist(state: SessionState, now: number, cookieAllowed: boolean): Promise<void> {
    const empty = isEmpty(state);
    const oldKey = state.key;
    if (oldKey !== null && empty && opts.invalidateEmpty) return destroy(state, oldKey, now);
    const creating = oldKey === null || (state.regenerate && cookieAllowed);
    if (creating && (empty || !cookieAllowed)) return;
    const refresh = creating || state.touched || refreshDue(state, now);
    const expires = refresh ? (state.timeout === null ? null : now + state.timeout) : state.expires;
    if (!creating && !refresh && !state.forced && !(opts.detectChanges && state.accessed)) return;
    const text = encode(state, expires);
    if (!creating && !refresh && !state.forced && text === state.raw) return;
    const end = deadline(state.createdAt, expires);
    if (end !== null && end <= now) {
      if (oldKey !== null) await destroy(state, oldKey, now);
      return;
    }
    const ttl = opts.redisTtl && end !== null ? end - now : null;
    if (creating) {
      const { id, key } = newId();
      const { created, removed } =
        oldKey === null
          ? { created: await run("create", store.create(key, text, ttl)), removed: true }
          : await run("regenerate", store.replace(oldKey, key, text, ttl));
      if (!created)
        throw new SessionError("id-collision", "sessile: a new session id already existed in the store");
      if (!removed) {
        // The old session was deleted while this request ran: undo the copy rather than resurrect it.
        await run("regenerate", store.destroy(key));
        return vanish(state, now);
      }
      Object.assign(state, { key, id, issueCookie: true, clearCookie: false, regenerate: false });
    } else if (!(await run("update", store.update(oldKey, text, ttl)))) {
      return vanish(state, now);
    }
    state.raw = text;
    state.expires = expires;
    state.forced = false;
    state.touched = false;
    if (refresh && effectiveMaxAge(state) !== null) state.recookie = true;
  }

  function refreshDue(state: SessionState, now: number): boolean {
    if (state.timeout === null || state.expires === null) return false;
    return now - (state.expires - state.timeout) >= opts.touchInterval;
  }

  function effectiveMaxAge(state: SessionState): number | null {
    if (state.cookieAge === undefined) return cookie.maxAge;
    return state.cookieAge === 0 ? null : state.cookieAge;
  }

  const engine: SessionEngine = {
    async invalidate(state) {
      const now = nowSeconds();
      if (state.key !== null) await destroy(state, state.key, now);
      else resetState(state, now);
    },
    async save(state) {
      await persist(state, nowSeconds(), true);
    },
    checkTimeout(seconds) {
      if (seconds === null && opts.redisTtl && opts.absoluteTimeout === null) {
        throw new SessionError(
          "invalid-argument",
          "sessile: adjustTimeout(null) would make a session that never expires; set absoluteTimeout or use redisTtl: false",
        );
      }
      if (seconds !== null && seconds <= opts.touchInterval) {
        throw new SessionError(
          "invalid-argument",
          `sessile: adjustTimeout(${seconds}) must be above touchInterval (${opts.touchInterval}), or the session would expire between refreshes`,
        );
      }
    },
  };

  /** Deletes a stored session that cannot be used and says why. */
  async function discard(key: string, reason: InvalidReason, message: string): Promise<null> {
    report(reason, message);
    await run("destroy", store.destroy(key));
    return null;
  }

  async function loadStored(key: string, now: number): Promise<SessionState | null> {
    let raw: string | null;
    try {
      raw = await store.get(key);
    } catch (error) {
      if (!(error instanceof WrongTypeError)) throw new StoreError("load", error);
      return discard(key, "corrupt", "the session key holds a value of the wrong Redis type");
    }
    if (raw === null) {
      report("not-found", "no stored session for this cookie (expired or deleted)");
      return null;
    }
    const decoded = overLimit(raw)
      ? { ok: false as const, message: "the stored payload is over maxPayloadBytes" }
      : decodePayload(serializer, raw, now);
    if (!decoded.ok) return discard(key, "corrupt", decoded.message);
    const payload = decoded.payload;
    const end = deadline(payload.c, payload.x ?? null);
    if (end !== null && end <= now) {
      return discard(key, "expired", "the stored session is past its idle or absolute timeout");
    }
    // A session stored without any deadline (by LRU mode or an older configuration) under options that
    // need a TTL adopts the idle timeout with a refresh due now, so its next write carries an expiry.
    const adopt = payload.t === undefined && opts.redisTtl && opts.absoluteTimeout === null;
    const state = freshState(now, true);
    Object.assign(state, {
      key,
      raw,
      data: payload.m,
      flash: payload.f,
      csrf: payload.k,
      createdAt: payload.c,
      timeout: adopt ? opts.idleTimeout : (payload.t ?? null),
      expires: adopt ? now : (payload.x ?? null),
      cookieAge: payload.a,
      clearCookie: false,
    });
    return state;
  }

  return {
    cookieName: cookie.name,

    async load(cookieHeader) {
      const now = nowSeconds();
      const { values, malformed } = readCookieValues(cookieHeader, cookie.name);
      let verified = null;
      for (const value of values) {
        verified = verifyCookieValue(secrets, cookie.name, value);
        if (verified !== null) break;
      }
      if (verified === null) {
        const presented = values.length > 0 || malformed;
        if (presented)
          report("bad-signature", "the session cookie is malformed or not signed by any current secret");
        return new Session<Data>(freshState(now, presented), engine);
      }
      const key = digestId(verified.id);
      const state = (await loadStored(key, now)) ?? freshState(now, true);
      if (state.key !== null) {
        state.id = verified.id;
        state.recookie = verified.rotated;
      }
      return new Session<Data>(state, engine);
    },

    async commit(session, context = {}) {
      const state = stateOf(session);
      if (state.committed) {
        throw new SessionError("already-committed", "sessile: commit() was called twice for one session");
      }
      state.committed = true;
      const suppressed = context.failed === true && !opts.cookieOnError;
      const allowed =
        !suppressed &&
        (opts.allowCookie === undefined ||
          context.response === undefined ||
          opts.allowCookie(context.response));
      const now = nowSeconds();
      if (state.accessed || state.touched || state.regenerate || state.key !== null) {
        await persist(state, now, allowed);
      }
      if (!allowed && state.issueCookie && state.key !== null) {
        // save() stored a new session whose cookie may not be sent: remove it rather than leave an orphan.
        await destroy(state, state.key, now);
        return NO_COOKIE;
      }
      const https = context.https === true;
      let setCookie: string | undefined;
      if (state.key !== null && state.id !== null) {
        if (allowed && (state.issueCookie || state.recookie)) {
          setCookie = serializeCookie(cookie, signId(secrets, cookie.name, state.id), {
            https,
            maxAge: effectiveMaxAge(state),
          });
        }
      } else if (state.clearCookie && (suppressed || allowed)) {
        setCookie = serializeClearCookie(cookie, https);
      }
      if (setCookie === undefined && !state.presented) return NO_COOKIE;
      return { setCookie, vary: true };
    },
  };
}
