import { describe, expect, it } from "vitest";
import { type ResolvedOptions, resolveOptions, type SessionOptions } from "../src/core/options.js";
import { encodePayload } from "../src/core/payload.js";
import { land, mayWrite, planCookie, planWrite, type WritePlan } from "../src/core/plan.js";
import { Session, type SessionEngine } from "../src/core/session.js";
import { freshState, loadedState, recordOf, resetState, type SessionState } from "../src/core/state.js";
import { memoryStore } from "../src/index.js";
import { SECRET } from "./helpers/sessions.js";

// The Redis contract table of DESIGN.md, row by row, decided by the pure plan with no store at all:
// the state a request leaves, the options and the clock give the commands and the cookie.

const NOW = 1_900_000_000;

function options(overrides: Partial<SessionOptions> = {}): ResolvedOptions {
  return resolveOptions({ store: memoryStore(), secret: SECRET, ...overrides });
}

/**
 * What reaches the store besides the load's `GET`: `CAS` is the compare-and-set script (`EVALSHA`),
 * which writes with `EX` unless in LRU mode; a rotation writes the new key and a marker under the old.
 */
function commandsOf(plan: WritePlan, opts: ResolvedOptions): string[] {
  const ex = opts.redisTtl ? " EX" : "";
  switch (plan.kind) {
    case "none":
      return [];
    case "create":
      return [`SET NX${ex}`];
    case "update":
      return [`CAS${ex}`];
    case "rotate":
      return [`SET NX${ex}`, "SET XX GET EX"];
    case "destroy":
      return plan.reason === "emptied" ? ["CAS delete"] : ["DEL"];
  }
}

/** A session as `load()` leaves it for a valid cookie: stored `data`, its expiry set `age` seconds ago. */
function loaded(
  data: Record<string, unknown>,
  opts: ResolvedOptions,
  { age = 10, rotated = false, createdAt = NOW - 100 } = {},
): SessionState {
  const timeout = opts.idleTimeout;
  const expires = timeout === null ? null : NOW - age + timeout;
  const record = {
    revision: 3,
    createdAt,
    timeout,
    expires,
    data,
    flash: undefined,
    csrf: undefined,
    cookieAge: undefined,
  };
  const raw = encodePayload(opts.serializer, record, opts.maxPayloadBytes);
  const stored = { origin: "loaded", key: "old-key", id: "old-id", raw, expires, revision: 3 } as const;
  return loadedState(stored, { ...record, data: structuredClone(data) }, rotated);
}

interface Outcome {
  commands: string[];
  plan: WritePlan;
  cookie: "keep" | "send" | "clear";
  vary: boolean;
}

interface Run {
  opts?: ResolvedOptions;
  /** The store finds the key gone (`SET XX` answers nil, `replace` removed nothing). */
  vanished?: boolean;
  allowed?: boolean;
  suppressed?: boolean;
}

/**
 * Runs a handler on the real `Session` API against `state`, then the commit's pure steps: plan the
 * write, let it land (or vanish), plan the cookie. `invalidate()` records its `GETDEL` and resets the
 * state, which is all the engine does besides the store call.
 */
async function commit(
  state: SessionState,
  handler: (session: Session) => void | Promise<void>,
  { opts = options(), vanished = false, allowed = true, suppressed = false }: Run = {},
): Promise<Outcome> {
  const early: string[] = [];
  const engine: SessionEngine = {
    async invalidate(s) {
      if (s.stored !== null) early.push("GETDEL");
      resetState(s, NOW, opts.idleTimeout, "clear");
    },
    async save() {
      throw new Error("not used in plan tests");
    },
    late() {},
    checkTimeout() {},
    checkBind() {},
  };
  await handler(new Session(state, engine));
  const plan: WritePlan = mayWrite(state) ? planWrite(state, opts, NOW, allowed) : { kind: "none" };
  if (vanished && plan.kind !== "none") resetState(state, NOW, opts.idleTimeout, "keep");
  else if (plan.kind === "destroy") resetState(state, NOW, opts.idleTimeout, "clear");
  else if (plan.kind !== "none") {
    const at = plan.kind === "update" ? null : ({ origin: "created", id: "new-id", key: "new-key" } as const);
    land(state, { payload: plan, at }, opts.cookie.maxAge);
  }
  const cookie = planCookie(state, { allowed, suppressed });
  return {
    commands: [...early, ...commandsOf(plan, opts)],
    plan,
    cookie,
    vary: cookie !== "keep" || state.presented,
  };
}

const untouched = () => {};
const reads = (s: Session) => void JSON.stringify(s.data);

