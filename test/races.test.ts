import { Redis } from "ioredis";
import { createClient } from "redis";
import { beforeEach, describe, expect, it } from "vitest";
import { type ConflictDetails, createSessions, redisStore, type Sessions, StoreError } from "../src/index.js";
import { CLIENT_KINDS } from "./helpers/clients.js";
import { useFakeClock } from "./helpers/clock.js";
import { cookiePair, createStored, keyExists, SECRET, useRedis, writeShape } from "./helpers/sessions.js";

const T = 1_900_000_000;

const SERVERS = CLIENT_KINDS.flatMap((kind) =>
  (["redis", "valkey-ifeq"] as const).map((flavour) => ({ kind, flavour })),
);

describe.each(SERVERS)("concurrent requests with $kind on $flavour", ({ kind, flavour }) => {
  const f = useRedis(kind, flavour);
  const WRITE = writeShape(flavour);
  const clock = useFakeClock(T, { eachTest: false });

  beforeEach(async () => {
    await f.log.take();
  });

  /** Request B logs the session out while request A still holds it. */
  async function logout(sessions: Sessions, pair: string): Promise<void> {
    const b = await sessions.load(pair);
    await b.invalidate();
    await sessions.commit(b);
    await f.log.take();
  }

  it("a write after a concurrent invalidate() does not bring the session back", async () => {
    const { sessions, pair, key, reasons } = await createStored(f);
    const a = await sessions.load(pair);
    await f.log.take();
    await logout(sessions, pair);
    a.data.cart = ["book"];
    const r = await sessions.commit(a);
    expect(await f.log.shapes()).toEqual([WRITE]);
    expect(await keyExists(f, key)).toBe(false);
    // The logout's own response clears the cookie; this one could only wipe a newer one.
    expect(r.setCookie).toBeUndefined();
    expect(reasons).toEqual(["vanished"]);
    expect((await sessions.load(pair)).isNew).toBe(true);
  });

  it("a due refresh after a concurrent invalidate() does not bring the session back", async () => {
    clock.start();
    const { sessions, pair, key, reasons } = await createStored(f);
    const a = await sessions.load(pair);
    await logout(sessions, pair);
    clock.at(100);
    const r = await sessions.commit(a);
    expect(await f.log.shapes()).toEqual([WRITE]);
    expect(await keyExists(f, key)).toBe(false);
    // The logout's own response clears the cookie; this one could only wipe a newer one.
    expect(r.setCookie).toBeUndefined();
    expect(reasons).toEqual(["vanished"]);
  });

  it("save() after a concurrent invalidate() does not bring the session back", async () => {
    const { sessions, pair, key, reasons } = await createStored(f);
    const a = await sessions.load(pair);
    await logout(sessions, pair);
    a.data.step = 1;
    await a.save();
    expect(await keyExists(f, key)).toBe(false);
    expect(reasons).toEqual(["vanished"]);
    const r = await sessions.commit(a);
    // The logout's own response clears the cookie; this one could only wipe a newer one.
    expect(r.setCookie).toBeUndefined();
    expect(await keyExists(f, key)).toBe(false);
  });

  it("a write after the key expired in Redis does not recreate it", async () => {
    const { sessions, pair, key, reasons } = await createStored(f);
    const a = await sessions.load(pair);
    await f.raw.del(key);
    await f.log.take();
    a.data.more = 1;
    const r = await sessions.commit(a);
    expect(await keyExists(f, key)).toBe(false);
    // The logout's own response clears the cookie; this one could only wipe a newer one.
    expect(r.setCookie).toBeUndefined();
    expect(reasons).toEqual(["vanished"]);
  });

  it("a write racing a regenerate() is merged into the new session and its response sends no cookie", async () => {
    const { sessions, pair, key, reasons } = await createStored(f);
    const a = await sessions.load(pair);
    const b = await sessions.load(pair);
    b.regenerate();
    b.data.user = "grace";
    const login = await sessions.commit(b);
    await f.log.take();
    a.data.more = 1;
    const r = await sessions.commit(a);
    // The marker under the old key points a GET to the new session, where the merge lands.
    expect(await f.log.shapes()).toEqual([WRITE, "GET", WRITE]);
    expect(r.setCookie).toBeUndefined();
    expect(await f.raw.get(key)).toMatch(/^sessile-rotated:/);
    expect((await sessions.load(cookiePair(login.setCookie))).data).toEqual({ user: "grace", more: 1 });
    expect(reasons).toEqual([]);
  });

  it("regenerate() after a concurrent invalidate() does not bring the session back under a new id", async () => {
    const { sessions, pair, reasons } = await createStored(f);
    const a = await sessions.load(pair);
    await logout(sessions, pair);
    const before = (await f.raw.keys(`${f.prefix}*`)).sort();
    a.regenerate();
    const r = await sessions.commit(a);
    expect((await f.raw.keys(`${f.prefix}*`)).sort()).toEqual(before);
    expect(r.setCookie ?? "").not.toMatch(/^session=[A-Za-z0-9_-]{43}\./);
    expect(reasons).toEqual(["vanished"]);
  });

  it("two concurrent writers of different keys both keep their change", async () => {
    const conflicts: ConflictDetails[] = [];
    const { sessions, pair } = await createStored(f, { onConflict: (d) => conflicts.push(d) });
    const a = await sessions.load(pair);
    const b = await sessions.load(pair);
    await f.log.take();
    a.data.theme = "dark";
    b.data.lang = "fr";
    await Promise.all([sessions.commit(a), sessions.commit(b)]);
    expect(await f.log.shapes()).toEqual([WRITE, WRITE, WRITE]);
    expect((await sessions.load(pair)).data).toEqual({ user: "ada", theme: "dark", lang: "fr" });
    expect(conflicts).toEqual([]);
  });

  it("two concurrent writers of one key: the later write's value is kept and the conflict reported", async () => {
    const conflicts: ConflictDetails[] = [];
    const { sessions, pair } = await createStored(f, { onConflict: (d) => conflicts.push(d) });
    const a = await sessions.load(pair);
    const b = await sessions.load(pair);
    a.data.from = "a";
    b.data.from = "b";
    await sessions.commit(a);
    await sessions.commit(b);
    expect((await sessions.load(pair)).data).toEqual({ user: "ada", from: "b" });
    expect(conflicts).toEqual([{ cookieName: "session", keys: ["from"], settings: [] }]);
  });

  it("fifty concurrent new visitors get fifty distinct sessions", async () => {
    const sessions = f.sessions();
    const results = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const s = await sessions.load(undefined);
        s.data.i = i;
        return { r: await sessions.commit(s), id: s.id };
      }),
    );
    expect(new Set(results.map(({ id }) => id)).size).toBe(50);
    expect((await f.log.shapes()).filter((s) => s === "SET NX EX")).toHaveLength(50);
  });
});

