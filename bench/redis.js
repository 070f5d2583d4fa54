// The benchmark's own redis-server on a free loopback port, and the admin queries the runner needs.

import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "redis";

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts redis-server (or `binary`, e.g. the Valkey of scripts/valkey.sh) without persistence; resolves to
 * `{ url, admin, version, stop() }`.
 */
export async function startRedis(binary = "redis-server") {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "sessile-bench-redis-"));
  const child = spawn(
    binary,
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir],
    { stdio: "ignore" },
  );
  const spawned = new Promise((resolve, reject) => {
    child.once("error", (error) =>
      reject(
        new Error(
          `could not start ${binary} (${error.message}); install it (apt-get install redis-server, brew install redis)`,
        ),
      ),
    );
    child.once("spawn", resolve);
  });
  await spawned;
  const url = `redis://127.0.0.1:${port}`;
  const admin = createClient({ url, socket: { reconnectStrategy: false } });
  admin.on("error", () => {});
  const deadline = Date.now() + 5000;
  for (;;) {
    try {
      await admin.connect();
      break;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const info = await admin.sendCommand(["INFO", "server"]);
  const valkey = /valkey_version:(\S+)/.exec(info)?.[1];
  const version = valkey ? `Valkey ${valkey}` : (/redis_version:(\S+)/.exec(info)?.[1] ?? "unknown");
  return {
    url,
    admin,
    pid: child.pid,
    /** Synchronous, for signal handlers. */
    kill() {
      child.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    },
    version,
    async stop() {
      admin.destroy();
      await new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", resolve);
        child.kill("SIGTERM");
      });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Commands issued by the runner itself, left out of the per-request counts. */
const RUNNER_COMMANDS = new Set(["info", "config|resetstat", "config"]);

/**
 * `INFO commandstats` as `{ calls: { get: 123, set: 45 }, usec: { get: 150, set: 90 } }` (command names
 * lower case, runner's own left out; `usec` is the server's total CPU time per command, a script's
 * including the commands it runs).
 */
export async function commandStats(admin) {
  const text = await admin.sendCommand(["INFO", "commandstats"]);
  const calls = {};
  const usec = {};
  for (const line of text.split("\r\n")) {
    const match = /^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/.exec(line);
    if (match && !RUNNER_COMMANDS.has(match[1])) {
      calls[match[1]] = Number(match[2]);
      usec[match[1]] = Number(match[3]);
    }
  }
  return { calls, usec };
}
