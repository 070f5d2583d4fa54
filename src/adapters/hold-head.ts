import type { ServerResponse } from "node:http";

type HeadMethod = "writeHead" | "write" | "end" | "flushHeaders";
const HEAD_METHODS: readonly HeadMethod[] = ["writeHead", "write", "end", "flushHeaders"];

interface HeldCall {
  method: HeadMethod;
  args: unknown[];
}

/**
 * Holds a `node:http` response at its first head-producing call (`writeHead`, `write`, `end`,
 * `flushHeaders`) until `beforeHead` has settled, then replays the held calls in order. This is how a
 * session write lands before the client can see the response (the redirect-after-login race).
 *
 * `beforeHead` may set headers. When it rejects, the held calls are dropped and `onError` answers the
 * request instead (the response head is still unsent).
 *
 * It composes with other response-patching middleware (such as `compression`) in either order: it
 * wraps whatever the four names resolve to when it is installed, and puts exactly that back.
 */
export class HeadHold {
  readonly #res: ServerResponse;
  readonly #beforeHead: () => Promise<void>;
  readonly #onError: (error: unknown) => void;
  // What each name resolved to before (the prototype's method, or another holder's), put back as an own
  // property: deleting ours instead would drop the response object into slow dictionary mode.
  readonly #originals: unknown[];
  readonly #held: HeldCall[] = [];
  #started = false;

  constructor(res: ServerResponse, beforeHead: () => Promise<void>, onError: (error: unknown) => void) {
    this.#res = res;
    this.#beforeHead = beforeHead;
    this.#onError = onError;
    const target = res as unknown as Record<HeadMethod, unknown>;
    this.#originals = HEAD_METHODS.map((method) => target[method]);
    for (const method of HEAD_METHODS) {
      target[method] = (...args: unknown[]): unknown => this.#hold(method, args);
    }
  }

  #hold(method: HeadMethod, args: unknown[]): unknown {
    const res = this.#res;
    this.#held.push({ method, args: method === "writeHead" ? absorbWriteHead(res, args) : args });
    if (!this.#started) {
      this.#started = true;
      this.#beforeHead().then(
        () => this.#release(),
        (error: unknown) => this.#fail(error),
      );
    }
    return method === "write" ? true : res;
  }

  #restore(): void {
    const target = this.#res as unknown as Record<HeadMethod, unknown>;
    HEAD_METHODS.forEach((method, i) => {
      target[method] = this.#originals[i];
    });
  }

  #release(): void {
    this.#restore();
    const res = this.#res;
    try {
      for (const { method, args } of this.#held) {
        (res[method] as (...a: unknown[]) => unknown).apply(res, args);
      }
    } catch (error) {
      // The handler's own misuse (e.g. write after end) surfaces here, after its stack is gone.
      res.destroy(error instanceof Error ? error : new Error(String(error)));
    }
  }

  #fail(error: unknown): void {
    this.#restore();
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
