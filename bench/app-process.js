// One contender's app in its own process (bench/server.js), for the benchmark and the soak.

import { fork } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = dirname(here);

/** Kill functions of the processes still running (apps, Redis), run if the runner is interrupted. */
export const running = new Set();
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, () => {
    for (const kill of running) kill();
    process.exit(130);
  });
}

/**
 * Starts the app of contender `id` against Redis at `redisUrl`, with `execArgv` node flags; resolves to
 * `{ port, pid, sample(), stop() }`. `sample()` needs `--expose-gc`: the heap after a full collection.
 */
export function startApp(id, redisUrl, execArgv = []) {
  const child = fork(join(here, "server.js"), [id], {
    cwd: root,
    env: { ...process.env, REDIS_URL: redisUrl, NODE_ENV: "production" },
    execArgv,
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const kill = () => child.kill("SIGKILL");
  running.add(kill);
  const exited = new Promise((resolve) => child.once("exit", resolve)).then(() => running.delete(kill));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error("the app did not start within 20 s"));
    }, 20_000);
    const early = (code) => {
      clearTimeout(timer);
      reject(new Error(`the app exited with code ${code} before it listened`));
    };
    child.once("exit", early);
    child.once("message", (message) => {
      clearTimeout(timer);
      if (message.error) {
        reject(new Error(message.error));
        return;
      }
      child.off("exit", early);
      resolve({
        port: message.port,
        pid: child.pid,
        sample() {
          return new Promise((done) => {
            const onMessage = (reply) => {
              if (reply.sample === undefined) return;
              child.off("message", onMessage);
              done(reply.sample);
            };
            child.on("message", onMessage);
            child.send("sample");
          });
        },
        async stop() {
          if (child.exitCode === null) child.kill("SIGTERM");
          await exited;
        },
      });
    });
  });
}
