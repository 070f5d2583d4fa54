import { type Channel, channel } from "node:diagnostics_channel";
import { debuglog } from "node:util";
import { messageOf } from "./errors.js";
import type { SessionState } from "./state.js";
import type { InvalidReason } from "./types.js";
import { invalid } from "./validate.js";

const log = debuglog("sessile");

/**
 * Whom an event is about: the session's handle (the digest its key is stored under, as
 * `session.handle`; it cannot be turned into a cookie) and the user it is bound to. Never an id, a cookie
 * value or a secret.
 */
export interface SessionEventBase {
  /** The cookie name of the factory. */
  readonly cookieName: string;
  /** The session's handle, `null` when there is none (no cookie, or one that does not verify). */
  readonly handle: string | null;
  /** The user id of its binding (`bindUser()`), `null` when unbound. */
  readonly userId: string | null;
}

/**
 * Why a session ended: `logout` (`invalidate()`), `emptied` (the handler emptied it), `ended`
 * (`sessions.users.end()`/`endAll()`), `evicted` (over `maxSessionsPerUser`), `expired` (found past its
 * deadline), `revoked` (a revocation stamp later than its binding).
 */
export type InvalidatedCause = "logout" | "emptied" | "ended" | "evicted" | "expired" | "revoked";

/** The events a factory tells its `events` listeners, by name. */
export interface SessionEventMap {
  /** A new session was stored (first write under a new id). */
  created: SessionEventBase;
  /** The stored expiry (and the TTL) of an existing session was extended. */
  refreshed: SessionEventBase & { readonly expiresAt: Date | null };
  /** `regenerate()` moved the session to a new handle; `previousHandle` is the old one. */
  regenerated: SessionEventBase & { readonly previousHandle: string };
  /** The session ended, and why. */
  invalidated: SessionEventBase & { readonly cause: InvalidatedCause };
  /** The session was deleted (a logout elsewhere, an expiry) while this request was running. */
  vanished: SessionEventBase;
  /** A presented session was not used (the same reasons `onInvalid` hears). */
  invalid: SessionEventBase & { readonly reason: InvalidReason; readonly message: string };
  /** A concurrent request changed what this request changed too; these keys kept this request's value. */
  conflict: SessionEventBase & { readonly keys: readonly string[]; readonly settings: readonly string[] };
  /** The store failed (the request fails with a `StoreError`). `operation` says during what. */
  storeError: SessionEventBase & { readonly operation: string; readonly message: string };
  /**
   * The session was changed after its commit (the response head was on its way), so the change is not
   * saved. Told once per request; `change` names the first method (or `data`) used.
   */
  lateChange: SessionEventBase & { readonly change: string };
}

export type SessionEventName = keyof SessionEventMap;

/** The `events` option: a listener per event, each optional. A listener that throws never breaks a request. */
export type SessionEvents = {
  readonly [K in SessionEventName]?: (event: SessionEventMap[K]) => void;
};

/** What an emitter is given besides the cookie name; `emit` adds the cookie name. */
export type EventPayload<K extends SessionEventName> = Omit<SessionEventMap[K], "cookieName">;

/** Emits one event of a factory; `wants(name)` says whether anyone listens, so a caller can skip building it. */
export type Emit = (<K extends SessionEventName>(name: K, event: EventPayload<K>) => void) & {
  wants(name: SessionEventName): boolean;
};

/** Every event name, in the order of {@link SessionEventMap}. */
export const EVENT_NAMES: readonly SessionEventName[] = [
  "created",
  "refreshed",
  "regenerated",
  "invalidated",
  "vanished",
  "invalid",
  "conflict",
  "storeError",
  "lateChange",
];

/**
 * Every factory's events, published as `{ name, event }` for process-wide subscribers (the metrics
 * helper, an APM agent); nothing is built for it unless someone subscribes.
 */
export const eventChannel: Channel = channel("sessile:event");

/** Checks the `events` option: an object whose keys are event names and whose values are functions. */
export function resolveEvents(value: unknown): SessionEvents | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw invalid(
      `events must be an object of listeners, e.g. { invalidated(e) { … } }; the events are ${EVENT_NAMES.join(", ")}`,
    );
  }
  for (const [key, listener] of Object.entries(value)) {
    if (!EVENT_NAMES.includes(key as SessionEventName)) {
      throw invalid(`unknown event events.${key}; the events are ${EVENT_NAMES.join(", ")}`);
    }
    if (typeof listener !== "function") {
      throw invalid(`events.${key} must be a function (event) => void, got ${typeof listener}`);
    }
  }
  return Object.freeze({ ...(value as SessionEvents) });
}

/** Whom a state is about, for an event. */
export function subjectOf(state: SessionState): Pick<SessionEventBase, "handle" | "userId"> {
  return { handle: state.stored?.key ?? state.rotatedKey, userId: state.user?.id ?? null };
}

/**
 * The emitter of one factory: each listener is called synchronously, inside a `try`; the first time a
 * listener throws it is reported through `debuglog("sessile")` (never again, so a broken listener cannot
 * flood the log), and the request goes on.
 */
export function createEmitter(cookieName: string, events: SessionEvents | undefined): Emit {
  const reported = new Set<string>();
  const wants = (name: SessionEventName) => events?.[name] !== undefined || eventChannel.hasSubscribers;
  return Object.assign(
    function emit<K extends SessionEventName>(name: K, payload: EventPayload<K>): void {
      const listener = events?.[name] as ((event: unknown) => void) | undefined;
      if (listener === undefined && !eventChannel.hasSubscribers) return;
      const event = Object.freeze({ cookieName, ...payload });
      if (eventChannel.hasSubscribers) eventChannel.publish({ name, event });
      if (listener === undefined) return;
      try {
        listener(event);
      } catch (error) {
        if (reported.has(name)) return;
        reported.add(name);
        log("the %s listener threw (reported once): %s", name, messageOf(error));
      }
    },
    { wants },
  );
}

/** Which late changes were reported already: once per request (per session state). */
const lateReported = new WeakSet<SessionState>();

/** Reports a change made after the commit: through `debuglog("sessile")` and `lateChange`, once per request. */
export function reportLateChange(emit: Emit, state: SessionState, change: string): void {
  if (lateReported.has(state)) return;
  lateReported.add(state);
  log("session changed (%s) after its commit; the response head was sent, so it is not saved", change);
  emit("lateChange", { ...subjectOf(state), change });
}

/** What a write plan was, as far as its events go. */
export interface PlannedWrite {
  readonly kind: string;
  readonly oldKey?: string;
  readonly extends?: boolean;
}

/** Tells what a write that ran did: `created`, `regenerated` or `refreshed`. */
export function emitWrite(emit: Emit, plan: PlannedWrite, state: SessionState): void {
  const stored = state.stored;
  if (
    stored === null ||
    !emit.wants(plan.kind === "create" ? "created" : plan.kind === "rotate" ? "regenerated" : "refreshed")
  )
    return;
  const subject = subjectOf(state);
  if (plan.kind === "create" && stored.origin === "created") emit("created", subject);
  else if (plan.kind === "rotate" && stored.origin === "created" && plan.oldKey !== undefined)
    emit("regenerated", { ...subject, previousHandle: plan.oldKey });
  else if (plan.kind === "update" && plan.extends === true)
    emit("refreshed", {
      ...subject,
      expiresAt: stored.expires === null ? null : new Date(stored.expires * 1000),
    });
}
