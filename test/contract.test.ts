import { describe, expect, it } from "vitest";
import { CLIENT_KINDS } from "./helpers/clients.js";
import { cookiePair, useRedis } from "./helpers/sessions.js";

describe.each(CLIENT_KINDS)("Redis contract with %s", (kind) => {
  const f = useRedis(kind);

  async function newSessionCookie(data: Record<string, unknown> = { user: "ada" }): Promise<string> {
    const sessions = f.sessions();
    const s = await sessions.load(undefined);
    Object.assign(s.data, data);
    const r = await sessions.commit(s);
    await f.log.take();
    return cookiePair(r.setCookie);
  }

  it("sends nothing when there is no cookie and the handler only reads", async () => {
    const sessions = f.sessions();
    const s = await sessions.load(undefined);
    expect(s.data).toEqual({});
    const r = await sessions.commit(s);
    expect(r.setCookie).toBeUndefined();
    expect(await f.log.shapes()).toEqual([]);
  });

  it("creates with one SET NX EX when a new visitor writes", async () => {
    const sessions = f.sessions();
    const s = await sessions.load(undefined);
    s.data.views = 1;
    const r = await sessions.commit(s);
    expect(r.setCookie).toMatch(
      /^session=[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax$/,
    );
    expect(r.vary).toBe(true);
    expect(await f.log.shapes()).toEqual(["SET NX EX"]);
  });

  it("sends nothing for a new session written then emptied", async () => {
    const sessions = f.sessions();
    const s = await sessions.load(undefined);
    s.data.views = 1;
    delete s.data.views;
    expect((await sessions.commit(s)).setCookie).toBeUndefined();
    expect(await f.log.shapes()).toEqual([]);
  });

  it("sends one GET for a returning read when no refresh is due", async () => {
    const cookie = await newSessionCookie();
    const sessions = f.sessions();
    const s = await sessions.load(cookie);
    expect(s.data).toEqual({ user: "ada" });
    expect((await sessions.commit(s)).setCookie).toBeUndefined();
    expect(await f.log.shapes()).toEqual(["GET"]);
  });

  it("sends GET then one SET XX EX for any number of changes, nested included", async () => {
    const cookie = await newSessionCookie({ cart: { items: [] as string[] } });
    const sessions = f.sessions();
    const s = await sessions.load(cookie);
    const cart = s.data.cart as { items: string[] };
    cart.items.push("a");
    cart.items.push("b");
    s.data.other = 1;
    expect((await sessions.commit(s)).setCookie).toBeUndefined();
    expect(await f.log.shapes()).toEqual(["GET", "CAS SET EX"]);
    const again = await sessions.load(cookie);
    expect(again.data).toEqual({ cart: { items: ["a", "b"] }, other: 1 });
  });

  it("invalidate() sends GET, GETDEL and clears the cookie", async () => {
    const cookie = await newSessionCookie();
    const sessions = f.sessions();
    const s = await sessions.load(cookie);
    await s.invalidate();
    const r = await sessions.commit(s);
    expect(r.setCookie).toMatch(
      /^session=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=\/; HttpOnly; SameSite=Lax$/,
    );
    expect(await f.log.shapes()).toEqual(["GET", "GETDEL"]);
    expect((await sessions.load(cookie)).isNew).toBe(true);
  });

  it("invalidate() then a write starts a new session with SET NX EX", async () => {
    const cookie = await newSessionCookie();
    const sessions = f.sessions();
    const s = await sessions.load(cookie);
    const oldId = s.id;
    await s.invalidate();
    s.data.fresh = true;
    const r = await sessions.commit(s);
    expect(await f.log.shapes()).toEqual(["GET", "GETDEL", "SET NX EX"]);
    expect(s.id).not.toBe(oldId);
    expect(cookiePair(r.setCookie)).not.toBe(cookie);
  });

  it("regenerate() sends GET then SET NX EX and a marker over the old key together, and the old cookie stops working", async () => {
    const cookie = await newSessionCookie();
    const sessions = f.sessions();
    const s = await sessions.load(cookie);
    s.regenerate();
    const r = await sessions.commit(s);
    const shapes = await f.log.shapes();
    expect(shapes[0]).toBe("GET");
    expect(shapes.slice(1).sort()).toEqual(["SET NX EX", "SET XX GET EX"]);
    expect((await sessions.load(cookie)).isNew).toBe(true);
    expect((await sessions.load(cookiePair(r.setCookie))).data).toEqual({ user: "ada" });
  });

  it("deletes an existing session the handler emptied and clears the cookie", async () => {
    const cookie = await newSessionCookie();
    const sessions = f.sessions();
    const s = await sessions.load(cookie);
    delete s.data.user;
    const r = await sessions.commit(s);
    expect(r.setCookie).toMatch(/^session=; Max-Age=0/);
    expect(await f.log.shapes()).toEqual(["GET", "CAS DEL"]);
  });
});
