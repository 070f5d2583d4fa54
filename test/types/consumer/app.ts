// A strict consumer of the packed package: every entry point, imported by name as a user would.
// Compiled by test/package.test.ts under each module resolution mode, ESM and CommonJS.
import { createServer } from "node:http";
import express from "express";
import Fastify from "fastify";
import { Hono } from "hono";
import Koa from "koa";
import type { createClient } from "redis";
import { createSessions, memoryStore, redisStore, type Session, SessionError, type Sessions } from "sessile";
import { sessions as expressSessions } from "sessile/express";
import { sessions as bareExpressSessions } from "sessile/express/bare";
import { sessions as fastifySessions } from "sessile/fastify";
import { sessions as bareFastifySessions } from "sessile/fastify/bare";
import { sessions as honoSessions, type SessionVariables } from "sessile/hono";
import { sessions as koaSessions } from "sessile/koa";
import { sessions as bareKoaSessions } from "sessile/koa/bare";
import { expressSessionSource } from "sessile/migrate";
import { sessions as nodeSessions } from "sessile/node";
import { storeConformanceCases } from "sessile/testing";

declare module "sessile" {
  interface SessionData {
    views?: number;
  }
}

const secret = "x".repeat(32);
export const factory: Sessions = createSessions({ store: memoryStore(), secret });
export const redisFactory = (client: ReturnType<typeof createClient>): Sessions =>
  createSessions({ store: redisStore(client, { timeout: 1 }), secret });

export const views = (session: Session): number => {
  const next: number = (session.data.views ?? 0) + 1;
  session.data.views = next;
  return next;
};

export const isSessionError = (error: unknown): boolean => error instanceof SessionError;

export const nodeServer = createServer(
  nodeSessions(factory, (req, res) => {
    res.end(String(views(req.session)));
  }),
);

const expressApp = express();
expressApp.use(expressSessions(factory));
expressApp.get("/", (req, res) => {
  res.send(String(views(req.session)));
});

export { expressApp };
export const bare = [bareExpressSessions(factory), bareKoaSessions(factory), bareFastifySessions] as const;

export const fastifyApp = Fastify();
void fastifyApp.register(fastifySessions, { factory });

export const koaApp = new Koa();
koaApp.use(koaSessions(factory));
koaApp.use((ctx) => {
  ctx.body = String(views(ctx.session));
});

export const honoApp = new Hono<{ Variables: SessionVariables }>();
honoApp.use(honoSessions(factory));
honoApp.get("/", (c) => c.text(String(views(c.get("session")))));

export const cases = storeConformanceCases(() => memoryStore());
export const source = expressSessionSource;
