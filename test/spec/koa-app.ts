import { createServer } from "node:http";
import { Readable } from "node:stream";
import type Koa from "koa";
import type { Context } from "koa";
import { sessions } from "../../src/adapters/koa.js";
import type { Session } from "../../src/index.js";
import type { MakeApp } from "./fixture.js";
import { listen } from "./listen.js";
import { type Outcome, ROUTES } from "./routes.js";

function answer(ctx: Context, outcome: Outcome): void {
  if (outcome.type === "json") {
    ctx.status = outcome.status;
    ctx.set(outcome.headers);
    ctx.body = outcome.body;
  } else if (outcome.type === "redirect") {
    ctx.status = 302;
    ctx.redirect(outcome.location);
  } else if (outcome.type === "stream") {
    ctx.type = "text/plain";
    ctx.body = Readable.from(outcome.chunks);
  } else {
    ctx.status = 204;
  }
}

/** The spec app on a `Koa` class (majors 2 and 3). */
export function koaSpecApp(KoaClass: typeof Koa): MakeApp {
  return async (factories) => {
    const app = new KoaClass();
    app.silent = true;
    app.proxy = true;
    app.use(async (ctx, next) => {
      if (ctx.path === "/health") ctx.body = "ok";
      else await next();
    });
    app.use(sessions(factories.session));
    app.use(sessions(factories.admin, { name: "admin" }));
    app.use(async (ctx) => {
      const route = ROUTES[ctx.path];
      if (route === undefined) return;
      const admin = ctx.admin as Session;
      answer(
        ctx,
        await route({
          session: ctx.session,
          admin,
          query: new URLSearchParams(ctx.querystring),
          method: ctx.method,
        }),
      );
    });
    return listen(createServer(app.callback()));
  };
}
