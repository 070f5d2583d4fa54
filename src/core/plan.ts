import { deadline, refreshDue } from "./expiry.js";
import type { ResolvedOptions } from "./options.js";
import { encodePayload } from "./payload.js";
import { type CookieNeed, isEmpty, recordOf, type SessionState, type StoredSession } from "./state.js";

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
interface Payload {
  readonly text: string;
  readonly expires: number | null;
  readonly ttl: number | null;
  /** The stored expiry moves: a cookie with a Max-Age is re-sent so it ends with the session. */
  readonly extends: boolean;
}

/**
 * What to do with the store, decided from the state, the options and the clock alone:
 * - `none`: nothing to write;
 * - `create`: a new session under a new id (`SET NX`);
 * - `update`: rewrite the stored session (`SET XX`);
 * - `rotate`: the session under a new id, the old key deleted (`regenerate()`);
 * - `destroy`: delete the stored session, because it was emptied or its deadline has passed.
 */
export type WritePlan =
  | { readonly kind: "none" }
  | ({ readonly kind: "create" } & Payload)
  | ({ readonly kind: "update"; readonly key: string } & Payload)
  | ({ readonly kind: "rotate"; readonly oldKey: string } & Payload)
  | { readonly kind: "destroy"; readonly key: string; readonly reason: "emptied" | "expired" };

const NOTHING: WritePlan = Object.freeze({ kind: "none" });

/** Whether anything at all may need writing; a fresh session nobody touched costs nothing. */
export function mayWrite(state: SessionState): boolean {
  return (
    state.write !== "none" || state.refresh === "now" || state.identity === "rotate" || state.stored !== null
  );
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
    return { kind: "destroy", key: stored.key, reason: "emptied" };
  }
  const creating = stored === null || (state.identity === "rotate" && cookieAllowed);
  if (creating && (empty || !cookieAllowed)) return NOTHING;
  const due = refreshDue(state.timeout, stored?.expires ?? null, now, options.touchInterval);
  const extend = creating || state.refresh === "now" || due;
  const expires = extend ? (state.timeout === null ? null : now + state.timeout) : (stored?.expires ?? null);
  const compare = state.write === "if-changed" && options.detectChanges;
  if (!creating && !extend && state.write !== "always" && !compare) return NOTHING;
  const text = encodePayload(options.serializer, recordOf(state, expires), options.maxPayloadBytes);
  if (!creating && !extend && state.write !== "always" && text === stored?.raw) return NOTHING;
  const end = deadline(state.createdAt, expires, options.absoluteTimeout);
  if (end !== null && end <= now) {
    return stored === null ? NOTHING : { kind: "destroy", key: stored.key, reason: "expired" };
  }
  const payload: Payload = {
    text,
    expires,
    ttl: options.redisTtl && end !== null ? end - now : null,
    extends: extend,
  };
  if (stored === null) return { kind: "create", ...payload };
  return creating
    ? { kind: "rotate", oldKey: stored.key, ...payload }
    : { kind: "update", key: stored.key, ...payload };
}

/**
 * Records in the state a planned write that landed: what is stored now and what the response's cookie
 * must say. `created` is the new id and key of a `create` or `rotate`; `null` for an `update`.
 */
export function land(
  state: SessionState,
  plan: Extract<WritePlan, { text: string }>,
  created: { readonly id: string; readonly key: string } | null,
  configuredMaxAge: number | null,
): void {
  const { text: raw, expires } = plan;
  state.stored =
    created === null
      ? { ...(state.stored as StoredSession), raw, expires }
      : { origin: "created", ...created, raw, expires };
  // What was forced is written; later changes (to data still held by the handler) are still compared.
  if (state.write === "always") state.write = "if-changed";
  state.refresh = "when-due";
  state.identity = "keep";
  if (created !== null) state.cookie = "send";
  if (plan.extends && cookieMaxAge(state, configuredMaxAge) !== null) state.cookie = "send";
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
  if (state.stored !== null) return state.cookie === "send" && permission.allowed ? "send" : "keep";
  return state.cookie === "clear" && (permission.suppressed || permission.allowed) ? "clear" : "keep";
}
