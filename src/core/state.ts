import type { Adoption } from "./adopt.js";
import type { SessionRecord, UserBinding } from "./payload.js";

/**
 * What the commit must do about the payload:
 * - `"none"`: the handler touched nothing that is stored; write only if a refresh is due;
 * - `"if-changed"`: the handler read or changed data, flash or the CSRF token; write if the
 *   re-serialized payload differs from what was read (`detectChanges`);
 * - `"always"`: `changed()` or an adjustment; write even if the payload looks the same.
 */
export type WriteNeed = "none" | "if-changed" | "always";

/** When the stored expiry is extended: once `touchInterval` has passed, or on this request (`touch()`). */
export type RefreshNeed = "when-due" | "now";

/** Whether the commit keeps the session id or moves the session to a new one (`regenerate()`). */
export type IdentityNeed = "keep" | "rotate";

/**
 * Which `Set-Cookie` the response carries for this factory:
 * - `"keep"`: none; the client's cookie (if any) is still right;
 * - `"send"`: the session's cookie (new id, rotated secret, re-sent Max-Age);
 * - `"clear"`: a removal, because the client's cookie no longer names a session.
 */
export type CookieNeed = "keep" | "send" | "clear";

/**
 * Where the stored session came from: `"loaded"`, read by this request; `"created"`, written by it
 * under a new id; `"forwarded"`, a session this request's cookie does not name (its cookie was rotated by
 * a concurrent `regenerate()`, and this request's changes were merged into the new session), so this
 * response must not send any cookie for it.
 */
export type StoredOrigin = "loaded" | "created" | "forwarded";

/** The session as it stands in the store. */
export interface StoredSession {
  readonly origin: StoredOrigin;
  /** Store key: the digest of the id. */
  readonly key: string;
  readonly id: string;
  /** The payload text as last read or written, for change detection. */
  readonly raw: string;
  /** The stored expiry, `null` when there is no idle timeout. */
  readonly expires: number | null;
  /** The stored revision. */
  readonly revision: number;
}

/**
 * Whether the session can be saved: `"usable"`; or `"superseded"`, when the request carried a cookie
 * that a concurrent `regenerate()` has just replaced: the session is empty, nothing is saved and the
 * browser's cookie is left alone (the regenerating response sets the new one); or `"degraded"`, when
 * the store could not load the presented session and the `degrade` option is on: empty, never saved,
 * the cookie left alone, and store operations on it refused.
 */
export type Standing = "usable" | "superseded" | "degraded";

/** Everything the factory tracks about one session during one request. Not part of the public API. */
export interface SessionState {
  /** What is in the store for this session, or `null` while nothing is. */
  stored: StoredSession | null;
  data: Record<string, unknown>;
  flash: Record<string, unknown[]> | undefined;
  csrf: string | undefined;
  /** Seconds since the epoch. */
  createdAt: number;
  /** This session's idle timeout in seconds, `null` for none. */
  timeout: number | null;
  /** This session's own cookie Max-Age (`0` = browser-session cookie), `undefined` for the default. */
  cookieAge: number | undefined;
  /** The user it is bound to, `undefined` for none. */
  user: UserBinding | undefined;
  /** The user whose index holds the stored session (the binding it was loaded or last written with). */
  indexedAs: string | undefined;
  /** `bindUser()` was called since the last write: the index must learn of it. */
  rebound: boolean;
  write: WriteNeed;
  refresh: RefreshNeed;
  identity: IdentityNeed;
  cookie: CookieNeed;
  /** A cookie of this factory's name came with the request, so the response depends on it (`Vary`). */
  readonly presented: boolean;
  standing: Standing;
  /** For a superseded session: the rotated key, so a logout can end what it was rotated to. */
  rotatedKey: string | null;
  /** Flash queues this request popped, for a merge with a concurrent write (`null` until one is). */
  popped: Set<string> | null;
  /** A legacy session being adopted (the `adopt` option): what its first write must also do. */
  adoption: Adoption | null;
  /** `Set-Cookie` values expiring legacy cookies, once their session was adopted or ended. */
  expireLegacy: readonly string[];
  /** `commit()` has run (or is running) for this session. */
  committed: boolean;
}

