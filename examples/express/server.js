// sessile on Express: `npm run example:express`.
import express from "express";
import { sessions } from "sessile/express";
import { announce, openSessions, PORT, page } from "../store.js";

const { factory, label } = await openSessions();
const app = express();
app.use(sessions(factory));
app.get("/", (req, res) => {
  req.session.data.views = (req.session.data.views ?? 0) + 1;
  res.type("html").send(page(req.session.data.views));
});
app.get("/logout", async (req, res) => {
  await req.session.invalidate();
  res.redirect("/");
});
// A store failure reaches Express's error path: a 500, and no cookie for what was not saved.
app.use((error, _req, res, _next) => {
  console.error(`request failed: ${error.message}`);
  res.status(500).send("Internal Server Error");
});
const server = app.listen(PORT, "127.0.0.1", () => announce("Express", server.address().port, label));
