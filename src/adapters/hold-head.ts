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
 */
export function holdHead(
  res: ServerResponse,
  beforeHead: () => Promise<void>,
  onError: (error: unknown) => void,
): void {
  const target = res as unknown as Record<HeadMethod, unknown>;
  // Own properties (another holder's) are put back; prototype methods are uncovered by deleting ours.
  const originals = new Map<HeadMethod, unknown>();
  const held: HeldCall[] = [];
  let started = false;

  function restore(): void {
    for (const method of HEAD_METHODS) {
      if (originals.has(method)) target[method] = originals.get(method);
      else delete target[method];
    }
  }

  function release(): void {
    restore();
    try {
      for (const { method, args } of held) {
        (res[method] as (...a: unknown[]) => unknown).apply(res, args);
      }
    } catch (error) {
      // The handler's own misuse (e.g. write after end) surfaces here, after its stack is gone.
      res.destroy(error instanceof Error ? error : new Error(String(error)));
    }
  }

  function fail(error: unknown): void {
    restore();
    onError(error);
  }

  for (const method of HEAD_METHODS) {
    if (Object.hasOwn(res, method)) originals.set(method, target[method]);
    target[method] = function holding(...args: unknown[]): unknown {
      held.push({ method, args });
      if (!started) {
        started = true;
        void beforeHead().then(release, fail);
      }
      return method === "write" ? true : res;
    };
  }
}
