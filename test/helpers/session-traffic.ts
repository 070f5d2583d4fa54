import { createSessions, type Session, type SessionStore, type Sessions } from "../../src/index.js";
import { cookiePair, SECRET } from "./sessions.js";

/** One request's outcome: how long it took to settle and, when it failed, why. */
export interface RequestRecord {
  readonly kind: "read" | "write" | "new";
  readonly ms: number;
  readonly error: unknown;
}

/**
 * Sessions written through the core (`load` + `commit`, as an adapter would), each with the data the
 * test expects to read back.
 */
export class SessionBook {
  readonly sessions: Sessions;
  /** Cookie pair → the `views` count last acknowledged. */
  readonly expected: Map<string, number>;

  /** `expected` may be another book's, to read the same sessions through another client. */
  constructor(store: SessionStore, expected: Map<string, number> = new Map()) {
    this.sessions = createSessions({ store, secret: SECRET });
    this.expected = expected;
  }

  /** A new visitor who writes: one `SET NX EX`. Resolves with the cookie to send back. */
  async create(views = 1): Promise<string> {
    const s = await this.sessions.load(undefined);
    s.data.views = views;
    const cookie = cookiePair((await this.sessions.commit(s)).setCookie);
    this.expected.set(cookie, views);
    return cookie;
  }

  /** The session's id, for working out its key. */
  async idOf(cookie: string): Promise<string> {
    const s = await this.sessions.load(cookie);
    if (s.id === null || s.isNew) throw new Error("no stored session for this cookie");
    return s.id;
  }

  /** A returning read: one `GET`; rejects if the data is not what was last acknowledged. */
  async read(cookie: string): Promise<void> {
    const { s } = await this.#load(cookie);
    await this.sessions.commit(s);
  }

  /** A returning write: `GET`, then `SET XX EX` with `views` one higher. */
  async write(cookie: string): Promise<void> {
    const { s, want } = await this.#load(cookie);
    s.data.views = (want ?? 0) + 1;
    const result = await this.sessions.commit(s);
    if (result.setCookie?.includes("Max-Age=0")) throw new Error("session vanished during the write");
    this.expected.set(cookie, (want ?? 0) + 1);
  }

  /** Loads the session; rejects if its data is not what was last acknowledged. */
  async #load(cookie: string): Promise<{ s: Session; want: number | undefined }> {
    const s = await this.sessions.load(cookie);
    const want = this.expected.get(cookie);
    if (s.isNew || s.data.views !== want) {
      throw new Error(
        `session lost or stale: expected views=${want}, got ${s.isNew ? "a new session" : s.data.views}`,
      );
    }
    return { s, want };
  }

  /**
   * Reads every session in `cookies`, then writes each, then creates and reads a new one; rejects on the
   * first one lost or stale.
   */
  async revisit(cookies: readonly string[]): Promise<void> {
    for (const cookie of cookies) await this.read(cookie);
    for (const cookie of cookies) await this.write(cookie);
    await this.read(await this.create());
  }
}

/** Anything that records commands and hands them over with `take()`, such as a `CommandLog`. */
interface Drainable {
  take(): Promise<unknown>;
}

/** Creates a session in `book`, then drains `log`, so the test counts only the commands that follow. */
export async function written(book: SessionBook, log: Drainable): Promise<string> {
  const cookie = await book.create();
  await log.take();
  return cookie;
}

/** Times one request and records how it settled; never rejects. */
export async function timed(
  kind: RequestRecord["kind"],
  request: () => Promise<unknown>,
): Promise<RequestRecord> {
  const start = performance.now();
  try {
    await request();
    return { kind, ms: performance.now() - start, error: undefined };
  } catch (error) {
    return { kind, ms: performance.now() - start, error };
  }
}

/**
 * Runs `next` (one request per call) back to back until `stop()` says so, `maxRequests` have run, or
 * `maxMs` has passed: a bounded loop that always ends.
 */
export async function loop(
  next: (i: number) => Promise<RequestRecord>,
  options: { stop: () => boolean; maxRequests: number; maxMs: number; pauseMs?: number },
): Promise<RequestRecord[]> {
  const records: RequestRecord[] = [];
  const deadline = Date.now() + options.maxMs;
  for (let i = 0; i < options.maxRequests && Date.now() < deadline && !options.stop(); i++) {
    records.push(await next(i));
    if (options.pauseMs) await new Promise((r) => setTimeout(r, options.pauseMs));
  }
  return records;
}

/** A short description of the failures among `records`, for assertion messages. */
export function failures(records: readonly RequestRecord[]): string[] {
  return records
    .filter((r) => r.error !== undefined)
    .map(
      (r) =>
        `${r.kind} after ${Math.round(r.ms)} ms: ${r.error instanceof Error ? r.error.message : String(r.error)}`,
    );
}