describe("the commit plan (DESIGN.md's Redis contract, without Redis)", () => {
  it("no session cookie, the handler reads or never touches the session: nothing, no cookie", async () => {
    for (const handler of [untouched, reads]) {
      const out = await commit(freshState(NOW, 1200, false), handler);
      expect([out.commands, out.cookie, out.vary]).toEqual([[], "keep", false]);
    }
  });

  it("no session cookie, the handler writes: SET NX EX with the idle timeout; cookie and Vary", async () => {
    const out = await commit(freshState(NOW, 1200, false), (s) => {
      s.data.user = "ada";
    });
    expect([out.commands, out.cookie, out.vary]).toEqual([["SET NX EX"], "send", true]);
    expect(out.plan).toMatchObject({ ttl: 1200, expires: NOW + 1200 });
  });

  it("a new session written then emptied in the same request: nothing, no cookie", async () => {
    const out = await commit(freshState(NOW, 1200, false), (s) => {
      s.data.user = "ada";
      delete s.data.user;
    });
    expect([out.commands, out.cookie, out.vary]).toEqual([[], "keep", false]);
  });

  it("valid cookie, the handler reads or writes nothing, refresh not due: only the load's GET", async () => {
    const opts = options();
    for (const handler of [untouched, reads]) {
      const out = await commit(loaded({ user: "ada" }, opts, { age: 59 }), handler, { opts });
      expect([out.commands, out.cookie, out.vary]).toEqual([[], "keep", true]);
    }
  });

  it("valid cookie, unchanged, refresh due: one compare-and-set with a new stored expiry", async () => {
    const opts = options();
    const out = await commit(loaded({ user: "ada" }, opts, { age: 60 }), reads, { opts });
    expect([out.commands, out.cookie]).toEqual([["CAS EX"], "keep"]);
    expect(out.plan).toMatchObject({ kind: "update", expires: NOW + 1200, ttl: 1200 });
  });

  it("valid cookie, any number of changes, nested included: one compare-and-set keeping the stored expiry", async () => {
    const opts = options();
    const out = await commit(
      loaded({ cart: { items: ["a"] } }, opts, { age: 10 }),
      (s) => {
        (s.data.cart as { items: string[] }).items.push("b", "c");
        s.data.theme = "dark";
      },
      { opts },
    );
    expect([out.commands, out.cookie]).toEqual([["CAS EX"], "keep"]);
    expect(out.plan).toMatchObject({ expires: NOW - 10 + 1200, ttl: 1190 });
  });

  it("invalidate(): GETDEL; the cookie is cleared", async () => {
    const out = await commit(loaded({ user: "ada" }, options()), (s) => s.invalidate());
    expect([out.commands, out.cookie, out.vary]).toEqual([["GETDEL"], "clear", true]);
  });

  it("invalidate(), then the handler writes: GETDEL, SET NX EX; a new cookie", async () => {
    const out = await commit(loaded({ user: "ada" }, options()), async (s) => {
      await s.invalidate();
      s.data.fresh = true;
    });
    expect([out.commands, out.cookie]).toEqual([["GETDEL", "SET NX EX"], "send"]);
  });

  it("regenerate(): SET NX EX of a new key and the marker over the old one together; a new cookie", async () => {
    const out = await commit(loaded({ user: "ada" }, options()), (s) => s.regenerate());
    expect([out.commands, out.cookie]).toEqual([["SET NX EX", "SET XX GET EX"], "send"]);
    expect(out.plan).toMatchObject({ kind: "rotate", oldKey: "old-key", ttl: 1200 });
  });

  it("an existing session emptied (invalidateEmpty): a compare-and-set delete; the cookie is cleared", async () => {
    const out = await commit(loaded({ user: "ada" }, options()), (s) => {
      delete s.data.user;
    });
    expect([out.commands, out.cookie]).toEqual([["CAS delete"], "clear"]);
    expect(out.plan).toMatchObject({ kind: "destroy", reason: "emptied" });
  });

  it("a cookie that does not verify (bad signature, malformed): nothing, and the cookie is left alone", async () => {
    const out = await commit(freshState(NOW, 1200, true, "keep"), reads);
    expect([out.commands, out.cookie, out.vary]).toEqual([[], "keep", true]);
  });

  it("a verified cookie whose session is gone (key missing, corrupt or expired): cleared unless a new session is written", async () => {
    const cleared = await commit(freshState(NOW, 1200, true), reads);
    expect([cleared.commands, cleared.cookie, cleared.vary]).toEqual([[], "clear", true]);
    const replaced = await commit(freshState(NOW, 1200, true), (s) => {
      s.data.user = "eve";
    });
    expect([replaced.commands, replaced.cookie]).toEqual([["SET NX EX"], "send"]);
  });

  it("a cookie rotated by a concurrent regenerate(): nothing written and no cookie, whatever the handler does", async () => {
    const state = freshState(NOW, 1200, true, "keep");
    state.standing = "superseded";
    const out = await commit(state, (s) => {
      s.data.user = "eve";
      s.regenerate();
    });
    expect([out.commands, out.cookie, out.vary]).toEqual([[], "keep", true]);
  });

  it("the compare-and-set finds the key gone (a concurrent logout): nothing resurrected; the cookie is left to the logout", async () => {
    const out = await commit(
      loaded({ user: "ada" }, options()),
      (s) => {
        s.data.late = true;
      },
      { vanished: true },
    );
    expect([out.commands, out.cookie]).toEqual([["CAS EX"], "keep"]);
  });

  it("LRU mode (redisTtl: false): the same writes without EX", async () => {
    const opts = options({ redisTtl: false });
    const created = await commit(
      freshState(NOW, 1200, false),
      (s) => {
        s.data.user = "ada";
      },
      { opts },
    );
    expect([created.commands, created.plan]).toMatchObject([["SET NX"], { ttl: null }]);
    const updated = await commit(
      loaded({ user: "ada" }, opts),
      (s) => {
        s.data.user = "grace";
      },
      { opts },
    );
    expect([updated.commands, updated.plan]).toMatchObject([["CAS"], { ttl: null }]);
  });
});

