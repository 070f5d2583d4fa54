// The README's quick starts, type-checked (npm run typecheck). Imports point at src/ instead of "sessile".
import express from "express";
import Fastify, { type FastifyPluginAsync } from "fastify";
import { Hono } from "hono";
import { except } from "hono/combine";
import Koa from "koa";
import { createClient } from "redis";
import { sessions as expressSessions } from "../../src/adapters/express.js";
import { sessions as fastifySessions } from "../../src/adapters/fastify.js";
import { sessions as honoSessions, type SessionVariables } from "../../src/adapters/hono.js";
import { sessions as koaSessions } from "../../src/adapters/koa.js";
import { createSessions, redisStore } from "../../src/index.js";

declare module "../../src/core/types.js" {
  interface SessionData {
    views?: number;
  }
}

export async function quickStarts(): Promise<void> {
  const redis = createClient({
    url: process.env.REDIS_URL ?? "redis://localhost:6379",
    disableOfflineQueue: true,
  });
  await redis.connect();
  const factory = createSessions({
    store: redisStore(redis, { timeout: 1 }),
    secret: process.env.SESSION_SECRET as string,
  });

  // Express
  const expressApp = express();
  expressApp.get("/health", (_req, res) => {
    res.send("ok");
  });
  expressApp.use(express.static("public"));
  expressApp.use(expressSessions(factory));
  expressApp.get("/", (req, res) => {
    req.session.data.views = (req.session.data.views ?? 0) + 1;
    res.send(`views: ${req.session.data.views}`);
  });

  // Fastify
  const fastifyApp = Fastify();
  fastifyApp.get("/health", async () => "ok");
  const site: FastifyPluginAsync = async (scope) => {
    await scope.register(fastifySessions, { factory });
    scope.get("/", async (request) => {
      request.session.data.views = (request.session.data.views ?? 0) + 1;
      return { views: request.session.data.views };
    });
  };
  await fastifyApp.register(site);

  // Koa
  const koaApp = new Koa();
  const withSessions = koaSessions(factory);
  koaApp.use((ctx, next) => (ctx.path === "/health" ? next() : withSessions(ctx, next)));
  koaApp.use((ctx) => {
    if (ctx.path === "/health") {
      ctx.body = "ok";
      return;
    }
    ctx.session.data.views = (ctx.session.data.views ?? 0) + 1;
    ctx.body = { views: ctx.session.data.views };
  });

  // Hono
  const honoApp = new Hono<{ Variables: SessionVariables }>();
  honoApp.use(except(["/health", "/static/*"], honoSessions(factory)));
  honoApp.get("/health", (c) => c.text("ok"));
  honoApp.get("/", (c) => {
    const session = c.get("session");
    session.data.views = (session.data.views ?? 0) + 1;
    return c.json({ views: session.data.views });
  });
}
