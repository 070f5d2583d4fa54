import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A Redis server the tests may use: one they started, or the one named by `REDIS_URL`. */
export interface TestRedis {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** True when this process started the server (so it may be stopped and restarted). */
  readonly owned: boolean;
  stop(): Promise<void>;
  /** Starts the server again on the same port after `stop()`. */
  restart(): Promise<void>;
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

/** Resolves once something answers PING with PONG on host:port, or rejects after `timeoutMs`. */
export async function waitForRedis(host: string, port: number, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await ping(host, port)) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`redis on ${host}:${port} did not answer within ${timeoutMs} ms`);
}

function ping(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    let answer = "";
    socket.setTimeout(500);
    socket.once("error", () => resolve(false));
    socket.once("timeout", () => {
      socket.destroy();
      resolve(false);
    });
    socket.on("data", (chunk) => {
      answer += chunk.toString();
      if (answer.includes("\r\n")) {
        socket.destroy();
        resolve(answer.startsWith("+PONG"));
      }
    });
    socket.connect(port, host, () => socket.write("PING\r\n"));
  });
}

let checkedBinary = false;

/** Fails with an install hint when `redis-server` is not on PATH. */
export function requireRedisBinary(): void {
  if (checkedBinary) return;
  try {
    execFileSync("redis-server", ["--version"], { stdio: "ignore" });
    checkedBinary = true;
  } catch {
    throw new Error(
      "The tests need a Redis server: install redis-server (Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis) or set REDIS_URL=redis://host:port to a server they may write to.",
    );
  }
}

/**
 * Starts `redis-server` (or `binary`, a server that takes the same arguments) on a free loopback port
 * with no persistence, plus any extra arguments.
 */
export async function spawnRedis(
  extraArgs: string[] = [],
  port?: number,
  binary = "redis-server",
): Promise<TestRedis> {
  if (binary === "redis-server") requireRedisBinary();
  const chosen = port ?? (await freePort());
  let child: ChildProcess | undefined;
  let dir = "";
  const start = async (): Promise<void> => {
    dir = mkdtempSync(join(tmpdir(), "sessile-redis-"));
    child = spawn(
      binary,
      [
        "--port",
        String(chosen),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        dir,
        ...extraArgs,
      ],
      { stdio: "ignore" },
    );
    await waitForRedis("127.0.0.1", chosen);
  };
  const stop = async (): Promise<void> => {
    const c = child;
    child = undefined;
    if (c === undefined || c.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once("exit", () => resolve());
      c.kill("SIGKILL");
    });
    rmSync(dir, { recursive: true, force: true });
  };
  await start();
  return {
    url: `redis://127.0.0.1:${chosen}`,
    host: "127.0.0.1",
    port: chosen,
    owned: true,
    stop,
    async restart() {
      await stop();
      await start();
    },
  };
}

/**
 * The path of a Valkey 8.1 server (the first with `SET … IFEQ`), fetched once from Debian's packages by
 * scripts/valkey.sh into .cache/valkey; `VALKEY_SERVER` names one instead.
 */
export function valkeyBinary(): string {
  if (process.env.VALKEY_SERVER) return process.env.VALKEY_SERVER;
  const script = join(import.meta.dirname, "../../scripts/valkey.sh");
  try {
    return execFileSync("bash", [script], { encoding: "utf8" }).trim();
  } catch (error) {
    throw new Error(`scripts/valkey.sh could not provide Valkey 8.1: ${(error as Error).message}`);
  }
}

/** Starts a Valkey 8.1 server on a free loopback port; see {@link valkeyBinary}. */
export function spawnValkey(extraArgs: string[] = []): Promise<TestRedis> {
  return spawnRedis(extraArgs, undefined, valkeyBinary());
}

/** The server for a test file: `REDIS_URL` when set, otherwise a fresh `redis-server` of its own. */
export async function testRedis(): Promise<TestRedis> {
  const fromEnv = process.env.REDIS_URL;
  if (fromEnv) {
    const url = new URL(fromEnv);
    const port = Number(url.port || 6379);
    return {
      url: fromEnv,
      host: url.hostname,
      port,
      owned: false,
      async stop() {},
      async restart() {},
    };
  }
  return spawnRedis();
}
