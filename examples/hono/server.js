// sessile on Hono (with @hono/node-server): `npm run example:hono`.
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { sessions } from "sessile/hono";
import { announce, openSessions, PORT, page } from "../store.js";

const { factory, label } = await openSessions();
const app = new Hono();
app.use(sessions(factory));
app.get("/", (c) => {
  const session = c.get("session");
  session.data.views = (session.data.views ?? 0) + 1;
  return c.html(page(session.data.views));
});
app.get("/logout", async (c) => {
  await c.get("session").invalidate();
  return c.redirect("/");
});
// A store failure: a 500, and no cookie for what was not saved.
app.onError((error, c) => {
  console.error(`request failed: ${error.message}`);
  return c.text("Internal Server Error", 500);
});
serve({ fetch: app.fetch, port: PORT, hostname: "127.0.0.1" }, (info) => announce("Hono", info.port, label));