describe("a write whose outcome is unknown", () => {
  const f = useRedis("ioredis");

  it.each(CLIENT_KINDS)(
    "with %s is reported as a StoreError and reaches Redis at most once",
    async (kind) => {
      const prefix = `${f.prefix}${kind}:`;
      let store: ReturnType<typeof redisStore>;
      let settle: () => Promise<void>;
      let close: () => void;
      if (kind === "ioredis") {
        // commandTimeout gives up waiting for the reply while the command is already on the wire.
        const client = new Redis(f.redis.url, { commandTimeout: 150, maxRetriesPerRequest: 0 });
        client.on("error", () => {});
        store = redisStore(client, { prefix });
        settle = async () => void (await client.ping());
        close = () => client.disconnect();
      } else {
        // socketTimeout drops the connection while the command waits for its reply.
        const client = createClient({
          url: f.redis.url,
          socket: { socketTimeout: 150, reconnectStrategy: false },
        });
        client.on("error", () => {});
        await client.connect();
        store = redisStore(client, { prefix });
        settle = async () => {};
        close = () => {
          if (client.isOpen) client.destroy();
        };
      }
      try {
        const sessions = createSessions({ store, secret: SECRET });
        const s = await sessions.load(undefined);
        s.data.n = 1;
        await f.log.take();
        // Writes wait while the server is paused; the client times out not knowing whether the SET ran.
        await f.raw.call("CLIENT", "PAUSE", "2000", "WRITE");
        const error = await sessions.commit(s).catch((e: unknown) => e);
        await f.raw.call("CLIENT", "UNPAUSE");
        await settle();
        expect(error).toBeInstanceOf(StoreError);
        expect(error).toMatchObject({ code: "store-failure", operation: "create" });
        expect((error as Error).message).toMatch(/^sessile: the session store failed during create \(/);
        const sets = (await f.log.take()).filter(
          (command) => command[0] === "SET" && command[1]?.startsWith(prefix),
        );
        expect(sets.length).toBeLessThanOrEqual(1);
      } finally {
        await f.raw.call("CLIENT", "UNPAUSE").catch(() => {});
        close();
      }
    },
  );
});
