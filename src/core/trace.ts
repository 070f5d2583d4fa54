import { type TracingChannel, tracingChannel } from "node:diagnostics_channel";
import { performance } from "node:perf_hooks";
import type { ForeignKeys, SessionStore, UserIndexStore } from "./store.js";

/** One store command sent during a traced load or commit: the store method, its duration, whether it failed. */
export interface TracedCommand {
  readonly command: string;
  readonly ms: number;
  readonly failed: boolean;
}

/**
 * The context object of the `sessile:load` and `sessile:commit` tracing channels (start, end,
 * asyncStart, asyncEnd, error). Filled while the operation runs; read it at `asyncEnd`. Never an id, a
 * cookie value or a secret.
 */
export interface TraceContext {
  readonly operation: "load" | "commit";
  readonly cookieName: string;
  /** The store commands sent, in the order they were sent. */
  readonly commands: TracedCommand[];
  /** The session's handle when the operation ended (`null`: none). */
  handle: string | null;
  /** The bound user id, `null` when unbound. */
  userId: string | null;
  /** load: `"loaded"`, `"none"` (no cookie) or the reason the presented session was not used. */
  outcome?: string;
  /** commit: the write carried out (`none`, `create`, `update`, `rotate`, `destroy`). */
  write?: string;
  /** commit: the stored expiry was extended by an update. */
  refreshed?: boolean;
  /** commit: bytes of the payload written, when one was. */
  payloadBytes?: number;
  /** commit: a `Set-Cookie` is sent. */
  setCookie?: boolean;
  /** Set by the channel on failure. */
  error?: unknown;
}

export const loadChannel: TracingChannel<unknown, TraceContext> = tracingChannel("sessile:load");
export const commitChannel: TracingChannel<unknown, TraceContext> = tracingChannel("sessile:commit");

/**
 * Runs `run` traced on `channel` when anyone subscribes, handing it the context to fill; otherwise runs
 * it with `undefined` (no context, no timing: the cost of a check). The context is passed, not kept in
 * an `AsyncLocalStorage`, so subscribing turns on no async hooks for the whole process.
 */
export function traced<T>(
  traceOn: typeof loadChannel,
  make: () => TraceContext,
  run: (trace: TraceContext | undefined) => Promise<T>,
  finish: (context: TraceContext, result: T) => void,
): Promise<T> {
  if (!traceOn.hasSubscribers) return run(undefined);
  const context = make();
  return traceOn.tracePromise(async () => {
    const result = await run(context);
    finish(context, result);
    return result;
  }, context);
}

/** Commands sent by `invalidate()` or `save()` during the handler, kept for the commit's trace. */
const early = new WeakMap<object, TracedCommand[]>();

/**
 * A store operation of the handler (`invalidate()`, `save()`): when the commit is traced, its commands
 * are timed and kept for the commit's context, so that carries every command of the request after the
 * load. `run` gets the trace to time its commands into, or `undefined`.
 */
export function tracedEarly<T>(
  owner: object,
  cookieName: string,
  run: (trace: TraceContext | undefined) => Promise<T>,
): Promise<T> {
  if (!commitChannel.hasSubscribers) return run(undefined);
  let commands = early.get(owner);
  if (commands === undefined) {
    commands = [];
    early.set(owner, commands);
  }
  return run({ operation: "commit", cookieName, commands, handle: null, userId: null });
}

/** The commands `owner` sent before its commit (see {@link tracedEarly}), taken once. */
export function earlyCommands(owner: object): TracedCommand[] {
  const commands = early.get(owner) ?? [];
  early.delete(owner);
  return commands;
}

/** Times one store command into `trace`. */
function timed<T>(trace: TraceContext, command: string, send: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const record = (failed: boolean) =>
    trace.commands.push({ command, ms: performance.now() - started, failed });
  return send().then(
    (value) => {
      record(false);
      return value;
    },
    (error: unknown) => {
      record(true);
      throw error;
    },
  );
}

function timedUsers(users: UserIndexStore, trace: TraceContext): UserIndexStore {
  return {
    updateIndex: (key, update) => timed(trace, "updateIndex", () => users.updateIndex(key, update)),
    readIndex: (key, now) => timed(trace, "readIndex", () => users.readIndex(key, now)),
    removeFromIndex: (key, members) =>
      timed(trace, "removeFromIndex", () => users.removeFromIndex(key, members)),
    stampIndex: (key, stamp, life) => timed(trace, "stampIndex", () => users.stampIndex(key, stamp, life)),
  };
}

/**
 * `store` with each command timed into `trace`, for one traced operation; `store` itself when
 * `trace` is `undefined` (nothing subscribes).
 */
export function timedStore(store: SessionStore, trace: TraceContext | undefined): SessionStore {
  if (trace === undefined) return store;
  const users = store.users === undefined ? undefined : timedUsers(store.users, trace);
  const policy = store.evictionPolicy?.bind(store);
  const legacy = store.foreign;
  const foreign: ForeignKeys | undefined = legacy && {
    get: (key) => timed(trace, "foreign-get", () => legacy.get(key)),
    destroy: (key) => timed(trace, "foreign-destroy", () => legacy.destroy(key)),
  };
  return {
    get: (key) => timed(trace, "get", () => store.get(key)),
    create: (key, value, ttl) => timed(trace, "create", () => store.create(key, value, ttl)),
    update: (key, value, ttl, expected) =>
      timed(trace, "update", () => store.update(key, value, ttl, expected)),
    destroy: (key) => timed(trace, "destroy", () => store.destroy(key)),
    take: (key) => timed(trace, "take", () => store.take(key)),
    replace: (oldKey, newKey, value, ttl, marker, markerTtl) =>
      timed(trace, "replace", () => store.replace(oldKey, newKey, value, ttl, marker, markerTtl)),
    ...(policy === undefined ? {} : { evictionPolicy: policy }),
    ...(users === undefined ? {} : { users }),
    ...(foreign === undefined ? {} : { foreign }),
  };
}
