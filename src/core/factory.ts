import { debuglog } from "node:util";
import { serializeClearCookie, serializeCookie } from "./cookie.js";
import { messageOf, SessionError, StoreError } from "./errors.js";
import { createEmitter, type Emit, emitWrite, reportLateChange, subjectOf } from "./events.js";
import { nowSeconds } from "./expiry.js";
import { customId, digestId } from "./id.js";
import { MAX_DURATION } from "./limits.js";
import { type LoadContext, loadState } from "./load.js";
import { type ResolvedOptions, resolveOptions, type SessionOptions } from "./options.js";
import {
  type CookiePermission,
  cookieMaxAge,
  mayWrite,
  NO_WRITE,
  planCookie,
  planWrite,
  type WritePlan,
} from "./plan.js";
import { createConflictReporter, createReporter } from "./report.js";
import { Session, type SessionEngine, stateOf } from "./session.js";
import { signId } from "./signer.js";
import { resetState, type SessionState } from "./state.js";
import { storeCall } from "./store-call.js";
import {
  commitChannel,
  earlyCommands,
  loadChannel,
  type TraceContext,
  timedStore,
  traced,
  tracedEarly,
} from "./trace.js";
import type { ResponseInfo, SessionData } from "./types.js";
import { userIndexOf } from "./user-index.js";
import { type UserSessions, userSessions } from "./users.js";
import { VerifiedCookies } from "./verified-cookies.js";
import { carryOut, endSession, retireAdopted, type WriteContext } from "./write.js";

const log = debuglog("sessile");

/** What the adapter knows about the request when it commits. */
export interface CommitContext {
  /** The handler failed (threw or is answering with an error); see `cookieOnError`. */
  failed?: boolean;
  /**
   * The request came over HTTPS (for `cookie.secure: "auto"`). A function is called only when a cookie is
   * sent, so an adapter whose framework computes it (Express's `req.secure`) pays nothing otherwise.
   */
  https?: boolean | (() => boolean);
  /** The outgoing response, for `allowCookie`. */
  response?: ResponseInfo;
}

/** What the adapter must add to the response. */
export interface CommitResult {
  /** A `Set-Cookie` header value, or `undefined` when no cookie is sent. */
  readonly setCookie: string | undefined;
  /** Whether the response depends on the session cookie and should carry `Vary: Cookie`. */
  readonly vary: boolean;
  /**
   * Further `Set-Cookie` values to send beside `setCookie`: the legacy cookies an adopted (or ended)
   * legacy session expires (the `adopt` option); absent otherwise.
   */
  readonly expireCookies?: readonly string[];
  /**
   * Present (and `true`) on the answer to a second `commit()` of one session: nothing was written and
   * there is nothing to add, because the first commit's answer is already on the response (or it failed
   * and the request is being answered as an error).
   */
  readonly repeated?: true;
}

/** A session factory: one cookie name, one store, one set of options. */
export interface Sessions<Data = SessionData> {
  /** The cookie this factory reads and writes. */
  readonly cookieName: string;
  /** A user's sessions (those bound with `session.bindUser()`): list them, end one, all, or all but one. */
  readonly users: UserSessions;
  /** Loads the session named by the request's `Cookie` header: at most one store command, none without a valid cookie. */
  load(cookieHeader: string | undefined): Promise<Session<Data>>;
  /**
   * Persists what changed (at most one store round-trip) and says which cookie to send. A second call
   * for the same session writes nothing and answers `{ setCookie: undefined, vary: false, repeated: true }`.
   */
  commit(session: Session<Data>, context?: CommitContext): Promise<CommitResult>;
}

/** Every `Set-Cookie` value a commit asks for, in order: the session's, then any legacy ones it expires. */
export function setCookiesOf(result: CommitResult): string[] {
  const out = result.setCookie === undefined ? [] : [result.setCookie];
  return result.expireCookies === undefined ? out : [...out, ...result.expireCookies];
}

