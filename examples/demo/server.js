// The sessile demo: `npm start` builds the library and runs this on http://localhost:3000.
//
//   PORT            port to listen on (default 3000; 0 picks a free one)
//   HOST            address to bind (default 127.0.0.1; 0.0.0.0 to reach it from other machines)
//   REDIS_URL       Redis to keep sessions in (default redis://127.0.0.1:6379); when none answers,
//                   the demo runs on memoryStore() and says so
//   SESSION_SECRET  at least 32 bytes; when unset, a random one is made for this run
import { randomBytes } from "node:crypto";
import http from "node:http";
import { createSessions } from "sessile";
import { createApp } from "./app.js";
import { describeUrl, openStore } from "./store.js";

const IDLE_TIMEOUT = 20 * 60;

const port = Number(process.env.PORT ?? 3000);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`sessile demo: PORT must be a port number, not ${JSON.stringify(process.env.PORT)}`);
  process.exit(1);
}
const host = process.env.HOST || "127.0.0.1";
const redisUrl = process.env.REDIS_URL || "redis://127.0.0.1:6379";

const backend = await openStore(redisUrl);
if (backend.kind === "redis") {
  console.log(`sessile demo: sessions in Redis at ${describeUrl(redisUrl)}`);
} else {
  console.warn(`sessile demo: ${backend.reason}; using memoryStore() (sessions live in this process only)`);
}

let secret = process.env.SESSION_SECRET;
if (!secret) {
  secret = randomBytes(32).toString("base64url");
  console.warn(
    "sessile demo: SESSION_SECRET is not set; using a random secret, so sessions end when the demo restarts",
  );
}

let factory;
try {
  factory = createSessions({
    store: backend.store,
    secret,
    idleTimeout: IDLE_TIMEOUT,
    onInvalid: (reason, details) =>
      console.log(`sessile demo: session cookie not used (${reason}): ${details.message}`),
  });
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  await backend.close();
  process.exit(1);
}

const app = createApp({
  factory,
  backend,
  idleTimeout: IDLE_TIMEOUT,
  log: process.env.DEMO_QUIET ? undefined : (line) => console.log(`  ${line}`),
});

const server = http.createServer(app);
server.on("error", async (error) => {
  console.error(`sessile demo: cannot listen on ${host}:${port}: ${error.message}`);
  await backend.close();
  process.exit(1);
});
server.listen(port, host, () => {
  const address = server.address();
  const shown = host === "127.0.0.1" || host === "::1" ? "localhost" : host;
  console.log(`sessile demo: listening on http://${shown}:${address.port} (${backend.label})`);
});

let stopping = false;
async function stop(signal) {
  if (stopping) return;
  stopping = true;
  console.log(`sessile demo: ${signal}, stopping`);
  server.close();
  server.closeAllConnections();
  await backend.close().catch(() => {});
  process.exit(0);
}
process.on("SIGINT", () => void stop("SIGINT"));
process.on("SIGTERM", () => void stop("SIGTERM"));
