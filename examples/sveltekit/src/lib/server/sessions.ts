// Two sessile factories on one Redis at REDIS_URL: the visitor's session and, side by side under its
// own cookie, an admin session.
import { env } from "node:process";
import { createClient } from "redis";
import { createSessions, redisStore } from "sessile";

const client = createClient({
  url: env.REDIS_URL ?? "redis://127.0.0.1:6379",
  // Fail fast while Redis is away instead of queueing commands, so requests answer 5xx at once.
  disableOfflineQueue: true,
  socket: { reconnectStrategy: (retries) => Math.min(50 * (retries + 1), 500) },
});
client.on("error", () => {});
await client.connect();

const secret = env.SESSION_SECRET;
if (!secret) throw new Error("set SESSION_SECRET (32 or more random characters)");

const store = redisStore(client, { timeout: 1000 });

export const factory = createSessions({ store, secret });

export const adminFactory = createSessions({ store, secret, cookie: { name: "admin" } });
