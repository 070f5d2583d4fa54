import { describe, expect, it } from "vitest";
import {
  type CookieSetOptions,
  commitSession,
  getSession,
  readSession,
  sessionAction,
} from "../src/adapters/next.js";
import { serializeClearCookie, serializeCookie, setCookieFields } from "../src/core/cookie.js";
import { resolveCookie } from "../src/core/cookie-options.js";
import { createSessions, memoryStore } from "../src/index.js";

const SECRET = "a secret of thirty-two characters or more";

/** A cookie store with the calls sessile/next makes of Next.js's, recording what is set. */
function cookieStore(initial: Record<string, string> = {}) {
  const values = new Map(Object.entries(initial));
  const set: { name: string; value: string; options: CookieSetOptions | undefined }[] = [];
  return {
    set,
    store: {
      getAll: () => [...values].map(([name, value]) => ({ name, value })),
      set(name: string, value: string, options?: CookieSetOptions) {
        set.push({ name, value, options });
        values.set(name, value);
      },
    },
  };
}

describe("setCookieFields", () => {
  it("takes apart what serializeCookie writes, every attribute included", () => {
    const options = resolveCookie({
      name: "__Secure-s",
      domain: "example.com",
      path: "/app",
      secure: true,
      sameSite: "strict",
      partitioned: true,
      priority: "high",
    });
    const fields = setCookieFields(serializeCookie(options, "abc.def", { https: true, maxAge: 60 }));
    expect(fields).toEqual({
      name: "__Secure-s",
      value: "abc.def",
      path: "/app",
      domain: "example.com",
      maxAge: 60,
      expires: expect.any(Date),
      httpOnly: true,
      secure: true,
      sameSite: "strict",
      partitioned: true,
      priority: "high",
    });
    expect(Math.abs((fields.expires as Date).getTime() - Date.now() - 60_000)).toBeLessThan(2000);
  });

  it("takes apart a clearing cookie", () => {
    const fields = setCookieFields(serializeClearCookie(resolveCookie(undefined), false));
    expect(fields).toEqual({
      name: "session",
      value: "",
      path: "/",
      maxAge: 0,
      expires: new Date(0),
      httpOnly: true,
      sameSite: "lax",
    });
  });
});

describe("sessile/next with a cookie store", () => {
  const sessions = createSessions({ store: memoryStore(), secret: SECRET });
  /** Sends no new cookie for a failed request, so a commit as failed shows. */
  const strict = createSessions({ store: memoryStore(), secret: SECRET, cookieOnError: false });

  it("commits through cookies().set and reads the session back from the store's cookies", async () => {
    const first = cookieStore();
    const session = await getSession(sessions, first.store);
    session.data.user = "ada";
    await commitSession(sessions, session, first.store);
    expect(first.set).toEqual([
      {
        name: "session",
        value: expect.stringMatching(/^[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/),
        options: { path: "/", httpOnly: true, sameSite: "lax" },
      },
    ]);
    const again = await getSession(sessions, cookieStore({ session: first.set[0]?.value as string }).store);
    expect(again.data).toEqual({ user: "ada" });
  });

  it("readSession hands out frozen data: a change in a server component throws", async () => {
    const first = cookieStore();
    await sessionAction(
      sessions,
      () => first.store,
      (session) => {
        session.data.nested = { count: 1 };
      },
    )();
    const view = await readSession(sessions, first.store);
    expect(view.isNew).toBe(false);
    expect(view.data).toEqual({ nested: { count: 1 } });
    expect(() => {
      (view.data as Record<string, unknown>).user = "bob";
    }).toThrow(TypeError);
    expect(() => {
      (view.data.nested as Record<string, number>).count = 2;
    }).toThrow(TypeError);
  });

  it("sessionAction commits before a redirect() goes on, and rethrows it", async () => {
    const first = cookieStore();
    const redirect = Object.assign(new Error("NEXT_REDIRECT"), {
      digest: "NEXT_REDIRECT;replace;/done;307;",
    });
    const action = sessionAction(
      strict,
      async () => first.store,
      (session, note: string) => {
        session.data.note = note;
        throw redirect;
      },
    );
    await expect(action("hi")).rejects.toBe(redirect);
    expect(first.set.map((c) => c.name)).toEqual(["session"]);
  });

  it("sessionAction commits a failed action as failed (cookieOnError: false sends no cookie), and rethrows", async () => {
    const first = cookieStore();
    const failure = new Error("boom");
    const action = sessionAction(
      strict,
      () => first.store,
      (session) => {
        session.data.note = "lost";
        throw failure;
      },
    );
    await expect(action()).rejects.toBe(failure);
    expect(first.set).toEqual([]);
  });

  it("says how to pass Next.js's cookies when given something else", async () => {
    await expect(getSession(sessions, undefined as never)).rejects.toThrow(/pass `await cookies\(\)`/);
    await expect(
      commitSession(sessions, await getSession(sessions, cookieStore().store), { getAll: () => [] } as never),
    ).rejects.toThrow(/server action or route handler/);
    expect(() => sessionAction(sessions, {} as never, () => {})).toThrow(/the function, not its result/);
  });
});