const NO_COOKIE: CommitResult = Object.freeze({ setCookie: undefined, vary: false });
const REPEATED: CommitResult = Object.freeze({ setCookie: undefined, vary: false, repeated: true });

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

function checkTimeoutFor(opts: ResolvedOptions): (seconds: number | null) => void {
  return (seconds) => {
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
  };
}

/** The contexts the steps run in, built once per factory. */
function contextsFor(opts: ResolvedOptions): { load: LoadContext; write: WriteContext; emit: Emit } {
  const emit = createEmitter(opts.cookie.name, opts.events);
  const store = opts.store;
  const report = createReporter(opts.cookie.name, opts.onInvalid, emit);
  const newId = () => {
    const id = opts.customId ? customId(opts.generateId) : opts.generateId();
    return { id, key: digestId(id) };
  };
  return {
    emit,
    load: {
      ...opts,
      store,
      cookieName: opts.cookie.name,
      report,
      verified: new VerifiedCookies(opts.secrets, opts.cookie.name),
    },
    write: {
      store,
      emit,
      idleTimeout: opts.idleTimeout,
      cookieMaxAge: opts.cookie.maxAge,
      newId,
      report,
      adopt: opts.adopt,
      options: opts,
      reportConflict: createConflictReporter(opts.cookie.name, opts.onConflict, emit),
      index: {
        absoluteTimeout: opts.absoluteTimeout,
        maxSessionsPerUser: opts.maxSessionsPerUser,
        stampLife: stampLifeOf(opts),
      },
    },
  };
}

/** The load context for one load: the factory's own, or, traced, one whose commands and outcome go to `trace`. */
function loadContextFor(ctx: LoadContext, trace: TraceContext | undefined): LoadContext {
  if (trace === undefined) return ctx;
  return {
    ...ctx,
    store: timedStore(ctx.store, trace),
    // The first reason the presented session was not used is the load's outcome.
    report(reason, message, subject) {
      trace.outcome ??= reason;
      ctx.report(reason, message, subject);
    },
  };
}

/** The write context for one commit (or handler-time write): the factory's own, or one timed into `trace`. */
function writeContextFor(ctx: WriteContext, trace: TraceContext | undefined): WriteContext {
  return trace === undefined ? ctx : { ...ctx, store: timedStore(ctx.store, trace) };
}

/**
 * How long a revocation stamp must be kept: a session bound before it that never writes again ends by
 * its idle (or absolute) timeout, and one that does write meets the stamp within `touchInterval`.
 */
function stampLifeOf(opts: ResolvedOptions): number {
  return (opts.idleTimeout ?? opts.absoluteTimeout ?? MAX_DURATION) + opts.touchInterval;
}

/** Decides the write from the state, the options and the clock; `allowed` is false when no cookie may be sent. */
function decideWrite(
  opts: ResolvedOptions,
  state: SessionState,
  now: number,
  allowed: boolean,
  trace: TraceContext | undefined,
): WritePlan {
  const plan = planWrite(state, opts, now, allowed);
  if (trace !== undefined) {
    trace.write = plan.kind;
    trace.refreshed = plan.kind === "update" && plan.extends;
    if ("text" in plan) trace.payloadBytes = Buffer.byteLength(plan.text);
  }
  return plan;
}

/** Carries out a decided write and tells the listeners what it did. */
async function write(ctx: WriteContext, state: SessionState, plan: WritePlan, now: number): Promise<void> {
  await carryOut(ctx, state, plan, now);
  emitWrite(ctx.emit, plan, state);
}

/** Plans and carries out the write now (`session.save()`). */
function persist(
  opts: ResolvedOptions,
  ctx: WriteContext,
  state: SessionState,
  trace: TraceContext | undefined,
): Promise<void> {
  const now = nowSeconds();
  return write(ctx, state, decideWrite(opts, state, now, true, trace), now);
}

