// Child-process entry: `node bench/server.js <contender-id>` with REDIS_URL set, forked by bench/run.js
// and bench/soak.js. Starts the contender's app on a free loopback port and tells the parent the port
// over IPC.

import { APPS } from "./apps.js";

const id = process.argv[2];
const start = APPS[id];
if (start === undefined) {
  process.send?.({ error: `unknown contender ${id}` });
  process.exit(1);
}
try {
  const port = await start(process.env.REDIS_URL);
  process.send?.({ port });
} catch (error) {
  process.send?.({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exit(1);
}
process.on("SIGTERM", () => process.exit(0));
// The soak (bench/soak.js, node --expose-gc) asks for the heap after a full collection.
process.on("message", (message) => {
  if (message !== "sample" || typeof globalThis.gc !== "function") return;
  globalThis.gc();
  globalThis.gc();
  const { heapUsed, heapTotal, rss, external, arrayBuffers } = process.memoryUsage();
  process.send?.({ sample: { heapUsed, heapTotal, rss, external, arrayBuffers } });
});
