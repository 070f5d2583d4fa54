import { ServerResponse } from "node:http";

type HeadMethod = "writeHead" | "write" | "end" | "flushHeaders";
const HEAD_METHODS: readonly HeadMethod[] = ["writeHead", "write", "end", "flushHeaders"];

interface HeldCall {
  method: HeadMethod;
  /** Position of `method` in `HEAD_METHODS`. */
  index: number;
  args: unknown[];
}

/**
 * Where a hold stands: `"waiting"` for the first head-producing call, `"holding"` calls while the commit
 * runs, `"releasing"` them in order, then `"passing"` every later call straight through.
 */
type HoldPhase = "waiting" | "holding" | "releasing" | "passing";

type HeadFunction = (this: ServerResponse, ...args: unknown[]) => unknown;

/** The holds of responses held through the prototype hooks, by response. */
const holdsByResponse = new WeakMap<ServerResponse, HeadHold>();

/** What `ServerResponse.prototype` had under the four names before the hooks, once they are installed. */
let prototypeOriginals: readonly HeadFunction[] | undefined;

/**
 * Installs, once per process, a hook under each of the four names on `ServerResponse.prototype` that
 * hands a held response's call to its hold and passes every other call straight on (one `WeakMap`
 * lookup). Holding a response then adds no property to it: Express swaps every response's prototype,
 * and on such an object each added property costs microseconds (about 25 µs per request for four).
 */
function hookServerResponse(): readonly HeadFunction[] {
  if (prototypeOriginals) return prototypeOriginals;
  const proto = ServerResponse.prototype as unknown as Record<HeadMethod, HeadFunction>;
  const originals = HEAD_METHODS.map((method) => proto[method]);
  HEAD_METHODS.forEach((method, index) => {
    const original = originals[index] as HeadFunction;
    proto[method] = function sessileHeadHook(this: ServerResponse, ...args: unknown[]): unknown {
      const hold = holdsByResponse.get(this);
      return hold === undefined ? original.apply(this, args) : hold.intercept(method, index, args);
    };
  });
  prototypeOriginals = originals;
  return originals;
}

/** Whether something already put one of the four names on `res` itself (e.g. `compression` before us). */
function patchedOnInstance(res: ServerResponse): boolean {
  return HEAD_METHODS.some((method) => Object.hasOwn(res, method));
}

/**
 * Holds a `node:http` response at its first head-producing call (`writeHead`, `write`, `end`,
 * `flushHeaders`) until `beforeHead` has settled, then replays the held calls in order. This is how a
 * session write lands before the client can see the response (the redirect-after-login race).
 *
 * `beforeHead` may set headers. When it has nothing to wait for it returns `undefined` and the call goes
 * through at once. When it throws or rejects, the held calls are dropped and `onError` answers the
 * request instead (the response head is still unsent).
 *
 * It composes with other response-patching middleware (such as `compression`) in either order. On a
 * `ServerResponse` that nobody patched yet it holds through hooks on the prototype (see
 * {@link hookServerResponse}), so a wrapper installed later still reaches it. Otherwise it wraps whatever
 * the four names resolve to when it is installed; once done it puts that back only where nobody has
 * wrapped it since, and otherwise passes later calls (a compressor's late chunks) through.
 */
export class HeadHold {
  readonly #res: ServerResponse;
  readonly #beforeHead: () => Promise<void> | undefined;
  readonly #onError: (error: unknown) => void;
  // What each name resolved to before (the prototype's method, or another holder's); in instance mode put
  // back as an own property: deleting ours instead would drop the response into slow dictionary mode.
  readonly #originals: readonly ((...args: unknown[]) => unknown)[];
  /** The own-property holders (instance mode), or `null` when the prototype hooks hold this response. */
  readonly #holders: ((...args: unknown[]) => unknown)[] | null;
  readonly #held: HeldCall[] = [];
  #phase: HoldPhase = "waiting";

  constructor(
    res: ServerResponse,
    beforeHead: () => Promise<void> | undefined,
    onError: (error: unknown) => void,
  ) {
    this.#res = res;
    this.#beforeHead = beforeHead;
    this.#onError = onError;
    // Prototype mode when nothing patched the instance yet and no other hold (a second factory's) uses the
    // hooks for it: a wrapper added later resolves the name to the hook and so reaches the hold. Otherwise
    // wrap what the names resolve to now, as own properties.
    if (res instanceof ServerResponse && !patchedOnInstance(res) && !holdsByResponse.has(res)) {
      this.#originals = hookServerResponse();
      this.#holders = null;
      holdsByResponse.set(res, this);
      return;
    }
    const target = res as unknown as Record<HeadMethod, (...args: unknown[]) => unknown>;
    this.#originals = HEAD_METHODS.map((method) => target[method]);
    const holders = HEAD_METHODS.map(
      (method, i) =>
        (...args: unknown[]) =>
          this.intercept(method, i, args),
    );
    this.#holders = holders;
    HEAD_METHODS.forEach((method, i) => {
      target[method] = holders[i] as (...args: unknown[]) => unknown;
    });
  }

