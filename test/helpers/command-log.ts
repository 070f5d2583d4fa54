import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";

/** One command as the server saw it, e.g. `["SET", "sessile:abc", "{...}", "EX", "1200", "NX"]`. */
export type Command = readonly string[];

/**
 * Records, through `MONITOR`, every command the server executes whose key starts with `prefix`.
 * `take()` returns what arrived since the last call, after a marker command has gone round, so no
 * command still in flight is missed.
 */
export class CommandLog {
  readonly #url: string;
  readonly #prefix: string;
  #monitor: Awaited<ReturnType<Redis["monitor"]>> | undefined;
  #control: Redis | undefined;
  #seen: Command[] = [];
  #waiting = new Map<string, () => void>();

  constructor(url: string, prefix: string) {
    this.#url = url;
    this.#prefix = prefix;
  }

  async start(): Promise<void> {
    this.#control = new Redis(this.#url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await this.#control.connect();
    const monitor = await new Redis(this.#url, { lazyConnect: true }).monitor();
    monitor.on("error", () => {});
    this.#monitor = monitor;
    monitor.on("monitor", (_time: string, args: string[]) => {
      const [name, first] = args;
      if (name?.toLowerCase() === "echo" && first !== undefined && this.#waiting.has(first)) {
        this.#waiting.get(first)?.();
        this.#waiting.delete(first);
        return;
      }
      if (args.some((arg) => arg.startsWith(this.#prefix)))
        this.#seen.push(args.map((a, i) => (i === 0 ? a.toUpperCase() : a)));
    });
    await this.take();
  }

  /** Commands seen since the previous `take()`. */
  async take(): Promise<Command[]> {
    const marker = `sessile-marker-${randomBytes(8).toString("hex")}`;
    const seen = new Promise<void>((resolve) => this.#waiting.set(marker, resolve));
    await this.#control?.echo(marker);
    await seen;
    const out = this.#seen;
    this.#seen = [];
    return out;
  }

  /** Command shapes since the previous `take()`, e.g. `["GET", "SET XX EX"]`. */
  async shapes(): Promise<string[]> {
    return (await this.take()).map(shape);
  }

  async stop(): Promise<void> {
    this.#monitor?.disconnect();
    this.#control?.disconnect();
  }
}

/** `SET` with its condition and expiry flags (`"SET NX EX"`), other commands by name. */
export function shape(command: Command): string {
  const [name = "", ...rest] = command;
  if (name !== "SET") return name;
  const flags = rest.slice(2).map((a) => a.toUpperCase());
  const condition = flags.find((f) => f === "NX" || f === "XX");
  const expiry = flags.find(
    (f) => f === "EX" || f === "PX" || f === "EXAT" || f === "PXAT" || f === "KEEPTTL",
  );
  return ["SET", condition, expiry].filter(Boolean).join(" ");
}
