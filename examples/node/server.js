// The smallest sessile server, on node:http: `npm run example:node`.
import http from "node:http";
import { sessions } from "sessile/node";
import { announce, openSessions, PORT, page } from "../store.js";

const { factory, label } = await openSessions();

const server = http.createServer(
  sessions(factory, async (req, res) => {
    if (req.url === "/logout") {
      await req.session.invalidate();
      res.writeHead(302, { Location: "/" }).end();
      return;
    }
    if (req.url !== "/") {
      res.writeHead(404).end();
      return;
    }
    req.session.data.views = (req.session.data.views ?? 0) + 1;
    res.setHeader("Content-Type", "text/html; charset=utf-8");
    res.end(page(req.session.data.views));
  }),
);
server.listen(PORT, "127.0.0.1", () => announce("node:http", server.address().port, label));