/** Tells `storeError` of a failing store, then lets the error go on. */
function tellStoreError(emit: Emit, state: SessionState | null, error: unknown): never {
  if (error instanceof StoreError) {
    const subject = state === null ? { handle: null, userId: null } : subjectOf(state);
    emit("storeError", { ...subject, operation: error.operation, message: error.message });
  }
  throw error;
}

/** Runs a store operation, telling `storeError` of a failing store. */
function watchStore<T>(emit: Emit, state: SessionState | null, run: () => Promise<T>): Promise<T> {
  let pending: Promise<T>;
  try {
    pending = run();
  } catch (error) {
    pending = Promise.reject(error);
  }
  return pending.catch((error: unknown) => tellStoreError(emit, state, error));
}

/** A trace context for an operation of this factory. */
function traceContext(operation: "load" | "commit", cookieName: string): () => TraceContext {
  return () => ({ operation, cookieName, commands: [], handle: null, userId: null });
}

/** Fills a finished trace with whom it was about. */
function traceEnd(context: TraceContext, state: SessionState): void {
  const { handle, userId } = subjectOf(state);
  context.handle = handle;
  context.userId = userId;
  if (context.operation === "load")
    context.outcome ??= state.stored !== null ? "loaded" : state.presented ? "rejected" : "none";
}

/** The `Set-Cookie` value the commit's cookie decision calls for. */
function cookieHeader(
  opts: ResolvedOptions,
  state: SessionState,
  https: boolean,
  need: "send" | "clear",
): string {
  if (need === "clear" || state.stored === null) return serializeClearCookie(opts.cookie, https);
  const value = signId(opts.secrets, opts.cookie.name, state.stored.id);
  return serializeCookie(opts.cookie, value, { https, maxAge: cookieMaxAge(state, opts.cookie.maxAge) });
}

/** The cookie a commit answers once its write (if any) has landed. */
function commitAnswer(
  opts: ResolvedOptions,
  state: SessionState,
  context: CommitContext,
  permission: CookiePermission,
): CommitResult {
  const need = planCookie(state, permission);
  const legacy = state.expireLegacy.length === 0 ? {} : { expireCookies: state.expireLegacy };
  if (need === "keep") {
    if (!state.presented && legacy.expireCookies === undefined) return NO_COOKIE;
    return { setCookie: undefined, vary: true, ...legacy };
  }
  const https = typeof context.https === "function" ? context.https() : context.https === true;
  return { setCookie: cookieHeader(opts, state, https, need), vary: true, ...legacy };
}

/** The key of a new session that save() stored but whose cookie may not be sent: removed rather than left an orphan. */
function orphanKey(state: SessionState, permission: CookiePermission): string | null {
  return !permission.allowed && state.stored?.origin === "created" ? state.stored.key : null;
}

/**
 * The commit of a session not committed before: the write, then the cookie to send. When nothing is
 * sent to the store (an unchanged read, the most common request) it answers at once, not with a
 * promise, so an adapter can let the response head go in the same tick.
 */
function commitState(
  opts: ResolvedOptions,
  ctx: WriteContext,
  state: SessionState,
  context: CommitContext,
  trace: TraceContext | undefined,
): CommitResult | Promise<CommitResult> {
  const suppressed = context.failed === true && !opts.cookieOnError;
  const allowed =
    !suppressed &&
    (opts.allowCookie === undefined || context.response === undefined || opts.allowCookie(context.response));
  const permission: CookiePermission = { allowed, suppressed };
  const now = nowSeconds();
  const plan = mayWrite(state) ? decideWrite(opts, state, now, allowed, trace) : NO_WRITE;
  if (plan.kind === "none" && orphanKey(state, permission) === null)
    return commitAnswer(opts, state, context, permission);
  return (async () => {
    if (plan.kind !== "none") await write(ctx, state, plan, now);
    const orphan = orphanKey(state, permission);
    if (orphan !== null) {
      await storeCall("destroy", ctx.store.destroy(orphan));
      return NO_COOKIE;
    }
    return commitAnswer(opts, state, context, permission);
  })();
}

