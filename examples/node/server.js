// The smallest sessile server: node:http, a visit counter, Redis at REDIS_URL or an in-memory store.
import { randomBytes } from "node:crypto";
import http from "node:http";
import { createClient } from "redis";
import { createSessions, memoryStore, redisStore } from "sessile";
import { sessions } from "sessile/node";

const url = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const port = Number(process.env.PORT ?? 3000);

async function chooseStore() {
  const client = createClient({
    url,
    socket: {
      connectTimeout: 1000,
      reconnectStrategy: (retries) => (retries > 0 ? Math.min(retries * 100, 2000) : false),
    },
  });
  client.on("error", () => {});
  try {
    await client.connect();
    return { store: redisStore(client), label: `Redis at ${url}` };
  } catch {
    console.warn(`No Redis answered at ${url}; using memoryStore() (sessions vanish on restart).`);
    return { store: memoryStore(), label: "memoryStore()" };
  }
}

const { store, label } = await chooseStore();
const secret = process.env.SESSION_SECRET ?? randomBytes(32).toString("base64url");
const factory = createSessions({ store, secret });

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
    res.end(
      `<h1>Visits: ${req.session.data.views}</h1><p>Store: ${label}</p><p><a href="/">again</a> · <a href="/logout">forget me</a></p>`,
    );
  }),
);
server.listen(port, () => console.log(`sessile example on http://localhost:${port} (store: ${label})`));
