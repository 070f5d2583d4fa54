import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";

/** The repository root, where `npm start` runs. */
export const ROOT: string = join(import.meta.dirname, "..", "..");

/** A running demo server. */
export interface Demo {
  readonly url: string;
  /** Everything it has written to stdout and stderr so far. */
  output(): string;
  stop(): Promise<void>;
}

/** Runs `examples/demo/server.js` as `npm start` does (after the build), on a free loopback port. */
export function startDemo(env: Record<string, string>): Promise<Demo> {
  return startExample("examples/demo/server.js", env);
}

/** Runs an example server (a path under the repository) on a free loopback port, once it says where. */
export async function startExample(script: string, env: Record<string, string>): Promise<Demo> {
  const child: ChildProcess = spawn(process.execPath, [script], {
    cwd: ROOT,
    env: { ...process.env, PORT: "0", HOST: "127.0.0.1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${script} did not start within 15 s:\n${output}`)),
      15000,
    );
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = /listening on http:\/\/[^:\s]+:(\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(`http://127.0.0.1:${match[1]}`);
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with code ${code}:\n${output}`));
    });
  });
  return {
    url,
    output: () => output,
    async stop() {
      if (child.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      });
    },
  };
}
