import { AsyncLocalStorage } from "node:async_hooks";
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

const current = new AsyncLocalStorage<TraceContext>();

/** The context of the traced operation running, `undefined` when nothing traces. */
export function currentTrace(): TraceContext | undefined {
  return current.getStore();
}

/**
 * Runs `run` traced on `channel` when anyone subscribes; otherwise just runs it (no context, no
 * timing: the cost of a check).
 */
export function traced<T>(
  traceOn: typeof loadChannel,
  make: () => TraceContext,
  run: () => Promise<T>,
  finish: (context: TraceContext, result: T) => void,
): Promise<T> {
  if (!traceOn.hasSubscribers) return run();
  const context = make();
  return traceOn.tracePromise(
    () =>
      current.run(context, async () => {
        const result = await run();
        finish(context, result);
        return result;
      }),
    context,
  );
}

/** Commands sent by `invalidate()` or `save()` during the handler, kept for the commit's trace. */
const early = new WeakMap<object, TracedCommand[]>();

/**
 * Runs a store operation of the handler (`invalidate()`, `save()`) with its commands timed, when the
 * commit is traced, so the commit's context carries every command of the request after the load.
 */
export function tracedEarly<T>(owner: object, cookieName: string, run: () => Promise<T>): Promise<T> {
  if (!commitChannel.hasSubscribers) return run();
  let commands = early.get(owner);
  if (commands === undefined) {
    commands = [];
    early.set(owner, commands);
  }
  const context: TraceContext = { operation: "commit", cookieName, commands, handle: null, userId: null };
  return current.run(context, run);
}

/** The commands `owner` sent before its commit (see {@link tracedEarly}), taken once. */
export function earlyCommands(owner: object): TracedCommand[] {
  const commands = early.get(owner) ?? [];
  early.delete(owner);
  return commands;
}

/** Times one store command into the running trace; untraced, it is the command itself. */
function timed<T>(command: string, send: () => Promise<T>): Promise<T> {
  const trace = current.getStore();
  if (trace === undefined) return send();
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

function timedUsers(users: UserIndexStore): UserIndexStore {
  return {
    updateIndex: (key, update) => timed("updateIndex", () => users.updateIndex(key, update)),
    readIndex: (key, now) => timed("readIndex", () => users.readIndex(key, now)),
    removeFromIndex: (key, members) => timed("removeFromIndex", () => users.removeFromIndex(key, members)),
    stampIndex: (key, stamp, life) => timed("stampIndex", () => users.stampIndex(key, stamp, life)),
  };
}

/** The store with each command timed into the running trace (a pass-through when nothing traces). */
export function timedStore(store: SessionStore): SessionStore {
  const users = store.users === undefined ? undefined : timedUsers(store.users);
  const policy = store.evictionPolicy?.bind(store);
  const legacy = store.foreign;
  const foreign: ForeignKeys | undefined = legacy && {
    get: (key) => timed("foreign-get", () => legacy.get(key)),
    destroy: (key) => timed("foreign-destroy", () => legacy.destroy(key)),
  };
  return {
    get: (key) => timed("get", () => store.get(key)),
    create: (key, value, ttl) => timed("create", () => store.create(key, value, ttl)),
    update: (key, value, ttl, expected) => timed("update", () => store.update(key, value, ttl, expected)),
    destroy: (key) => timed("destroy", () => store.destroy(key)),
    take: (key) => timed("take", () => store.take(key)),
    replace: (oldKey, newKey, value, ttl, marker, markerTtl) =>
      timed("replace", () => store.replace(oldKey, newKey, value, ttl, marker, markerTtl)),
    ...(policy === undefined ? {} : { evictionPolicy: policy }),
    ...(users === undefined ? {} : { users }),
    ...(foreign === undefined ? {} : { foreign }),
  };
}
