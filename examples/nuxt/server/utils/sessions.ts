// The sessile factories of this Nitro process, on one Redis client made from REDIS_URL and
// SESSION_SECRET as the running server sees them (read when the server starts, not when it is built).
// The client connects once, on the first request: see connected().
import { createClient } from "redis";
import { createSessions, redisStore } from "sessile";

/** What the app keeps in its main session. */
export interface AppData {
  user?: string;
  views?: number;
  [key: string]: unknown;
}

/** What the second factory keeps: preferences under their own cookie. */
export interface PrefsData {
  theme?: string;
}

const secret = process.env.SESSION_SECRET;
if (!secret) throw new Error("set SESSION_SECRET (32 or more random characters)");

const client = createClient({
  url: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
  // Fail fast while Redis is away instead of queueing commands, so requests answer 5xx at once.
  disableOfflineQueue: true,
  socket: { reconnectStrategy: (retries) => Math.min(50 * (retries + 1), 500) },
});
client.on("error", () => {});

let connecting: Promise<void> | undefined;

/**
 * Connects the client on the first call (node-redis reconnects it by itself afterwards) and waits for
 * it at most a second, so a server started while Redis is away answers 5xx quickly instead of hanging.
 */
export async function connected(): Promise<void> {
  connecting ??= client.connect().then(
    () => undefined,
    () => undefined,
  );
  if (client.isReady) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([connecting, new Promise((resolve) => (timer = setTimeout(resolve, 1000)))]);
  clearTimeout(timer);
}

/** The main session, at event.context.session (server/middleware/session.ts). */
export const sessions = createSessions<AppData>({ store: redisStore(client, { timeout: 1000 }), secret });

/** A second factory beside it, under its own cookie and key prefix (server/routes/prefs). */
export const prefs = createSessions<PrefsData>({
  store: redisStore(client, { prefix: "sessile:prefs:", timeout: 1000 }),
  secret,
  cookie: { name: "prefs" },
});
