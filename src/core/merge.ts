import type { SessionRecord } from "./payload.js";

/** The fields besides `data` that a merge can find both requests changed. */
export type MergedSetting = "csrf" | "timeout" | "cookieMaxAge" | "user";

/** A three-way merge of one request's session onto a newer stored one. */
export interface MergeResult {
  readonly record: SessionRecord;
  /** Top-level `data` keys both requests changed to different values; this request's value was kept. */
  readonly keys: readonly string[];
  /** Settings both requests changed to different values; this request's value was kept. */
  readonly settings: readonly MergedSetting[];
}

type Json = unknown;

const NONE: ReadonlySet<string> = new Set();

/** A record's own value for `key`; never one inherited from Object.prototype ("toString"). */
function own<T>(record: Record<string, T> | undefined, key: string): T | undefined {
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}

function same(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * One field, three-way: what only one side changed is kept; a field both changed to different values
 * takes `mine` and is reported. `undefined` means absent, so a deletion is a change like any other.
 */
function pick<T>(base: T, mine: T, theirs: T): { value: T; clash: boolean } {
  const mineChanged = !same(mine, base);
  if (!mineChanged) return { value: theirs, clash: false };
  return { value: mine, clash: !same(theirs, base) && !same(theirs, mine) };
}

function mergeData(
  base: Record<string, unknown>,
  mine: Record<string, unknown>,
  theirs: Record<string, unknown>,
): { data: Record<string, unknown>; keys: string[] } {
  const data: Record<string, unknown> = {};
  const keys: string[] = [];
  for (const key of new Set([...Object.keys(theirs), ...Object.keys(mine), ...Object.keys(base)])) {
    const { value, clash } = pick(own(base, key), own(mine, key), own(theirs, key));
    if (clash) keys.push(key);
    if (value !== undefined) data[key] = value;
  }
  return { data, keys };
}

/** How many leading messages of `queue` are exactly `base`'s (the ones nobody popped), else 0. */
function keptPrefix(base: readonly unknown[], queue: readonly unknown[]): number {
  if (queue.length < base.length) return 0;
  for (let i = 0; i < base.length; i++) if (!same(base[i], queue[i])) return 0;
  return base.length;
}

/**
 * Flash queues merge as queues: a message either side added is kept (theirs first, then mine); a
 * message either side popped stays popped. A side that no longer starts with the base's messages popped
 * the queue (`popFlash` takes a whole queue).
 */
function mergeFlash(
  base: Record<string, unknown[]> | undefined,
  mine: Record<string, unknown[]> | undefined,
  theirs: Record<string, unknown[]> | undefined,
  minePopped: ReadonlySet<string>,
): Record<string, unknown[]> | undefined {
  const out: Record<string, unknown[]> = {};
  for (const queue of new Set([
    ...Object.keys(theirs ?? {}),
    ...Object.keys(mine ?? {}),
    ...Object.keys(base ?? {}),
  ])) {
    const b = own(base, queue) ?? [];
    const m = own(mine, queue) ?? [];
    const t = own(theirs, queue) ?? [];
    // This request knows what it popped; the other side's pops show as a queue that no longer starts
    // with the base's messages (a pop and an identical push are indistinguishable, and equivalent).
    const mineKept = minePopped.has(queue) ? 0 : keptPrefix(b, m);
    const theirsKept = keptPrefix(b, t);
    const survivors = mineKept === b.length && theirsKept === b.length ? b : [];
    const messages = [...survivors, ...t.slice(theirsKept), ...m.slice(mineKept)];
    if (messages.length > 0) out[queue] = messages;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * Merges this request's session (`mine`) onto the newer stored one (`theirs`), with what this request
 * read as the base; `minePopped` names the flash queues this request popped. Data merges by top-level key; flash queues as queues; the CSRF token, the session's
 * own timeout and cookie Max-Age like data keys. The creation time is the stored one, the expiry the
 * later of the two (so neither request shortens what the other extended), the revision the next one.
 */
export function mergeRecords(
  base: SessionRecord,
  mine: SessionRecord,
  theirs: SessionRecord,
  minePopped: ReadonlySet<string> = NONE,
): MergeResult {
  const { data, keys } = mergeData(base.data, mine.data, theirs.data);
  const settings: MergedSetting[] = [];
  const field = <T>(name: MergedSetting, b: T, m: T, t: T): T => {
    const { value, clash } = pick(b, m, t);
    if (clash) settings.push(name);
    return value;
  };
  const timeout = field("timeout", base.timeout, mine.timeout, theirs.timeout);
  // The writer clamps this to now + timeout, so a shortened timeout cannot leave a later expiry behind.
  const expires = timeout === null ? null : Math.max(mine.expires ?? 0, theirs.expires ?? 0) || null;
  return {
    record: {
      revision: theirs.revision + 1,
      createdAt: theirs.createdAt,
      timeout,
      expires,
      data,
      flash: mergeFlash(base.flash, mine.flash, theirs.flash, minePopped),
      csrf: field("csrf", base.csrf, mine.csrf, theirs.csrf),
      cookieAge: field("cookieMaxAge", base.cookieAge, mine.cookieAge, theirs.cookieAge),
      user: field("user", base.user, mine.user, theirs.user),
    },
    keys,
    settings,
  };
}
