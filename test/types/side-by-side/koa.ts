// One TypeScript program with koa-session and sessile's Koa middleware, as during a switch.
import Koa from "koa";
import { createSession } from "koa-session";
import { expectTypeOf } from "vitest";
import { sessions } from "../../../src/adapters/koa-bare.js";
import { createSessions, memoryStore, type Session } from "../../../src/index.js";

interface AppData {
  views?: number;
}

declare module "koa" {
  interface DefaultContext {
    /** sessile's session, under the name given to the middleware. */
    sessile: Session<AppData>;
  }
}

const factory = createSessions<AppData>({ store: memoryStore(), secret: "x".repeat(32) });
const app = new Koa();
app.keys = ["legacy key"];
app.use(createSession({}, app));
app.use(sessions(factory, { name: "sessile" }));
app.use((ctx) => {
  // koa-session declares no type for ctx.session; legacy code keeps reading it as it did.
  ctx.session.views = (ctx.session.views ?? 0) + 1;
  ctx.sessile.data.views = ctx.session.views;
  expectTypeOf(ctx.sessile).toEqualTypeOf<Session<AppData>>();
  ctx.body = "ok";
});