  /**
   * A head-producing call on the held response: held until the commit settles, then passed on. A commit
   * that settles at once (it sent nothing to the store) lets the call through in the same tick.
   */
  intercept(method: HeadMethod, index: number, args: unknown[]): unknown {
    const res = this.#res;
    if (this.#phase === "passing") return this.#pass(index, args);
    const call = method === "writeHead" ? absorbWriteHead(res, args) : args;
    if (this.#phase === "waiting") {
      this.#phase = "holding";
      let pending: Promise<void> | undefined;
      try {
        pending = this.#beforeHead();
      } catch (error) {
        pending = Promise.reject(error);
      }
      if (pending === undefined) {
        this.#restore();
        this.#phase = "passing";
        return this.#pass(index, call);
      }
      pending.then(
        () => this.#release(),
        (error: unknown) => this.#fail(error),
      );
    }
    this.#held.push({ method, index, args: call });
    return method === "write" ? true : res;
  }

  /** Calls what the name at `index` resolved to before this hold. */
  #pass(index: number, args: unknown[]): unknown {
    return (this.#originals[index] as (...a: unknown[]) => unknown).apply(this.#res, args);
  }

  #restore(): void {
    const holders = this.#holders;
    if (holders === null) {
      holdsByResponse.delete(this.#res);
      return;
    }
    const target = this.#res as unknown as Record<HeadMethod, unknown>;
    HEAD_METHODS.forEach((method, i) => {
      if (target[method] === holders[i]) target[method] = this.#originals[i];
    });
  }

  #release(): void {
    this.#restore();
    this.#phase = "releasing";
    const res = this.#res;
    try {
      // Indexed: a call made while replaying (by a wrapper above this hold) joins the end of the queue.
      for (let i = 0; i < this.#held.length; i++) {
        const { method, index, args } = this.#held[i] as HeldCall;
        // A wrapper that saw no head sent while it was held may have asked for it twice (compression
        // does, from write() and again from end()); unheld, the second call would never have happened.
        if (method === "writeHead" && res.headersSent) continue;
        this.#pass(index, args);
      }
    } catch (error) {
      // The handler's own misuse (e.g. write after end) surfaces here, after its stack is gone.
      res.destroy(error instanceof Error ? error : new Error(String(error)));
    } finally {
      this.#phase = "passing";
    }
  }

  #fail(error: unknown): void {
    this.#restore();
    this.#phase = "passing";
    this.#onError(error);
  }
}

/**
 * Applies `writeHead(status[, reason][, headers])` to `res` now, one `setHeader` per name as Node does
 * once headers were set, and returns what is left to replay. Without this, `beforeHead` would judge the
 * response by a stale status (a `writeHead(500)` would not count as failed), `allowCookie` would not see
 * these headers, and on replay they would replace the `Set-Cookie` and `Vary` that `beforeHead` added.
 */
function absorbWriteHead(res: ServerResponse, args: unknown[]): unknown[] {
  const [status, reason, headers] = args;
  if (typeof status !== "number" || !Number.isInteger(status) || status < 100 || status > 999) return args;
  const fields = typeof reason === "string" ? headers : reason;
  res.statusCode = status;
  if (Array.isArray(fields)) {
    // A flat [name, value, name, value] list may repeat a name (several Set-Cookie): keep every value.
    const grouped = new Map<string, { name: string; values: string[] }>();
    for (let i = 0; i + 1 < fields.length; i += 2) {
      const name = String(fields[i]);
      const entry = grouped.get(name.toLowerCase()) ?? { name, values: [] };
      entry.values.push(String(fields[i + 1]));
      grouped.set(name.toLowerCase(), entry);
    }
    for (const { name, values } of grouped.values())
      res.setHeader(name, values.length === 1 ? (values[0] as string) : values);
  } else if (typeof fields === "object" && fields !== null) {
    for (const [name, value] of Object.entries(fields)) {
      if (name && value !== undefined) res.setHeader(name, value as string | number | readonly string[]);
    }
  }
  return typeof reason === "string" ? [status, reason] : [status];
}
