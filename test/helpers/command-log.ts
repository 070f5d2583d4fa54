import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import { CAS, INDEX_READ, INDEX_REMOVE, INDEX_UPDATE, type Script } from "../../src/stores/redis-scripts.js";
import { inspectionClient } from "./clients.js";
import type { TopologyNode } from "./server-process.js";

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
    this.#control = inspectionClient(this.#url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await this.#control.connect();
    const monitor = await inspectionClient(this.#url, { lazyConnect: true }).monitor();
    monitor.on("error", () => {});
    this.#monitor = monitor;
    monitor.on("monitor", (_time: string, args: string[], source: string) => {
      // What a script runs inside the server is not a command the client sent: the script call counts.
      if (source === "lua") return;
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

  /** Command shapes since the previous `take()`, e.g. `["GET", "CAS SET EX"]`. */
  async shapes(): Promise<string[]> {
    return (await this.take()).map(shape);
  }

  async stop(): Promise<void> {
    this.#monitor?.disconnect();
    this.#control?.disconnect();
  }
}

/**
 * `SET` with its condition, `GET` and expiry flags (`"SET NX EX"`, `"SET XX GET EX"`, `"SET IFEQ GET EX"`); the store's
 * compare-and-set script by what it asks for (`"CAS SET EX"`, `"CAS SET"`, `"CAS DEL"`), the user index
 * scripts as `"INDEX UPDATE"`, `"INDEX READ"`, `"INDEX REMOVE"` (each with `" (EVAL)"` when it was sent as source
 * because the server did not have it cached); other commands by name.
 */
export function shape(command: Command): string {
  const [name = "", ...rest] = command;
  if (name === "EVALSHA" || name === "EVAL") return scriptShape(name, rest);
  if (name !== "SET") return name;
  const flags = rest.slice(2).map((a) => a.toUpperCase());
  const condition = flags.find((f) => f === "NX" || f === "XX" || f === "IFEQ");
  const get = flags.includes("GET") ? "GET" : undefined;
  const expiry = flags.find(
    (f) => f === "EX" || f === "PX" || f === "EXAT" || f === "PXAT" || f === "KEEPTTL",
  );
  return ["SET", condition, get, expiry].filter(Boolean).join(" ");
}

/** One {@link CommandLog} per node, read as one: commands from every node, node by node. */
export class MultiNodeCommandLog {
  readonly #logs: CommandLog[];

  constructor(nodes: readonly TopologyNode[], prefix: string) {
    this.#logs = nodes.map((n) => new CommandLog(n.url, prefix));
  }

  async start(): Promise<void> {
    await Promise.all(this.#logs.map((l) => l.start()));
  }

  /** Command shapes since the previous call, summed over the nodes (in order within each node). */
  async shapes(): Promise<string[]> {
    return (await Promise.all(this.#logs.map((l) => l.shapes()))).flat();
  }

  /** Full commands since the previous call, summed over the nodes (in order within each node). */
  async take(): Promise<Command[]> {
    return (await Promise.all(this.#logs.map((l) => l.take()))).flat();
  }

  /**
   * Command shapes since the previous call, grouped by key: the order of the commands on one key is the
   * order its node executed them, which a sum over nodes cannot give.
   */
  async byKey(): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    for (const command of await this.take()) {
      const key = keyOf(command);
      out.set(key, [...(out.get(key) ?? []), shape(command)]);
    }
    return out;
  }

  async stop(): Promise<void> {
    await Promise.all(this.#logs.map((l) => l.stop()));
  }
}

/** MONITOR shows arguments the way `redis-cli` quotes them (`\\n`, `\\"`, `\\\\`): a script's source as sent. */
function unescaped(text: string): string {
  return text.replace(/\\(["\\nrt])/g, (_all, c: string) =>
    c === "n" ? "\n" : c === "r" ? "\r" : c === "t" ? "\t" : c,
  );
}

function casAction(mode: string | undefined, ttl: string | undefined): string {
  if (mode === "D") return "CAS DEL";
  return ttl ? "CAS SET EX" : "CAS SET";
}

/** The user index scripts by the shape they are shown as. */
const INDEX_SCRIPTS: readonly [Script, string][] = [
  [INDEX_UPDATE, "INDEX UPDATE"],
  [INDEX_READ, "INDEX READ"],
  [INDEX_REMOVE, "INDEX REMOVE"],
];

/**
 * A script call as a shape: the compare-and-set `EVALSHA sha 1 key expected mode value ttl` (or
 * `EVAL script …`) by what it asks for; a user index script by its name.
 */
function scriptShape(name: string, rest: readonly string[]): string {
  const [sent = "", , , , mode, , ttl] = rest;
  const known = (s: Script) => (name === "EVAL" ? s.source === unescaped(sent) : s.sha === sent);
  const index = INDEX_SCRIPTS.find(([s]) => known(s));
  const action = index ? index[1] : known(CAS) ? casAction(mode, ttl) : "SCRIPT";
  return name === "EVAL" ? `${action} (EVAL)` : action;
}

/** The key a command touches: the first argument, or for a script call the first of its keys. */
export function keyOf(command: Command): string {
  const [name] = command;
  return (name === "EVALSHA" || name === "EVAL" ? command[3] : command[1]) ?? "";
}
