import { randomBytes, timingSafeEqual } from "node:crypto";
import { SessionError, StoreError } from "./errors.js";
import { MAX_COOKIE_AGE, MAX_DURATION, MAX_META_BYTES } from "./limits.js";
import { isPlainRecord, isUserId } from "./payload.js";
import { needWrite, type SessionState } from "./state.js";
import type { SessionData } from "./types.js";

/** What a session needs from its factory for the operations that reach the store before commit. */
export interface SessionEngine {
  invalidate(state: SessionState): Promise<void>;
  save(state: SessionState): Promise<void>;
  checkTimeout(seconds: number | null): void;
  /** Throws unless the store keeps user indexes. */
  checkBind(): void;
  /** Told of a change made after the commit (it will not be saved). */
  late(state: SessionState, change: string): void;
}

let readState: (session: Session<unknown>) => SessionState;

/** The state behind a session, for the factory; not exported from the package. */
export function stateOf<Data>(session: Session<Data>): SessionState {
  return readState(session as Session<unknown>);
}

const DEFAULT_QUEUE = "";

/** Options of {@link Session.flash}. */
export interface FlashOptions {
  /** Queue name. @default "" */
  queue?: string;
  /** Add the message even if the queue already holds an equal one. @default true */
  allowDuplicate?: boolean;
}

/** The stored payload's parse drops these keys everywhere (prototype pollution), so no queue may use them. */
const RESERVED_QUEUES: readonly string[] = ["__proto__", "constructor", "prototype"];

function checkQueue(queue: unknown): void {
  if (typeof queue !== "string" || RESERVED_QUEUES.includes(queue)) {
    throw new SessionError(
      "invalid-argument",
      'sessile: a flash queue name must be a string other than "__proto__", "constructor" and "prototype"',
    );
  }
}

/** A queue by its own name only: "toString" is a queue like any other, never Object.prototype's. */
function queueOf(flash: Record<string, unknown[]> | undefined, queue: string): unknown[] | undefined {
  return flash !== undefined && Object.hasOwn(flash, queue) ? flash[queue] : undefined;
}

/** A stored session's cookie is re-sent on this response; a session not stored has none to re-send. */
function resendCookie(state: SessionState): void {
  if (state.stored !== null) state.cookie = "send";
}

function checkDuration(seconds: number | null, name: string, max: number): void {
  if (seconds !== null && (!Number.isInteger(seconds) || seconds < 1 || seconds > max)) {
    throw new SessionError(
      "invalid-argument",
      `sessile: ${name} takes a whole number of seconds from 1 to ${max}, or null`,
    );
  }
}

/**
 * One visitor's session during one request. Read and mutate `data` freely; nothing reaches the store
 * until the request ends (except `invalidate()` and `save()`), and then only if something changed.
 */
export class Session<Data = SessionData> {
  readonly #state: SessionState;
  readonly #engine: SessionEngine;

  static {
    readState = (session) => session.#state;
  }

  /** @internal Sessions are made by `createSessions(...).load()`. */
  constructor(state: SessionState, engine: SessionEngine) {
    this.#state = state;
    this.#engine = engine;
  }