describe("the commit plan around the table's edges", () => {
  it("sends the smaller of the idle and absolute deadlines as the TTL", async () => {
    const opts = options({ absoluteTimeout: 300 });
    const out = await commit(
      loaded({ n: 1 }, opts, { createdAt: NOW - 200 }),
      (s) => {
        s.data.n = 2;
      },
      { opts },
    );
    expect(out.plan).toMatchObject({ kind: "update", ttl: 100 });
  });

  it("deletes rather than sends a non-positive expiry once the absolute deadline has passed", async () => {
    const opts = options({ absoluteTimeout: 300 });
    const out = await commit(
      loaded({ n: 1 }, opts, { createdAt: NOW - 300 }),
      (s) => {
        s.data.n = 2;
      },
      { opts },
    );
    expect([out.commands, out.plan]).toMatchObject([["DEL"], { reason: "expired" }]);
  });

  it("re-sends a cookie with a Max-Age when the stored expiry is extended, and only then", async () => {
    const opts = options({ cookie: { maxAge: 3600 } });
    const due = await commit(loaded({ n: 1 }, opts, { age: 60 }), reads, { opts });
    expect([due.commands, due.cookie]).toEqual([["CAS EX"], "send"]);
    const notDue = await commit(
      loaded({ n: 1 }, opts, { age: 10 }),
      (s) => {
        s.data.n = 2;
      },
      { opts },
    );
    expect([notDue.commands, notDue.cookie]).toEqual([["CAS EX"], "keep"]);
  });

  it("re-issues a cookie signed with an older secret without writing", async () => {
    const out = await commit(loaded({ n: 1 }, options(), { rotated: true }), reads);
    expect([out.commands, out.cookie]).toEqual([[], "send"]);
  });

  it("touch() extends the expiry even when no refresh is due", async () => {
    const out = await commit(loaded({ n: 1 }, options(), { age: 1 }), (s) => s.touch());
    expect(out.plan).toMatchObject({ kind: "update", expires: NOW + 1200 });
  });

  it("with detectChanges: false, writes an existing session only after changed()", async () => {
    const opts = options({ detectChanges: false });
    const silent = await commit(
      loaded({ n: 1 }, opts),
      (s) => {
        s.data.n = 2;
      },
      { opts },
    );
    expect(silent.commands).toEqual([]);
    const forced = await commit(
      loaded({ n: 1 }, opts),
      (s) => {
        s.data.n = 2;
        s.changed();
      },
      { opts },
    );
    expect(forced.commands).toEqual(["CAS EX"]);
    const created = await commit(
      freshState(NOW, 1200, false),
      (s) => {
        s.data.n = 1;
      },
      { opts },
    );
    expect(created.commands).toEqual(["SET NX EX"]);
  });

  it("writes no new session when no cookie may be sent (allowCookie refused, or cookieOnError: false on failure)", async () => {
    const out = await commit(
      freshState(NOW, 1200, false),
      (s) => {
        s.data.user = "ada";
      },
      { allowed: false },
    );
    expect([out.commands, out.cookie]).toEqual([[], "keep"]);
  });

  it("keeps the id when regenerate() meets a refused cookie, writing only what changed in place", async () => {
    const out = await commit(
      loaded({ user: "ada" }, options()),
      (s) => {
        s.regenerate();
        s.data.user = "grace";
      },
      { allowed: false },
    );
    expect([out.commands, out.cookie]).toEqual([["CAS EX"], "keep"]);
  });

  it("still clears the cookie of an invalidated session when a failed request suppresses cookies", async () => {
    const out = await commit(loaded({ user: "ada" }, options()), (s) => s.invalidate(), {
      allowed: false,
      suppressed: true,
    });
    expect([out.commands, out.cookie]).toEqual([["GETDEL"], "clear"]);
  });

  it("leaves the state's record as written, so a later commit compares against it", async () => {
    const opts = options();
    const state = freshState(NOW, 1200, false);
    await commit(
      state,
      (s) => {
        s.data.user = "ada";
      },
      { opts },
    );
    const written = { ...recordOf(state, NOW + 1200), revision: 1 };
    expect(state.stored?.raw).toBe(encodePayload(opts.serializer, written, opts.maxPayloadBytes));
    expect(planWrite(state, opts, NOW, true)).toEqual({ kind: "none" });
  });
});
