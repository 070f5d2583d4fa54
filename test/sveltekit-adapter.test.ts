import { describe, expect, it } from "vitest";
import { sessionHandle } from "../src/adapters/sveltekit.js";
import { createSessions, memoryStore, type Session } from "../src/index.js";
import { SECRET } from "./helpers/sessions.js";

function event(url: string) {
  return { request: new Request(url), url: new URL(url), locals: {} as Record<string, Session> };
}

// The hook against SvelteKit itself is in test/frameworks/sveltekit.test.ts; these are its options.
describe("sessionHandle()", () => {
  const factory = createSessions({ store: memoryStore(), secret: SECRET });

  it.each([
    ["", /option "name" must be a non-empty property name/],
    ["__proto__", /option "name" must be a non-empty property name/],
    [42, /option "name" must be a non-empty property name/],
  ])("rejects name %j at creation", (name, message) => {
    expect(() => sessionHandle(factory, { name: name as string })).toThrow(message);
  });

  it("rejects an isHttps that is not a function", () => {
    expect(() => sessionHandle(factory, { isHttps: true as never })).toThrow(
      /option "isHttps" must be a function/,
    );
  });

  it("puts the session on locals under its name and marks the cookie Secure on an https: URL", async () => {
    const e = event("https://app.example/");
    const response = await sessionHandle(factory, { name: "user" })({
      event: e,
      resolve: (seen) => {
        (seen.locals.user as Session).data.x = 1;
        return new Response("ok");
      },
    });
    expect(response.headers.getSetCookie()).toEqual([expect.stringMatching(/^session=[^;]+;.*; Secure;/)]);
  });

  it("follows isHttps instead of the URL when given", async () => {
    const response = await sessionHandle(factory, { isHttps: () => false })({
      event: event("https://app.example/"),
      resolve: (seen) => {
        (seen.locals.session as Session).data.x = 1;
        return new Response("ok");
      },
    });
    expect(response.headers.getSetCookie()).toEqual([expect.not.stringMatching(/Secure/)]);
  });
});
