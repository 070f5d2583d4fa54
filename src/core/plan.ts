import { deadline, refreshDue } from "./expiry.js";
import type { ResolvedOptions } from "./options.js";
import { encodePayload, type SessionRecord } from "./payload.js";
import { type CookieNeed, isEmpty, recordOf, type SessionState, type StoredOrigin } from "./state.js";

/** The options a plan depends on. */
export type PlanOptions = Pick<
  ResolvedOptions,
  | "absoluteTimeout"
  | "touchInterval"
  | "redisTtl"
  | "detectChanges"
  | "invalidateEmpty"
  | "serializer"
  | "maxPayloadBytes"
>;

/** A payload to write, with the expiry it carries and the TTL to send (`null` = none, LRU mode). */
export interface Payload {
  readonly text: string;
  readonly revision: number;
  readonly expires: number | null;
  readonly ttl: number | null;
  /** The stored expiry moves: a cookie with a Max-Age is re-sent so it ends with the session. */
  readonly extends: boolean;
}

/**
 * What to do with the store, decided from the state, the options and the clock alone:
 * - `none`: nothing to write;
 * - `create`: a new session under a new id (`SET NX`);
 * - `update`: rewrite the stored session if it still holds `expected` (a compare-and-set);
 * - `rotate`: the session under a new id, the old key left as a short-lived marker (`regenerate()`);
 * - `destroy`: delete the stored session: `emptied` by the handler (only if unchanged since it was read,
 *   so a concurrent change is merged instead), or `expired` (its deadline has passed).
 */
export type WritePlan =
  | { readonly kind: "none" }
  | ({ readonly kind: "create" } & Payload)
  | ({ readonly kind: "update"; readonly key: string; readonly expected: string } & Payload)
  | ({ readonly kind: "rotate"; readonly oldKey: string } & Payload)
  | { readonly kind: "destroy"; readonly key: string; readonly reason: "emptied"; readonly expected: string }
  | { readonly kind: "destroy"; readonly key: string; readonly reason: "expired" };

/** The plan of a commit that sends nothing to the store. */
export const NO_WRITE: WritePlan = Object.freeze({ kind: "none" });

/** Whether anything at all may need writing; a fresh session nobody touched costs nothing. */
export function mayWrite(state: SessionState): boolean {
  if (state.standing !== "usable") return false;
  return (
    state.write !== "none" || state.refresh === "now" || state.identity === "rotate" || state.stored !== null
  );
}

/** The TTL to send for a record, or `"expired"` when its deadline has already passed. */
export function ttlFor(record: SessionRecord, options: PlanOptions, now: number): number | null | "expired" {
  const end = deadline(record.createdAt, record.expires, options.absoluteTimeout);
  if (end !== null && end <= now) return "expired";
  return options.redisTtl && end !== null ? end - now : null;
}

/** Decides the write. `cookieAllowed` is false when no cookie may be sent, so no new session may be stored. */
export function planWrite(
  state: SessionState,
  options: PlanOptions,
  now: number,
  cookieAllowed: boolean,
): WritePlan {
  const { stored } = state;
  const empty = isEmpty(state);
  if (stored !== null && empty && options.invalidateEmpty) {
    return { kind: "destroy", key: stored.key, reason: "emptied", expected: stored.raw };
  }
  const creating = stored === null || (state.identity === "rotate" && cookieAllowed);
  if (creating && (empty || !cookieAllowed)) return NO_WRITE;
  const due = refreshDue(state.timeout, stored?.expires ?? null, now, options.touchInterval);
  const extend = creating || state.refresh === "now" || due;
  const expires = extend ? extendedTo(state, now) : (stored?.expires ?? null);
  const compare = state.write === "if-changed" && options.detectChanges;
  if (!creating && !extend && state.write !== "always" && !compare) return NO_WRITE;
  const record = recordOf(state, expires);
  if (!creating && !extend && state.write !== "always" && sameAsStored(state, record, options))
    return NO_WRITE;
  const text = encodePayload(options.serializer, record, options.maxPayloadBytes);
  const ttl = ttlFor(record, options, now);
  if (ttl === "expired")
    return stored === null ? NO_WRITE : { kind: "destroy", key: stored.key, reason: "expired" };
  const payload: Payload = { text, revision: record.revision, expires, ttl, extends: extend };
  if (stored === null) return { kind: "create", ...payload };
  if (creating) return { kind: "rotate", oldKey: stored.key, ...payload };
  return { kind: "update", key: stored.key, expected: stored.raw, ...payload };
}

/**
 * The expiry a write that extends sets: an idle timeout from now, except that an adopted legacy session
 * keeps its legacy deadline when that is earlier (its next request, a refresh, then extends it as usual).
 */
function extendedTo(state: SessionState, now: number): number | null {
  if (state.timeout === null) return null;
  const cap = state.stored === null ? (state.adoption?.cap ?? null) : null;
  return cap === null ? now + state.timeout : Math.min(now + state.timeout, cap);
}

/** Whether the record, at the stored revision, serializes to exactly what is stored (change detection). */
function sameAsStored(state: SessionState, record: SessionRecord, options: PlanOptions): boolean {
  const stored = state.stored;
  if (stored === null) return false;
  const unchanged = { ...record, revision: stored.revision };
  return encodePayload(options.serializer, unchanged, options.maxPayloadBytes) === stored.raw;
}

/** A write that landed: what is stored now, and under which key. */
export interface Landing {
  readonly payload: Payload;
  /** `null` when the key and id stay as they were (an update of the session this request holds). */
  readonly at: { readonly origin: StoredOrigin; readonly key: string; readonly id: string } | null;
}

/** Records in the state a write that landed: what is stored now and what the response's cookie must say. */
export function land(state: SessionState, { payload, at }: Landing, configuredMaxAge: number | null): void {
  const previous = state.stored;
  const where = at ?? previous;
  if (where === null) throw new TypeError("sessile: an update landed for a session that is not stored");
  state.stored = {
    origin: where.origin,
    key: where.key,
    id: where.id,
    raw: payload.text,
    expires: payload.expires,
    revision: payload.revision,
  };
  // What was forced is written; later changes (to data still held by the handler) are still compared.
  if (state.write === "always") state.write = "if-changed";
  state.refresh = "when-due";
  state.identity = "keep";
  state.indexedAs = state.user?.id;
  state.rebound = false;
  if (where.origin === "forwarded") state.cookie = "keep";
  else if (at?.origin === "created") state.cookie = "send";
  else if (payload.extends && cookieMaxAge(state, configuredMaxAge) !== null) state.cookie = "send";
}

/** The cookie's Max-Age for this session: its own (`0` = browser-session cookie) or the configured one. */
export function cookieMaxAge(state: SessionState, configured: number | null): number | null {
  if (state.cookieAge === undefined) return configured;
  return state.cookieAge === 0 ? null : state.cookieAge;
}

/** How the commit's permission to send cookies stands. */
export interface CookiePermission {
  /** A cookie may be sent (`cookieOnError` and `allowCookie` agree). */
  readonly allowed: boolean;
  /** The request failed under `cookieOnError: false`: only a removal may be sent. */
  readonly suppressed: boolean;
}

/** Decides the response's cookie once the write has landed. */
export function planCookie(state: SessionState, permission: CookiePermission): CookieNeed {
  if (state.stored !== null) {
    if (state.stored.origin === "forwarded") return "keep";
    return state.cookie === "send" && permission.allowed ? "send" : "keep";
  }
  return state.cookie === "clear" && (permission.suppressed || permission.allowed) ? "clear" : "keep";
}