/** How each factory commits without a promise when it can (see {@link commitNow}). */
const immediateCommits = new WeakMap<
  object,
  (session: Session<never>, context: CommitContext) => CommitResult | Promise<CommitResult>
>();

/**
 * `factory.commit()` for adapters: the same commit, answered without a promise when no store command is
 * needed, so the adapter can send the response head in the same tick instead of a few promise turns
 * later. A factory not made by `createSessions` is committed through its own `commit()`.
 */
export function commitNow<Data>(
  factory: Sessions<Data>,
  session: Session<Data>,
  context: CommitContext = {},
): CommitResult | Promise<CommitResult> {
  const commit = immediateCommits.get(factory);
  return commit === undefined ? factory.commit(session, context) : commit(session as Session<never>, context);
}

/**
 * Creates a session factory. Every option is validated here, once; a bad one throws a `SessionError`
 * whose message says how to fix it.
 */
export function createSessions<Data = SessionData>(options: SessionOptions): Sessions<Data> {
  const opts = resolveOptions(options);
  if (!opts.redisTtl) void warnOnEvictionPolicy(opts);
  const ctx = contextsFor(opts);
  const engine: SessionEngine = {
    async invalidate(state) {
      // A logout before the adopted session was stored ends the legacy one too.
      await retireAdopted(ctx.write, state, "ended");
      const key = state.stored?.key ?? state.rotatedKey;
      if (key === null) return resetState(state, nowSeconds(), opts.idleTimeout, "clear");
      ctx.emit("invalidated", { ...subjectOf(state), cause: "logout" });
      await tracedEarly(state, opts.cookie.name, (trace) =>
        watchStore(ctx.emit, state, () =>
          endSession(writeContextFor(ctx.write, trace), state, key, nowSeconds()),
        ),
      );
    },
    save: (state) =>
      tracedEarly(state, opts.cookie.name, (trace) =>
        watchStore(ctx.emit, state, () => persist(opts, writeContextFor(ctx.write, trace), state, undefined)),
      ),
    late: (state, change) => reportLateChange(ctx.emit, state, change),
    checkTimeout: checkTimeoutFor(opts),
    checkBind() {
      userIndexOf(opts.store);
    },
  };

  function commitSession(
    session: Session<Data>,
    context: CommitContext,
  ): CommitResult | Promise<CommitResult> {
    const state = stateOf(session);
    if (state.committed) return REPEATED;
    state.committed = true;
    if (!commitChannel.hasSubscribers) {
      const answer = commitState(opts, ctx.write, state, context, undefined);
      return answer instanceof Promise
        ? answer.catch((error: unknown) => tellStoreError(ctx.emit, state, error))
        : answer;
    }
    return traced(
      commitChannel,
      () => ({ ...traceContext("commit", opts.cookie.name)(), commands: earlyCommands(state) }),
      (trace) =>
        watchStore(ctx.emit, state, async () =>
          commitState(opts, writeContextFor(ctx.write, trace), state, context, trace),
        ),
      (trace, result) => {
        traceEnd(trace, state);
        trace.setCookie = result.setCookie !== undefined;
      },
    );
  }

  const factory: Sessions<Data> = {
    cookieName: opts.cookie.name,
    users: userSessions({
      store: ctx.write.store,
      serializer: opts.serializer,
      stampLife: stampLifeOf(opts),
      emit: ctx.emit,
    }),

    load(header) {
      return traced(
        loadChannel,
        traceContext("load", opts.cookie.name),
        (trace) =>
          loadState(loadContextFor(ctx.load, trace), header, nowSeconds()).then(
            (state) => new Session<Data>(state, engine),
            (error: unknown) => tellStoreError(ctx.emit, null, error),
          ),
        (trace, session) => traceEnd(trace, stateOf(session)),
      );
    },

    commit(session, context = {}) {
      try {
        return Promise.resolve(commitSession(session, context));
      } catch (error) {
        return Promise.reject(error);
      }
    },
  };
  immediateCommits.set(factory, commitSession);
  return factory;
}
