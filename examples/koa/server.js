// sessile on Koa: `npm run example:koa`.
import Koa from "koa";
import { sessions } from "sessile/koa";
import { announce, openSessions, PORT, page } from "../store.js";

const { factory, label } = await openSessions();
const app = new Koa();
app.silent = true; // a store failure is answered with a 500 by Koa; no stack trace per request
app.use(sessions(factory));
app.use(async (ctx) => {
  if (ctx.path === "/logout") {
    await ctx.session.invalidate();
    ctx.redirect("/");
    return;
  }
  if (ctx.path !== "/") return;
  ctx.session.data.views = (ctx.session.data.views ?? 0) + 1;
  ctx.type = "html";
  ctx.body = page(ctx.session.data.views);
});
const server = app.listen(PORT, "127.0.0.1", () => announce("Koa", server.address().port, label));
