// One sessile factory for the whole app, on Redis at REDIS_URL, and the router context that carries it.
import { createContext } from "react-router";
import { createClient } from "redis";
import { createSessions, redisStore } from "sessile";
import { createSessionStorage, sessionMiddleware } from "sessile/react-router";

const client = createClient({
  url: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
  // Fail fast while Redis is away instead of queueing commands, so requests answer 5xx at once.
  disableOfflineQueue: true,
  socket: { reconnectStrategy: (retries) => Math.min(50 * (retries + 1), 500) },
});
client.on("error", () => {});
await client.connect();

const secret = process.env.SESSION_SECRET;
if (!secret) throw new Error("set SESSION_SECRET (32 or more random characters)");

export const factory = createSessions({ store: redisStore(client, { timeout: 1000 }), secret });

/** The session of this request, set by the root middleware: `context.get(sessionContext)`. */
export const sessionContext = createContext();

export const sessions = sessionMiddleware(factory, sessionContext);

/** The createSessionStorage-shaped facade, for loaders and actions written against getSession/commitSession. */
export const { getSession, commitSession, destroySession } = createSessionStorage(factory);
