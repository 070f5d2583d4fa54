import type { Server } from "node:http";
import { createAdaptorServer } from "@hono/node-server";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { commitSession, loadSession, sessionOf, withSessions } from "../src/adapters/fetch.js";
import { cookiePair, useRedis } from "./helpers/sessions.js";
import type { SpecApp } from "./spec/fixture.js";
import { listen } from "./spec/listen.js";

const apps: SpecApp[] = [];

async function serve(fetch: (request: Request) => Response | Promise<Response>): Promise<string> {
  const app = await listen(createAdaptorServer({ fetch }) as Server);
  apps.push(app);
  return app.url;
}

afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
});

describe("sessile/fetch adapter", () => {
  const f = useRedis("ioredis");
  beforeEach(async () => {
    await f.log.take();
  });

  it("copies a Response.redirect(), whose headers are immutable, to add the cookie", async () => {
    const sessions = f.sessions();
    const url = await serve(
      withSessions(sessions, (request) => {
        sessionOf(request, sessions).data.user = "ada";
        return Response.redirect(new URL("/home", request.url), 303);
      }),
    );
    const res = await fetch(`${url}/login`, { redirect: "manual" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`${url}/home`);
    expect(res.headers.getSetCookie()).toEqual([expect.stringMatching(/^session=[^;]+; Path=\//)]);
    expect(res.headers.get("vary")).toBe("Cookie");
    expect(await f.log.shapes()).toEqual(["SET NX EX"]);
  });

  it("copies a response passed through from fetch(), its body streamed on unread", async () => {
    const upstream = await serve(() => new Response("x".repeat(100_000), { headers: { "X-Up": "1" } }));
    const sessions = f.sessions();
    const url = await serve(
      withSessions(sessions, async (request) => {
        sessionOf(request, sessions).data.proxied = true;
        const passed = await fetch(upstream);
        expect(() => passed.headers.set("X-Try", "1")).toThrow(TypeError);
        return passed;
      }),
    );
    const res = await fetch(url);
    expect(res.headers.get("x-up")).toBe("1");
    expect(res.headers.getSetCookie()).toHaveLength(1);
    expect((await res.text()).length).toBe(100_000);
    const again = await fetch(url, { headers: { cookie: cookiePair(res.headers.getSetCookie()[0]) } });
    await again.text();
    expect(again.headers.getSetCookie()).toEqual([]);
    expect(await f.log.shapes()).toEqual(["SET NX EX", "GET"]);
  });

  it("loadSession/commitSession by hand: the same Response back when nothing is sent", async () => {
    const sessions = f.sessions();
    const url = await serve(async (request) => {
      const session = await loadSession(sessions, request);
      if (new URL(request.url).pathname === "/login") session.data.user = "ada";
      const response = new Response(String(session.data.user ?? "anonymous"));
      const committed = await commitSession(sessions, session, response, { request });
      return new Response(await committed.text(), {
        headers: { "X-Same": String(committed === response), ...Object.fromEntries(committed.headers) },
      });
    });
    const anonymous = await fetch(url);
    expect(await anonymous.text()).toBe("anonymous");
    expect(anonymous.headers.get("x-same")).toBe("true");
    expect(anonymous.headers.getSetCookie()).toEqual([]);
    const login = await fetch(`${url}/login`);
    expect(await login.text()).toBe("ada");
    expect(login.headers.get("x-same")).toBe("true");
    expect(login.headers.get("set-cookie")).toMatch(/^session=/);
    expect(await f.log.shapes()).toEqual(["SET NX EX"]);
  });

  it("sessionOf names the fix when the request was not wrapped or was copied", async () => {
    const sessions = f.sessions();
    let message = "";
    const url = await serve(
      withSessions(sessions, (request) => {
        try {
          sessionOf(new Request(request), sessions);
        } catch (error) {
          message = (error as Error).message;
        }
        return new Response("ok");
      }),
    );
    await (await fetch(url)).text();
    expect(message).toMatch(/withSessions\(sessions, handler\)/);
    expect(message).toMatch(/Request object the handler received/);
  });

  it("answers a throwing handler with onError, the commit counted as failed", async () => {
    const sessions = f.sessions({ cookieOnError: false });
    const heard: unknown[] = [];
    const url = await serve(
      withSessions(
        sessions,
        (request) => {
          sessionOf(request, sessions).data.user = "ada";
          throw new Error("boom");
        },
        {
          onError: (error) => {
            heard.push(error);
            return new Response("sorry", { status: 503 });
          },
        },
      ),
    );
    const res = await fetch(url);
    expect(res.status).toBe(503);
    expect(await res.text()).toBe("sorry");
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(heard).toEqual([new Error("boom")]);
    expect(await f.log.shapes()).toEqual([]);
  });
});
