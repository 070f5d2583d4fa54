import { createServer } from "node:http";
import compression from "compression";
import express from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sessions } from "../src/adapters/express.js";
import { createSessions, digestId } from "../src/index.js";
import { SECRET, useRedis } from "./helpers/sessions.js";
import { delayedWrites } from "./helpers/slow-store.js";
import { Browser } from "./spec/browser.js";
import type { SpecApp } from "./spec/fixture.js";
import { listen } from "./spec/listen.js";

const WRITE_DELAY_MS = 150;
// Over compression's 1 KiB threshold, so the body really is compressed.
const BODY = "sessile ".repeat(512);

describe("holding the response head with a response-patching middleware (compression)", () => {
  const f = useRedis("ioredis");
  const apps: Record<string, SpecApp> = {};

  beforeAll(async () => {
    const factory = createSessions({
      store: delayedWrites(f.client.store, { ms: WRITE_DELAY_MS }),
      secret: SECRET,
    });
    const orders = {
      "compression, then sessions": [compression(), sessions(factory)],
      "sessions, then compression": [sessions(factory), compression()],
    };
    for (const [order, middleware] of Object.entries(orders)) {
      const app = express();
      app.use(...middleware);
      app.get("/write", (req, res) => {
        req.session.data.user = "ada";
        res.type("text/plain").send(BODY);
      });
      app.get("/read", (req, res) => {
        res.type("text/plain").send(`${req.session.data.user ?? "anonymous"} ${BODY}`);
      });
      app.get("/stream", (req, res) => {
        req.session.data.streamed = true;
        res.type("text/plain");
        res.write(BODY);
        res.end(BODY);
      });
      apps[order] = await listen(createServer(app));
    }
  });

  afterAll(async () => {
    for (const app of Object.values(apps)) await app.close();
  });

  describe.each(["compression, then sessions", "sessions, then compression"])("%s", (order) => {
    it.each(["/write", "/stream"])(
      "%s: the response is compressed and its session is stored before the head",
      async (path) => {
        const browser = new Browser((apps[order] as SpecApp).url);
        const started = Date.now();
        const reply = await browser.request(path, { headers: { "Accept-Encoding": "gzip" } });
        const cookie = browser.cookie("session") as string;
        // Read the moment the response arrived: a head sent before the write landed finds no key.
        const stored = await f.raw.get(`${f.prefix}${digestId(cookie.split(".")[0] as string)}`);
        expect(Date.now() - started).toBeGreaterThanOrEqual(WRITE_DELAY_MS - 5);
        expect(reply.status).toBe(200);
        expect(reply.headers.get("content-encoding")).toBe("gzip");
        expect(reply.text).toContain("sessile sessile");
        expect(reply.headers.get("vary")).toMatch(/\bcookie\b/i);
        expect(stored).not.toBeNull();
        await f.log.take();
      },
    );

    it("an unchanged read is compressed, varies on Cookie and sends nothing to Redis but its GET", async () => {
      const browser = new Browser((apps[order] as SpecApp).url);
      await browser.request("/write");
      await f.log.take();
      const reply = await browser.request("/read", { headers: { "Accept-Encoding": "gzip" } });
      expect(reply.status).toBe(200);
      expect(reply.headers.get("content-encoding")).toBe("gzip");
      expect(reply.text.startsWith("ada sessile")).toBe(true);
      expect(reply.headers.get("vary")).toMatch(/\bcookie\b/i);
      expect(reply.setCookies).toEqual([]);
      expect(await f.log.shapes()).toEqual(["GET"]);
    });
  });
});

describe("holding an Express response through the ServerResponse prototype", () => {
  const f = useRedis("ioredis");
  let app: SpecApp;
  /** For each request, which of the four head methods sat on the response itself after sessions(). */
  const ownAfterSessions: string[][] = [];

  beforeAll(async () => {
    const factory = createSessions({
      store: delayedWrites(f.client.store, { ms: WRITE_DELAY_MS }),
      secret: SECRET,
    });
    const parent = express();
    parent.use(sessions(factory));
    parent.use((_req, res, next) => {
      ownAfterSessions.push(
        ["writeHead", "write", "end", "flushHeaders"].filter((m) => Object.hasOwn(res, m)),
      );
      next();
    });
    // A mounted Express app sets the response's prototype to its own while it handles the request.
    const mounted = express();
    mounted.get("/write", (req, res) => {
      req.session.data.user = "grace";
      res.type("text/plain").send("from the mounted app");
    });
    parent.use("/sub", mounted);
    parent.get("/write", (req, res) => {
      req.session.data.user = "ada";
      res.type("text/plain").send("from the app");
    });
    app = await listen(createServer(parent));
  });

  afterAll(async () => {
    await app?.close();
  });

  it.each([
    ["/write", "from the app", "ada"],
    ["/sub/write", "from the mounted app", "grace"],
  ])(
    "%s: the head waits for the session's write, and no method was put on the response",
    async (path, body, user) => {
      ownAfterSessions.length = 0;
      const browser = new Browser(app.url);
      const started = Date.now();
      const reply = await browser.request(path);
      const cookie = browser.cookie("session") as string;
      const stored = await f.raw.get(`${f.prefix}${digestId(cookie.split(".")[0] as string)}`);
      expect(Date.now() - started).toBeGreaterThanOrEqual(WRITE_DELAY_MS - 5);
      expect(reply.text).toBe(body);
      expect(stored).toContain(user);
      expect(ownAfterSessions).toEqual([[]]);
      await f.log.take();
    },
  );
});
