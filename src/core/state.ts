import type { SessionRecord } from "./payload.js";

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

/** The session as it stands in the store. `"loaded"`: read by this request; `"created"`: written by it. */
export interface StoredSession {
  readonly origin: "loaded" | "created";
  /** Store key: the digest of the id. */
  readonly key: string;
  readonly id: string;
  /** The payload text as last read or written, for change detection. */
  readonly raw: string;
  /** The stored expiry, `null` when there is no idle timeout. */
  readonly expires: number | null;
}

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
  write: WriteNeed;
  refresh: RefreshNeed;
  identity: IdentityNeed;
  cookie: CookieNeed;
  /** A cookie of this factory's name came with the request, so the response depends on it (`Vary`). */
  readonly presented: boolean;
  /** `commit()` has run (or is running) for this session. */
  committed: boolean;
}

/** A new, empty session. A cookie the client presented is cleared unless a new session is written. */
export function freshState(now: number, idleTimeout: number | null, presented: boolean): SessionState {
  return {
    stored: null,
    data: {},
    flash: undefined,
    csrf: undefined,
    createdAt: now,
    timeout: idleTimeout,
    cookieAge: undefined,
    write: "none",
    refresh: "when-due",
    identity: "keep",
    cookie: presented ? "clear" : "keep",
    presented,
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
    write: "none",
    refresh: "when-due",
    identity: "keep",
    // A cookie signed with an older secret is re-issued signed with the current one.
    cookie: rotated ? "send" : "keep",
    presented: true,
    committed: false,
  };
}

/** Forgets the stored session in place: the state becomes a new, empty one whose stale cookie is cleared. */
export function resetState(state: SessionState, now: number, idleTimeout: number | null): void {
  // Only a cookie the client sent can be stale: a session first saved in this request never had its cookie sent.
  Object.assign(state, freshState(now, idleTimeout, state.presented), { committed: state.committed });
}

/** Raises the write need, never lowers it. */
export function needWrite(state: SessionState, need: "if-changed" | "always"): void {
  if (state.write !== "always") state.write = need;
}

/** The state as a record to encode, with the given expiry. */
export function recordOf(state: SessionState, expires: number | null): SessionRecord {
  return {
    createdAt: state.createdAt,
    timeout: state.timeout,
    expires,
    data: state.data,
    flash: state.flash,
    csrf: state.csrf,
    cookieAge: state.cookieAge,
  };
}

/** No data key with a defined value, no flash message and no CSRF token. */
export function isEmpty(state: SessionState): boolean {
  // JSON drops undefined values, so `data.returnTo = undefined` alone must not create a session.
  for (const key in state.data) if (state.data[key] !== undefined) return false;
  return state.flash === undefined && state.csrf === undefined;
}
