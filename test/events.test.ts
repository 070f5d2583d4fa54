// The events option: validated at creation; user operations, evictions and revocations told with causes.
import { describe, expect, it } from "vitest";
import { createSessions, memoryStore, type SessionEventMap } from "../src/index.js";
import { SECRET, useRedis } from "./helpers/sessions.js";

type Seen = { name: keyof SessionEventMap; event: Record<string, unknown> };

function recorder(seen: Seen[]) {
  const on =
    (name: keyof SessionEventMap) =>
    (event: object): void => {
      seen.push({ name, event: { ...event } });
    };
  return { invalidated: on("invalidated"), created: on("created"), invalid: on("invalid") };
}

describe("events option", () => {
  it("is checked at creation, with messages that say how to fix it", () => {
    const make = (events: unknown) =>
      createSessions({ store: memoryStore(), secret: SECRET, events: events as never });
    expect(() => make(() => {})).toThrow(/events must be an object of listeners/);
    expect(() => make({ expired() {} })).toThrow(/unknown event events\.expired; the events are created, /);
    expect(() => make({ created: true })).toThrow(/events\.created must be a function/);
    expect(make({ created() {} }).cookieName).toBe("session");
  });
});

describe("events of user operations on Redis", () => {
  const f = useRedis("ioredis");

  async function bound(factory: ReturnType<typeof f.sessions>, userId: string) {
    const session = await factory.load(undefined);
    session.bindUser(userId);
    await factory.commit(session);
    return session;
  }

  it("tells invalidated with cause ended (users.end, endAll), evicted and revoked, with the user id", async () => {
    const seen: Seen[] = [];
    const factory = f.sessions({ events: recorder(seen), maxSessionsPerUser: 2 });
    const a = await bound(factory, "ada");
    const b = await bound(factory, "ada");
    const c = await bound(factory, "ada");
    const evicted = seen.filter((s) => s.name === "invalidated");
    // The soonest-ending of the user's sessions is evicted: a or b, made in the same second.
    expect(evicted.map((s) => [s.event.cause, s.event.userId])).toEqual([["evicted", "ada"]]);
    const gone = evicted[0]?.event.handle;
    expect([a.handle, b.handle]).toContain(gone);
    const kept = [a, b].find((s) => s.handle !== gone);
    seen.length = 0;
    expect(await factory.users.end("ada", kept?.handle as string)).toBe(true);
    expect(await factory.users.endAll("ada")).toBe(1);
    expect(seen).toEqual([
      {
        name: "invalidated",
        event: { cookieName: "session", handle: kept?.handle, userId: "ada", cause: "ended" },
      },
      {
        name: "invalidated",
        event: { cookieName: "session", handle: c.handle, userId: "ada", cause: "ended" },
      },
    ]);
  });

  it("tells revoked when a session bound before a revocation stamp writes again", async () => {
    const seen: Seen[] = [];
    const factory = f.sessions({ events: recorder(seen) });
    await bound(factory, "bob");
    seen.length = 0;
    const racing = await factory.load(undefined);
    racing.bindUser("bob");
    racing.data.x = 1;
    // A login racing endAll: bound, then the stamp is set (a second later) before its first write lands.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await factory.users.endAll("bob", { revoke: true });
    await factory.commit(racing);
    const causes = seen.filter((s) => s.name === "invalidated").map((s) => [s.event.cause, s.event.userId]);
    expect(causes).toEqual([
      ["ended", "bob"],
      ["revoked", "bob"],
    ]);
  });
});