/**
 * A new, empty session. `cookie` says what happens to a cookie the client presented unless a new session
 * is written: `"clear"` when it named a session that is gone, `"keep"` when it cannot be attributed.
 */
export function freshState(
  now: number,
  idleTimeout: number | null,
  presented: boolean,
  cookie: CookieNeed = presented ? "clear" : "keep",
): SessionState {
  return {
    stored: null,
    data: {},
    flash: undefined,
    csrf: undefined,
    createdAt: now,
    timeout: idleTimeout,
    cookieAge: undefined,
    user: undefined,
    indexedAs: undefined,
    rebound: false,
    write: "none",
    refresh: "when-due",
    identity: "keep",
    cookie,
    presented,
    standing: "usable",
    rotatedKey: null,
    popped: null,
    adoption: null,
    expireLegacy: [],
    committed: false,
  };
}

/** The state of a session read from the store. */
export function loadedState(stored: StoredSession, record: SessionRecord, rotated: boolean): SessionState {
  return {
    stored,
    data: record.data,
    flash: record.flash,
    csrf: record.csrf,
    createdAt: record.createdAt,
    timeout: record.timeout,
    cookieAge: record.cookieAge,
    user: record.user,
    indexedAs: record.user?.id,
    rebound: false,
    write: "none",
    refresh: "when-due",
    identity: "keep",
    // A cookie signed with an older secret is re-issued signed with the current one.
    cookie: rotated ? "send" : "keep",
    presented: true,
    standing: "usable",
    rotatedKey: null,
    popped: null,
    adoption: null,
    expireLegacy: [],
    committed: false,
  };
}

/**
 * Forgets the stored session in place: the state becomes a new, empty one. `cookie` is what the response
 * does with the client's cookie: `"clear"` when this request ended the session, `"keep"` when it was
 * ended by someone else (a concurrent logout's own response clears it; clearing here could wipe a newer
 * cookie the browser got since).
 */
export function resetState(
  state: SessionState,
  now: number,
  idleTimeout: number | null,
  cookie: "clear" | "keep",
): void {
  // Only a cookie the client sent can be cleared: a session first saved in this request never had its cookie sent.
  const fresh = freshState(now, idleTimeout, state.presented, state.presented ? cookie : "keep");
  Object.assign(state, fresh, { committed: state.committed, expireLegacy: state.expireLegacy });
}

/** Raises the write need, never lowers it. */
export function needWrite(state: SessionState, need: "if-changed" | "always"): void {
  if (state.write !== "always") state.write = need;
}

/** The state as a record to encode, with the given expiry. */
export function recordOf(state: SessionState, expires: number | null): SessionRecord {
  return {
    revision: (state.stored?.revision ?? 0) + 1,
    createdAt: state.createdAt,
    timeout: state.timeout,
    expires,
    data: state.data,
    flash: state.flash,
    csrf: state.csrf,
    cookieAge: state.cookieAge,
    user: state.user,
  };
}

/** No data key with a defined value, no flash message, no CSRF token and no user binding. */
export function isEmpty(state: SessionState): boolean {
  // JSON drops undefined values, so `data.returnTo = undefined` alone must not create a session.
  for (const key in state.data) if (state.data[key] !== undefined) return false;
  return state.flash === undefined && state.csrf === undefined && state.user === undefined;
}

/**
 * Puts a merged record into the state, keeping the `data` object the handler may still hold (its
 * top-level keys are set and deleted in place), so a later write of this request starts from it.
 */
export function adoptRecord(state: SessionState, record: SessionRecord): void {
  const data = state.data;
  for (const key of Object.keys(data)) if (!(key in record.data)) delete data[key];
  Object.assign(data, record.data);
  state.flash = record.flash;
  state.csrf = record.csrf;
  state.createdAt = record.createdAt;
  state.timeout = record.timeout;
  state.cookieAge = record.cookieAge;
  state.user = record.user;
}
