import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { Redis } from "ioredis";
import { freePort, waitForRedis } from "./redis-server.js";

/** The loopback address every process of a topology listens on. */
export const HOST = "127.0.0.1";

/** One `redis-server` process (data node or Sentinel) started by a topology. */
export interface TopologyNode {
  readonly host: string;
  readonly port: number;
  readonly url: string;
  /** False once the process has exited. */
  readonly alive: boolean;
  /** Stops the process with SIGKILL (no shutdown, no save: a crash) and resolves once it has exited. */
  kill(): Promise<void>;
}

/** A `redis-server` child process on `port`, started with `args`. */
export class ServerProcess implements TopologyNode {
  readonly host = HOST;
  readonly port: number;
  readonly url: string;
  readonly #child: ChildProcess;

  constructor(port: number, args: string[]) {
    this.port = port;
    this.url = `redis://${HOST}:${port}`;
    this.#child = spawn("redis-server", args, { stdio: "ignore" });
  }

  get alive(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null;
  }

  async kill(): Promise<void> {
    if (!this.alive) return;
    await new Promise<void>((resolve) => {
      this.#child.once("exit", () => resolve());
      this.#child.kill("SIGKILL");
    });
  }
}

/** Runs one command on host:port through a short-lived connection that never retries. */
export async function adminCall(node: { host: string; port: number }, ...args: string[]): Promise<unknown> {
  const redis = new Redis({
    host: node.host,
    port: node.port,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: 1000,
    commandTimeout: 5000,
    retryStrategy: () => null,
  });
  redis.on("error", () => {});
  try {
    await redis.connect();
    const [command, ...rest] = args;
    return await redis.call(command as string, ...rest);
  } finally {
    redis.disconnect();
  }
}

/** The `key:value` lines of one `INFO` section of `node`. */
export async function info(node: TopologyNode, section: string): Promise<Map<string, string>> {
  const text = String(await adminCall(node, "INFO", section));
  const out = new Map<string, string>();
  for (const line of text.split("\r\n")) {
    const at = line.indexOf(":");
    if (at > 0) out.set(line.slice(0, at), line.slice(at + 1));
  }
  return out;
}

/** Base arguments of a data node: loopback only, no persistence, its own directory. */
function dataNodeArgs(port: number, dir: string): string[] {
  return ["--port", String(port), "--bind", HOST, "--save", "", "--appendonly", "no", "--dir", dir];
}

/** Starts a data node in `root/name` on a free port; resolves once it answers PING. */
export async function startDataNode(
  root: string,
  name: string,
  extraArgs: string[] = [],
): Promise<ServerProcess> {
  const dir = join(root, name);
  mkdirSync(dir);
  const port = await freePort();
  const node = new ServerProcess(port, [...dataNodeArgs(port, dir), ...extraArgs]);
  await waitForRedis(HOST, port);
  return node;
}
