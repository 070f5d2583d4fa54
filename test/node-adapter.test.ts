import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as delay } from "node:timers/promises";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { attachSession, sessions } from "../src/adapters/node.js";
import {
  createSessions,
  digestId,
  redisStore,
  type SessionOptions,
  type SessionStore,
  StoreError,
} from "../src/index.js";
import { spawnRedis, type TestRedis } from "./helpers/redis-server.js";
import { cookiePair, SECRET, useRedis } from "./helpers/sessions.js";

type Handler = (req: IncomingMessage, res: ServerResponse) => unknown;

const servers: Server[] = [];

async function serve(handler: Handler): Promise<string> {
  const server = createServer((req, res) => void handler(req, res));
  servers.push(server);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

describe("sessile/node adapter", () => {
  const f = useRedis("node-redis");
  beforeEach(async () => {
    await f.log.take();
  });

  /** A server whose handler writes `data.user` on `/login`, reads on `/`, and logs out on `/logout`. */
  async function app(options: Partial<SessionOptions> = {}): Promise<string> {
    const factory = f.sessions(options);
    return serve(
      sessions(factory, async (req, res) => {
        if (req.url === "/login") req.session.data.user = "ada";
        if (req.url === "/logout") await req.session.invalidate();
        res.setHeader("Content-Type", "text/plain");
        res.end(String(req.session.data.user ?? "anonymous"));
      }),
    );
  }

  async function login(url: string): Promise<string> {
    const res = await fetch(`${url}/login`);
    await res.text();
    await f.log.take();
    return cookiePair(res.headers.getSetCookie()[0]);
  }

  it("sends no cookie, no Vary and no Redis command when the handler never writes", async () => {
    const url = await app();
    const res = await fetch(url);
    expect(await res.text()).toBe("anonymous");
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(res.headers.get("vary")).toBeNull();
    expect(await f.log.shapes()).toEqual([]);
  });

  it("sets the cookie with Vary: Cookie when the handler writes, and reads it back", async () => {
    const url = await app();
    const res = await fetch(`${url}/login`);
    expect(res.headers.getSetCookie()).toEqual([
      expect.stringMatching(/^session=[^;]+; Path=\/; HttpOnly; SameSite=Lax$/),
    ]);
    expect(res.headers.get("vary")).toBe("Cookie");
    const again = await fetch(url, { headers: { cookie: cookiePair(res.headers.getSetCookie()[0]) } });
    expect(await again.text()).toBe("ada");
    expect(again.headers.getSetCookie()).toEqual([]);
    expect(again.headers.get("vary")).toBe("Cookie");
  });

  it("clears the cookie on logout", async () => {
    const url = await app();
    const cookie = await login(url);
    const res = await fetch(`${url}/logout`, { headers: { cookie } });
    expect(res.headers.getSetCookie()).toEqual([expect.stringMatching(/^session=; Max-Age=0;/)]);
    expect(await f.log.shapes()).toEqual(["GET", "GETDEL"]);
  });

  it("lands the commit before the client sees the response head", async () => {
    const events: string[] = [];
    const inner = f.client.store;
    const slow: SessionStore = {
      ...inner,
      async create(key, value, ttl) {
        await delay(150);
        const created = await inner.create(key, value, ttl);
        events.push("stored");
        return created;
      },
    };
    const factory = createSessions({ store: slow, secret: SECRET });
    const url = await serve(
      sessions(factory, (req, res) => {
        req.session.data.user = "ada";
        res.writeHead(302, { Location: "/home" }).end();
      }),
    );
    const res = await fetch(url, { redirect: "manual" });
    events.push("head");
    expect(events).toEqual(["stored", "head"]);
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/home");
    const cookie = cookiePair(res.headers.getSetCookie()[0]);
    const id = cookie.slice("session=".length, cookie.indexOf("."));
    expect(await f.raw.exists(f.prefix + digestId(id))).toBe(1);
  });

  it("sends an unchanged read's head at the handler's own end(), and holds a write's until it lands", async () => {
    const headSentAtEnd: Record<string, boolean> = {};
    const url = await serve(
      sessions(f.sessions(), (req, res) => {
        if (req.url === "/login") req.session.data.user = "ada";
        res.end(String(req.session.data.user ?? "anonymous"));
        headSentAtEnd[req.url ?? ""] = res.headersSent;
      }),
    );
    const cookie = cookiePair((await fetch(`${url}/login`)).headers.getSetCookie()[0]);
    const read = await fetch(url, { headers: { cookie } });
    expect(await read.text()).toBe("ada");
    expect(read.headers.get("vary")).toBe("Cookie");
    expect(read.headers.getSetCookie()).toEqual([]);
    expect(headSentAtEnd).toEqual({ "/login": false, "/": true });
  });

  it("holds flushHeaders() and streamed writes until the commit, then sends every chunk in order", async () => {
    const events: string[] = [];
    const inner = f.client.store;
    const slow: SessionStore = {
      ...inner,
      async create(key, value, ttl) {
        await delay(100);
        events.push("stored");
        return inner.create(key, value, ttl);
      },
    };
    const factory = createSessions({ store: slow, secret: SECRET });
    const url = await serve(
      sessions(factory, async (req, res) => {
        req.session.data.user = "ada";
        res.setHeader("Content-Type", "text/plain");
        res.flushHeaders();
        res.write("one,");
        await delay(20);
        res.write("two,");
        await delay(20);
        res.end("three");
      }),
    );
    const res = await fetch(url);
    events.push("head");
    expect(events).toEqual(["stored", "head"]);
    expect(res.headers.getSetCookie()).toHaveLength(1);
    expect(await res.text()).toBe("one,two,three");
  });

  it("answers HEAD with the cookie and no body", async () => {
    const url = await app();
    const res = await fetch(`${url}/login`, { method: "HEAD" });
    expect(res.status).toBe(200);
    expect(res.headers.getSetCookie()).toEqual([expect.stringMatching(/^session=[A-Za-z0-9_-]{43}\./)]);
    expect(await res.text()).toBe("");
    expect(await f.log.shapes()).toEqual(["SET NX EX"]);
  });

  it.each<[string, (value: string) => { path?: string; init: RequestInit }]>([
    ["the query string", (v) => ({ path: `/?session=${v}`, init: {} })],
    ["another header", (v) => ({ init: { headers: { "x-session": v, authorization: `Bearer ${v}` } } })],
    [
      "the body",
      (v) => ({
        init: {
          method: "POST",
          body: `session=${v}`,
          headers: { "content-type": "application/x-www-form-urlencoded" },
        },
      }),
    ],
    ["another cookie", (v) => ({ init: { headers: { cookie: `sessionid=${v}` } } })],
  ])("reads the id from the configured cookie only, not from %s", async (_name, place) => {
    const url = await app();
    const value = (await login(url)).slice("session=".length);
    const { path = "/", init } = place(value);
    const res = await fetch(`${url}${path}`, init);
    expect(await res.text()).toBe("anonymous");
    expect(await f.log.shapes()).toEqual([]);
  });

  it("keeps the handler's own Set-Cookie headers next to the session cookie", async () => {
    const factory = f.sessions();
    const url = await serve(
      sessions(factory, (req, res) => {
        req.session.data.user = "ada";
        res.setHeader("Set-Cookie", ["theme=dark; Path=/", "lang=en; Path=/"]);
        res.end();
      }),
    );
    const cookies = (await fetch(url)).headers.getSetCookie();
    expect(cookies).toHaveLength(3);
    expect(cookies.slice(0, 2)).toEqual(["theme=dark; Path=/", "lang=en; Path=/"]);
    expect(cookies[2]).toMatch(/^session=[A-Za-z0-9_-]{43}\./);
  });

  it("merges Cookie into an existing Vary header and leaves Vary: * alone", async () => {
    const factory = f.sessions();
    const url = await serve(
      sessions(factory, (req, res) => {
        req.session.data.user = "ada";
        res.setHeader(
          "Vary",
          req.url === "/star" ? "*" : req.url === "/has" ? "Accept, cookie" : "Accept-Encoding",
        );
        res.end();
      }),
    );
    expect((await fetch(url)).headers.get("vary")).toBe("Accept-Encoding, Cookie");
    expect((await fetch(`${url}/star`)).headers.get("vary")).toBe("*");
    expect((await fetch(`${url}/has`)).headers.get("vary")).toBe("Accept, cookie");
  });

  it("adds Secure when isHttps says the request came over HTTPS", async () => {
    const factory = f.sessions();
    const url = await serve(
      sessions(
        factory,
        (req, res) => {
          req.session.data.user = "ada";
          res.end();
        },
        { isHttps: (req) => req.headers["x-forwarded-proto"] === "https" },
      ),
    );
    expect((await fetch(url)).headers.getSetCookie()[0]).not.toContain("Secure");
    const secure = await fetch(url, { headers: { "x-forwarded-proto": "https" } });
    expect(secure.headers.getSetCookie()[0]).toMatch(/; Secure;/);
  });

  it("hangs the session under a configured name", async () => {
    const factory = f.sessions();
    const url = await serve(
      sessions(
        factory,
        (req, res) => {
          req.visit.data.n = 1;
          res.end(String(req.visit.isNew));
        },
        { name: "visit" },
      ),
    );
    const res = await fetch(url);
    expect(await res.text()).toBe("true");
    expect(res.headers.getSetCookie()).toHaveLength(1);
  });

  it("lets allowCookie see the status and headers the handler set", async () => {
    const url = await app({ allowCookie: (res) => !(res.header("Cache-Control") ?? "").includes("public") });
    const factory = f.sessions({ allowCookie: (res) => res.status !== 200 || !res.header("cache-control") });
    const cached = await serve(
      sessions(factory, (req, res) => {
        req.session.data.user = "ada";
        res.setHeader("Cache-Control", "public, max-age=600");
        res.end();
      }),
    );
    const res = await fetch(cached);
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(await f.log.shapes()).toEqual([]);
    expect((await fetch(`${url}/login`)).headers.getSetCookie()).toHaveLength(1);
  });

  it("answers a throwing handler with the default 500", async () => {
    const factory = f.sessions({ cookieOnError: false });
    const url = await serve(
      sessions(factory, (req) => {
        req.session.data.user = "ada";
        throw new Error("handler broke");
      }),
    );
    const res = await fetch(url);
    expect(res.status).toBe(500);
    expect(await res.text()).toBe("Internal Server Error");
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(await f.log.shapes()).toEqual([]);
  });

  it("counts a 5xx status set by the handler as a failed request", async () => {
    const factory = f.sessions({ cookieOnError: false });
    const url = await serve(
      sessions(factory, (req, res) => {
        req.session.data.user = "ada";
        res.statusCode = 503;
        res.end("busy");
      }),
    );
    const res = await fetch(url);
    expect(res.status).toBe(503);
    expect(await res.text()).toBe("busy");
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(await f.log.shapes()).toEqual([]);
  });

  it("lets attachSession() users mark the request failed", async () => {
    const factory = f.sessions({ cookieOnError: false });
    const url = await serve(async (req, res) => {
      const { session, fail } = await attachSession(factory, req, res);
      session.data.user = "ada";
      if (req.url === "/fail") fail();
      res.end("done");
    });
    expect((await fetch(`${url}/fail`)).headers.getSetCookie()).toEqual([]);
    expect((await fetch(url)).headers.getSetCookie()).toHaveLength(1);
  });

  it("answers 2xx with a fresh session and a cleared cookie when the stored payload is corrupt", async () => {
    const url = await app();
    const cookie = await login(url);
    const id = cookie.slice("session=".length, cookie.indexOf("."));
    await f.raw.set(f.prefix + digestId(id), "\u0000not json", "EX", 600);
    await f.log.take();
    const res = await fetch(url, { headers: { cookie } });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("anonymous");
    expect(res.headers.getSetCookie()).toEqual([expect.stringMatching(/^session=; Max-Age=0;/)]);
    expect(await f.log.shapes()).toEqual(["GET", "DEL"]);
  });

  it("answers 500 with no Set-Cookie and no Redis command when the payload is over maxPayloadBytes", async () => {
    const factory = f.sessions({ maxPayloadBytes: 1024 });
    const url = await serve(
      sessions(factory, (req, res) => {
        req.session.data.blob = "x".repeat(2000);
        res.end("stored");
      }),
    );
    const res = await fetch(url);
    expect(res.status).toBe(500);
    expect(await res.text()).toBe("Internal Server Error");
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(await f.log.shapes()).toEqual([]);
  });

  it("leaves a bad cookie alone on the response, which still varies on Cookie", async () => {
    const url = await app();
    const res = await fetch(url, { headers: { cookie: "session=forged.value" } });
    expect(await res.text()).toBe("anonymous");
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(res.headers.get("vary")).toBe("Cookie");
  });
});

describe("sessile/node adapter with a failed store", () => {
  let redis: TestRedis;
  let client: Redis;
  let factoryOptions: SessionOptions;
  let cookie: string;

  beforeAll(async () => {
    redis = await spawnRedis();
    client = new Redis(redis.url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    client.on("error", () => {});
    await once(client, "ready");
    factoryOptions = { store: redisStore(client, { prefix: "down:" }), secret: SECRET };
    const factory = createSessions(factoryOptions);
    const s = await factory.load(undefined);
    s.data.user = "ada";
    cookie = cookiePair((await factory.commit(s)).setCookie);
    const closed = once(client, "end");
    await redis.stop();
    await closed;
  });
  afterAll(async () => {
    client.disconnect();
    await redis.stop();
  });

  function handlerApp(onError?: (error: unknown, req: IncomingMessage, res: ServerResponse) => void) {
    let calls = 0;
    const factory = createSessions(factoryOptions);
    const handler = sessions(
      factory,
      (req, res) => {
        calls++;
        req.session.data.user = "grace";
        res.setHeader("X-Handler", "ran");
        res.setHeader("Set-Cookie", "theme=dark");
        res.end("ok");
      },
      onError === undefined ? {} : { onError },
    );
    return { handler, calls: () => calls };
  }

  it("answers 500 with no Set-Cookie and none of the handler's headers when the commit fails", async () => {
    const { handler, calls } = handlerApp();
    const url = await serve(handler);
    const res = await fetch(url);
    expect(calls()).toBe(1);
    expect(res.status).toBe(500);
    expect(await res.text()).toBe("Internal Server Error");
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(res.headers.get("x-handler")).toBeNull();
  });

  it("answers 500 without running the handler when the load fails", async () => {
    const { handler, calls } = handlerApp();
    const url = await serve(handler);
    const res = await fetch(url, { headers: { cookie } });
    expect(res.status).toBe(500);
    expect(calls()).toBe(0);
    expect(res.headers.getSetCookie()).toEqual([]);
  });

  it("gives a custom onError the StoreError, with no id or cookie value in its message", async () => {
    const errors: unknown[] = [];
    const { handler } = handlerApp((error, _req, res) => {
      errors.push(error);
      res.statusCode = 503;
      res.end("try later");
    });
    const url = await serve(handler);
    const res = await fetch(url, { headers: { cookie } });
    expect(res.status).toBe(503);
    expect(await res.text()).toBe("try later");
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(StoreError);
    expect(errors[0]).toMatchObject({ code: "store-failure", operation: "load" });
    const value = cookie.slice("session=".length);
    expect((errors[0] as Error).message).not.toContain(value.slice(0, value.indexOf(".")));
  });
});
