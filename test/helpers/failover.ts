import { expect, it } from "vitest";
import { StoreError } from "../../src/index.js";
import { failures, loop, type RequestRecord, type SessionBook, timed } from "./session-traffic.js";

/** How a failover went, for the checks to read once it is over. */
export interface FailoverRun<K extends string> {
  /** From the kill until `recovered()` resolved. */
  failoverMs: number;
  /** Each client's requests, from the kill until a while after the recovery. */
  during: Map<K, RequestRecord[]>;
}

/**
 * Kills a primary with `kill()` and keeps traffic going on every book until `lingerMs(kind)` after
 * `recovered()` resolves: reads of that book's `cookies` in turn alternating with new sessions, 20 ms apart
 * (at most 2000 requests or `maxMs`). Resolves once the traffic has stopped and the recovery is done.
 */
export async function runFailover<K extends string>(
  books: ReadonlyMap<K, SessionBook>,
  cookies: ReadonlyMap<K, readonly string[]>,
  options: {
    kill: () => Promise<unknown>;
    recovered: () => Promise<unknown>;
    lingerMs: (kind: K) => number;
    maxMs: number;
  },
): Promise<FailoverRun<K>> {
  const run: FailoverRun<K> = { failoverMs: 0, during: new Map() };
  const killedAt = Date.now();
  await options.kill();
  let recovered = false;
  const recovery = options.recovered().then(() => {
    run.failoverMs = Date.now() - killedAt;
    recovered = true;
  });
  await Promise.all(
    [...books].map(async ([kind, book]) => {
      const own = cookies.get(kind) ?? [];
      let recoveredSince = 0;
      const records = await loop(
        (i) =>
          i % 2 === 0
            ? timed("read", () => book.read(own[(i / 2) % own.length] as string))
            : timed("new", () => book.create()),
        {
          stop: () => {
            if (!recovered) return false;
            recoveredSince ||= Date.now();
            return Date.now() - recoveredSince > options.lingerMs(kind);
          },
          maxRequests: 2000,
          maxMs: options.maxMs,
          pauseMs: 20,
        },
      );
      run.during.set(kind, records);
    }),
  );
  await recovery;
  return run;
}

/**
 * Registers, inside a `describe` for one client, the checks on that client's share of a failover: every
 * request settled within `boundMs`, the failed ones with a `StoreError`, and (when `recovers`, the default)
 * the sessions written before the kill are served again afterwards.
 */
export function checkFailoverTraffic(
  share: () => { records: readonly RequestRecord[]; book: SessionBook; before: readonly string[] },
  options: { boundMs: number; recovers?: boolean },
): void {
  it("settles every request within the timeouts during the failover", () => {
    const { records } = share();
    expect(records.length).toBeGreaterThan(2);
    const slow = records
      .filter((r) => r.ms > options.boundMs)
      .map((r) => `${r.kind}: ${Math.round(r.ms)} ms`);
    expect(slow).toEqual([]);
  });

  it("fails the requests it cannot serve with a StoreError", () => {
    const errors = share()
      .records.map((r) => r.error)
      .filter((e) => e !== undefined);
    expect(errors.length).toBeGreaterThan(0);
    for (const error of errors) expect(error).toBeInstanceOf(StoreError);
  });

  it.runIf(options.recovers ?? true)(
    "reads every session written before the kill and writes new ones once the replica is promoted",
    async () => {
      const { records, book, before } = share();
      expect(failures(records.slice(-10))).toEqual([]);
      await book.revisit(before);
    },
  );
}
