import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { mergeRecords } from "../src/core/merge.js";
import type { SessionRecord } from "../src/core/payload.js";
import { configureProperties, runs } from "./helpers/properties.js";

configureProperties();

type Data = Record<string, unknown>;

/** A change to one top-level key: a new value, or a deletion. */
type Change = { key: string; value: unknown } | { key: string; deleted: true };

const key = fc.constantFrom("a", "b", "c", "d", "e", "cart", "user", "toString");
const value = fc.jsonValue({ maxDepth: 3 });
const data = fc.dictionary(key, value, { maxKeys: 6 });
const changes = fc.array(
  fc.oneof(fc.record({ key, value }), fc.record({ key, deleted: fc.constant(true as const) })),
  { maxLength: 5 },
);

function apply(base: Data, list: readonly Change[]): Data {
  const out = structuredClone(base);
  for (const change of list) {
    if ("deleted" in change) delete out[change.key];
    else out[change.key] = structuredClone(change.value);
  }
  return out;
}

function record(d: Data, extra: Partial<SessionRecord> = {}): SessionRecord {
  return {
    revision: 1,
    createdAt: 1_900_000_000,
    timeout: 1200,
    expires: 1_900_001_200,
    data: d,
    flash: undefined,
    csrf: undefined,
    cookieAge: undefined,
    ...extra,
  };
}

const json = (v: unknown) => JSON.stringify(v);
const same = (a: unknown, b: unknown) => json(a) === json(b);
const own = (d: Data, k: string) => (Object.hasOwn(d, k) ? d[k] : undefined);

describe("mergeRecords(base, mine, theirs)", () => {
  it("keeps every change of both sides; a key both changed differently takes mine and is reported", () => {
    fc.assert(
      fc.property(data, changes, changes, (base, mineChanges, theirChanges) => {
        const mine = apply(base, mineChanges);
        const theirs = apply(base, theirChanges);
        const { record: merged, keys } = mergeRecords(record(base), record(mine), record(theirs));
        for (const k of new Set([...Object.keys(base), ...Object.keys(mine), ...Object.keys(theirs)])) {
          const [b, m, t, r] = [own(base, k), own(mine, k), own(theirs, k), own(merged.data, k)];
          const mineChanged = !same(m, b);
          const theirsChanged = !same(t, b);
          if (mineChanged) expect(same(r, m), `key ${k}: this request's change is kept`).toBe(true);
          else expect(same(r, t), `key ${k}: the other request's change (or the base) is kept`).toBe(true);
          const clash = mineChanged && theirsChanged && !same(m, t);
          expect(keys.includes(k), `key ${k} reported only when both changed it differently`).toBe(clash);
          // A key this request deleted stays deleted; a key it did not touch is never brought back.
          if (mineChanged && m === undefined) expect(Object.hasOwn(merged.data, k)).toBe(false);
          if (!mineChanged && t === undefined) expect(Object.hasOwn(merged.data, k)).toBe(false);
        }
      }),
      { numRuns: runs(2000) },
    );
  });

  it("is the other side's session when this request changed nothing, and this one's when the other did", () => {
    fc.assert(
      fc.property(data, changes, (base, list) => {
        const changed = apply(base, list);
        expect(mergeRecords(record(base), record(base), record(changed)).record.data).toEqual(changed);
        expect(mergeRecords(record(base), record(changed), record(base)).record.data).toEqual(changed);
      }),
      { numRuns: runs(500) },
    );
  });

  it("merges flash queues as queues: messages added on either side kept, popped ones stay popped", () => {
    const message = fc.string({ maxLength: 4 });
    const queues = fc.dictionary(
      fc.constantFrom("", "alerts", "toString"),
      fc.array(message, { minLength: 1, maxLength: 3 }),
      {
        maxKeys: 2,
      },
    );
    // Each side pops some queues (popFlash takes a whole queue) and pushes messages.
    const side = fc.record({
      pops: fc.subarray(["", "alerts", "toString"]),
      pushes: fc.array(fc.record({ queue: fc.constantFrom("", "alerts", "toString"), message }), {
        maxLength: 3,
      }),
    });
    fc.assert(
      fc.property(queues, side, side, (base, mineOps, theirOps) => {
        const act = (ops: typeof mineOps): Record<string, string[]> => {
          const out = structuredClone(base) as Record<string, string[]>;
          for (const q of ops.pops) delete out[q];
          for (const { queue, message: m } of ops.pushes) {
            out[queue] = [...(Object.hasOwn(out, queue) ? (out[queue] as string[]) : []), m];
          }
          return out;
        };
        const mine = act(mineOps);
        const theirs = act(theirOps);
        // The one documented limit: the other request's pop followed by pushes that start with the very
        // messages it popped looks, in its stored queue, exactly like no pop at all.
        const startsWithBase = (q: string) =>
          Object.hasOwn(base, q) &&
          Object.hasOwn(theirs, q) &&
          json(theirs[q]?.slice(0, (base[q] as string[]).length)) === json(base[q]);
        fc.pre(!theirOps.pops.some(startsWithBase));
        const empty = (f: Record<string, string[]>) => (Object.keys(f).length > 0 ? f : undefined);
        const merged =
          mergeRecords(
            record({}, { flash: empty(base) }),
            record({}, { flash: empty(mine) }),
            record({}, { flash: empty(theirs) }),
            new Set(mineOps.pops.filter((q) => Object.hasOwn(base, q))),
          ).record.flash ?? {};
        for (const q of ["", "alerts", "toString"]) {
          const popped = mineOps.pops.includes(q) || theirOps.pops.includes(q);
          const kept = popped || !Object.hasOwn(base, q) ? [] : (base[q] as string[]);
          const added = (ops: typeof mineOps) =>
            ops.pushes.filter((p) => p.queue === q).map((p) => p.message);
          const expected = [...kept, ...added(theirOps), ...added(mineOps)];
          expect(Object.hasOwn(merged, q) ? merged[q] : [], `queue "${q}"`).toEqual(expected);
        }
      }),
      { numRuns: runs(1000) },
    );
  });

  it("takes the stored creation time, the later expiry and the next revision", () => {
    const { record: merged, settings } = mergeRecords(
      record({}, { revision: 4, expires: 1_900_001_200 }),
      record({ a: 1 }, { revision: 5, expires: 1_900_001_250 }),
      record({ b: 1 }, { revision: 7, expires: 1_900_001_300, createdAt: 1_899_999_999 }),
    );
    expect(merged).toMatchObject({ revision: 8, expires: 1_900_001_300, createdAt: 1_899_999_999 });
    expect(merged.data).toEqual({ a: 1, b: 1 });
    expect(settings).toEqual([]);
  });

  it("treats the CSRF token and the timeouts like data keys, reporting a clash", () => {
    const base = record({}, { csrf: "t0", timeout: 1200 });
    const { record: merged, settings } = mergeRecords(
      base,
      record({}, { csrf: "mine", timeout: 1200 }),
      record({}, { csrf: "theirs", timeout: 86400, cookieAge: 86400 }),
    );
    expect(merged).toMatchObject({ csrf: "mine", timeout: 86400, cookieAge: 86400 });
    expect(settings).toEqual(["csrf"]);
  });
});