  /** The state, for a change named `change`; one made after the commit is reported (it is not saved). */
  #changing(change: string): SessionState {
    const state = this.#state;
    if (state.committed) this.#engine.late(state, change);
    return state;
  }

  /** The session data: a plain object, nested changes included. Assigning replaces it. */
  get data(): Data {
    const state = this.#state;
    needWrite(state, "if-changed");
    return state.data as Data;
  }

  set data(value: Data) {
    if (!isPlainRecord(value)) {
      throw new SessionError("invalid-argument", "sessile: session.data must be a plain object");
    }
    const state = this.#changing("data");
    needWrite(state, "if-changed");
    state.data = value;
  }

  /** The session id, `null` until the session is first written. Never log it. */
  get id(): string | null {
    return this.#state.stored?.id ?? null;
  }

  /**
   * `true` when the request carried a cookie that a concurrent `regenerate()` (a login in another
   * request of the same browser) has just replaced: the session is empty and nothing is saved, and the
   * response leaves the browser's cookie alone, so the new one the login sets survives.
   */
  get superseded(): boolean {
    return this.#state.standing === "superseded";
  }

  /**
   * `true` when the store failed to load the presented session and the `degrade` option is on: the
   * session is empty and anonymous, nothing is saved, the cookie is left alone, and `save()`,
   * `invalidate()` and `bindUser()` throw the store error. Show signed-out pages only.
   */
  get degraded(): boolean {
    return this.#state.standing === "degraded";
  }

  /**
   * This session's handle: the digest its key is stored under, safe to show and to send to the browser
   * (a "sign out this device" button). It cannot be turned into a cookie. `null` until stored.
   */
  get handle(): string | null {
    return this.#state.stored?.key ?? null;
  }

  /** The user the session is bound to (`bindUser()`), or `null`. */
  get userId(): string | null {
    return this.#state.user?.id ?? null;
  }

  /**
   * Binds the session to a user, so `sessions.users` can list and end it (on login, together with
   * `regenerate()`). `meta` is the app's record about the device (a label, the user agent, an IP
   * address): personal data, at most 1 KiB as JSON. Stored at commit; `invalidate()` unbinds.
   */
  bindUser(userId: string, meta?: Record<string, unknown>): void {
    if (!isUserId(userId)) {
      throw new SessionError(
        "invalid-argument",
        "sessile: bindUser(userId) takes a non-empty string of at most 256 characters",
      );
    }
    if (
      meta !== undefined &&
      (!isPlainRecord(meta) || Buffer.byteLength(JSON.stringify(meta)) > MAX_META_BYTES)
    ) {
      throw new SessionError(
        "invalid-argument",
        `sessile: bindUser(userId, meta) takes a plain object of at most ${MAX_META_BYTES} bytes as JSON for meta`,
      );
    }
    this.#engine.checkBind();
    refuseDegraded(this.#state, "bindUser");
    const state = this.#changing("bindUser");
    state.user = {
      id: userId,
      boundAt: Date.now(),
      meta: meta === undefined ? undefined : structuredClone(meta),
    };
    state.rebound = true;
    needWrite(state, "always");
  }

  /** `true` until the session is stored. */
  get isNew(): boolean {
    return this.#state.stored === null;
  }

  /** When the session was created. */
  get createdAt(): Date {
    return new Date(this.#state.createdAt * 1000);
  }

  /** Forces a write at commit; needed only with `detectChanges: false`. */
  changed(): void {
    needWrite(this.#changing("changed"), "always");
  }

  /**
   * Deletes the session from the store now (so logout holds even if the handler later fails) and
   * empties `data`. Writing afterwards starts a fresh session with a new id.
   */
  async invalidate(): Promise<void> {
    refuseDegraded(this.#state, "invalidate");
    await this.#engine.invalidate(this.#state);
  }

  /** At commit, keeps the data under a new id and deletes the old key (session-fixation defence on login). */
  regenerate(): void {
    const state = this.#changing("regenerate");
    state.identity = "rotate";
    needWrite(state, "if-changed");
  }

  /**
   * Sets this session's own idle timeout in seconds ("remember me"); `null` = no idle timeout (only the
   * absolute timeout applies). Persists, and extends the expiry on this request.
   */
  adjustTimeout(seconds: number | null): void {
    checkDuration(seconds, "adjustTimeout", MAX_DURATION);
    this.#engine.checkTimeout(seconds);
    const state = this.#changing("adjustTimeout");
    state.timeout = seconds;
    state.refresh = "now";
    needWrite(state, "always");
  }

  /** Sets this session's own cookie Max-Age in seconds (`null` = browser-session cookie); persists and re-sends the cookie. */
  adjustCookieMaxAge(seconds: number | null): void {
    checkDuration(seconds, "adjustCookieMaxAge", MAX_COOKIE_AGE);
    const state = this.#changing("adjustCookieMaxAge");
    state.cookieAge = seconds ?? 0;
    needWrite(state, "always");
    resendCookie(state);
  }

  /** Re-sends the cookie on this response. */
  recookie(): void {
    resendCookie(this.#changing("recookie"));
  }

  /** Extends the expiry on this request even if no refresh is due. */
  touch(): void {
    this.#changing("touch").refresh = "now";
  }

  /** Writes the session now (for long-lived handlers); the commit then writes only what changed after. */
  async save(): Promise<void> {
    refuseDegraded(this.#state, "save");
    await this.#engine.save(this.#state);
  }

  /** Queues a message for a later request (e.g. across a redirect). */
  flash(message: unknown, options: FlashOptions = {}): void {
    const { queue = DEFAULT_QUEUE, allowDuplicate = true } = options;
    checkQueue(queue);
    const state = this.#changing("flash");
    needWrite(state, "if-changed");
    state.flash ??= {};
    const messages = queueOf(state.flash, queue) ?? [];
    state.flash[queue] = messages;
    const text = JSON.stringify(message);
    if (allowDuplicate || !messages.some((m) => JSON.stringify(m) === text)) messages.push(message);
  }

  /** The messages of a queue, left in place. */
  peekFlash(queue: string = DEFAULT_QUEUE): unknown[] {
    checkQueue(queue);
    return [...(queueOf(this.#state.flash, queue) ?? [])];
  }

  /** The messages of a queue, removed from it. */
  popFlash(queue: string = DEFAULT_QUEUE): unknown[] {
    checkQueue(queue);
    const state = this.#state;
    const messages = queueOf(state.flash, queue);
    if (messages === undefined || state.flash === undefined) return [];
    this.#changing("popFlash");
    needWrite(state, "if-changed");
    state.popped ??= new Set();
    state.popped.add(queue);
    delete state.flash[queue];
    if (Object.keys(state.flash).length === 0) state.flash = undefined;
    return messages;
  }

  /** Makes and stores a new CSRF token (32 random bytes, base64url) and returns it. */
  newCsrfToken(): string {
    const state = this.#changing("newCsrfToken");
    needWrite(state, "if-changed");
    state.csrf = randomBytes(32).toString("base64url");
    return state.csrf;
  }

  /** The session's CSRF token, made on first use. */
  getCsrfToken(): string {
    return this.#state.csrf ?? this.newCsrfToken();
  }

  /** Whether `token` equals the session's CSRF token, compared in constant time; `false` when there is none. */
  verifyCsrfToken(token: unknown): boolean {
    const expected = this.#state.csrf;
    if (expected === undefined || typeof token !== "string") return false;
    const a = Buffer.from(token);
    const b = Buffer.from(expected);
    return a.length === b.length && timingSafeEqual(a, b);
  }
}

/** A degraded session cannot reach the store: what would need it fails as the load would have. */
function refuseDegraded(state: SessionState, operation: string): void {
  if (state.standing !== "degraded") return;
  throw new StoreError(
    operation,
    new Error("the store was unavailable when this session was loaded (the degrade option)"),
  );
}
