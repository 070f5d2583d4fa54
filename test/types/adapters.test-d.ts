// Checked by `tsc` (npm run typecheck); vitest runs it too with `--typecheck`.
import type { Request as ExpressRequest, RequestHandler } from "express";
import Fastify, { type FastifyRequest } from "fastify";
import { defineEventHandler, type EventHandler, type EventHandlerRequest, type H3Event } from "h3";
import { Hono } from "hono";
import type { Context as KoaContext, Middleware as KoaMiddleware } from "koa";
import { describe, expectTypeOf, it } from "vitest";
import { sessions as expressSessions } from "../../src/adapters/express.js";
import { type FastifySessionsOptions, sessions as fastifySessions } from "../../src/adapters/fastify.js";
import { defineSessionHandler, sessionMiddleware as h3SessionMiddleware } from "../../src/adapters/h3.js";
import { sessions as honoSessions, type SessionVariables } from "../../src/adapters/hono.js";
import { sessions as koaSessions } from "../../src/adapters/koa.js";
import { createSessions, memoryStore, type Session, type Sessions } from "../../src/index.js";

interface Admin {
  role: "root" | "guest";
}

const factory = createSessions({ store: memoryStore(), secret: "x".repeat(32) });
const admins: Sessions<Admin> = createSessions<Admin>({ store: memoryStore(), secret: "x".repeat(32) });

describe("sessile/express types", () => {
  it("puts a Session on req.session and is an Express middleware", () => {
    expectTypeOf<ExpressRequest["session"]>().toEqualTypeOf<Session>();
    expectTypeOf(expressSessions(factory)).toExtend<RequestHandler>();
    expectTypeOf(expressSessions(admins, { name: "admin" })).toExtend<RequestHandler>();
    // @ts-expect-error the name is a string
    expressSessions(factory, { name: 1 });
  });
});

describe("sessile/fastify types", () => {
  it("puts a Session on request.session and registers with a factory of any data shape", async () => {
    expectTypeOf<FastifyRequest["session"]>().toEqualTypeOf<Session>();
    const app = Fastify();
    await app.register(fastifySessions, { factory });
    await app.register(fastifySessions, { factory: admins, name: "admin" });
    // @ts-expect-error the factory is required
    await app.register(fastifySessions, { name: "session" });
    expectTypeOf<FastifySessionsOptions["name"]>().toEqualTypeOf<string | undefined>();
    app.get("/", async (request) => {
      expectTypeOf(request.session.data).toEqualTypeOf<Session["data"]>();
      return "ok";
    });
  });
});

describe("sessile/koa types", () => {
  it("puts a Session on ctx.session and is a Koa middleware", () => {
    expectTypeOf<KoaContext["session"]>().toEqualTypeOf<Session>();
    expectTypeOf(koaSessions(factory)).toExtend<KoaMiddleware>();
    expectTypeOf(koaSessions(admins, { name: "admin" })).toExtend<KoaMiddleware>();
  });
});

describe("sessile/hono types", () => {
  it("types c.get(name) through SessionVariables, one per factory", () => {
    const app = new Hono<{ Variables: SessionVariables & SessionVariables<Admin, "admin"> }>();
    app.use(honoSessions(factory));
    app.use(honoSessions(admins, { name: "admin" }));
    app.get("/", (c) => {
      expectTypeOf(c.get("session")).toEqualTypeOf<Session>();
      expectTypeOf(c.get("admin")).toEqualTypeOf<Session<Admin>>();
      expectTypeOf(c.get("admin").data.role).toEqualTypeOf<"root" | "guest">();
      // @ts-expect-error no such variable
      c.get("other");
      return c.text("ok");
    });
    expectTypeOf(honoSessions(admins, { name: "admin" })).toExtend<
      import("hono").MiddlewareHandler<{ Variables: SessionVariables<Admin, "admin"> }>
    >();
    // @ts-expect-error the name must match the declared variables' key type
    honoSessions(admins, { name: 1 });
  });
});

describe("sessile/h3 types", () => {
  it("plugs into h3's defineEventHandler and hands defineSessionHandler the factory's session type", () => {
    const middleware = defineEventHandler(h3SessionMiddleware(factory));
    expectTypeOf(middleware).toExtend<EventHandler>();
    const handler = defineSessionHandler(admins, (event: H3Event, session) => {
      expectTypeOf(session).toEqualTypeOf<Session<Admin>>();
      return { role: session.data.role, path: event.path };
    });
    expectTypeOf(handler).toExtend<
      EventHandler<EventHandlerRequest, Promise<{ role: Admin["role"]; path: string }>>
    >();
    // @ts-expect-error the name is a string
    h3SessionMiddleware(factory, { name: 1 });
  });
});
