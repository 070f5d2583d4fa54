import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { type Command, CommandLog, shape } from "./command-log.js";
import { freePort, requireRedisBinary, waitForRedis } from "./redis-server.js";

const HOST = "127.0.0.1";

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

class ServerProcess implements TopologyNode {
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

async function info(node: TopologyNode, section: string): Promise<Map<string, string>> {
  const text = String(await adminCall(node, "INFO", section));
  const out = new Map<string, string>();
  for (const line of text.split("\r\n")) {
    const at = line.indexOf(":");
    if (at > 0) out.set(line.slice(0, at), line.slice(at + 1));
  }
  return out;
}

/** How many times the nodes executed each of `commands` (`INFO commandstats`), summed over the nodes. */
export async function commandCalls(
  nodes: readonly TopologyNode[],
  commands: readonly string[],
): Promise<number> {
  let total = 0;
  for (const node of nodes) {
    const stats = await info(node, "commandstats");
    for (const command of commands) {
      const calls = /calls=(\d+)/.exec(stats.get(`cmdstat_${command.toLowerCase()}`) ?? "")?.[1];
      total += Number(calls ?? 0);
    }
  }
  return total;
}

/** How many error replies with this prefix (`ASK`, `MOVED`) the nodes sent (`INFO errorstats`), summed. */
export async function errorReplies(nodes: readonly TopologyNode[], prefix: string): Promise<number> {
  let total = 0;
  for (const node of nodes.filter((n) => n.alive)) {
    const count = /count=(\d+)/.exec((await info(node, "errorstats")).get(`errorstat_${prefix}`) ?? "")?.[1];
    total += Number(count ?? 0);
  }
  return total;
}

/** Polls `check` every 50 ms until it resolves true; rejects with `what` after `timeoutMs`. */
export async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 15000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const detail = last instanceof Error ? ` (last error: ${last.message})` : "";
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`);
}

/** Base arguments of a data node: loopback only, no persistence, its own directory. */
function dataNodeArgs(port: number, dir: string): string[] {
  return ["--port", String(port), "--bind", HOST, "--save", "", "--appendonly", "no", "--dir", dir];
}

async function startDataNode(root: string, name: string, extraArgs: string[] = []): Promise<ServerProcess> {
  const dir = join(root, name);
  mkdirSync(dir);
  const port = await freePort();
  const node = new ServerProcess(port, [...dataNodeArgs(port, dir), ...extraArgs]);
  await waitForRedis(HOST, port);
  return node;
}

function run(file: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: timeoutMs }, (error, stdout, stderr) => {
      if (error)
        reject(new Error(`${file} ${args.join(" ")} failed: ${error.message}\n${stdout}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/** A node of a Cluster as `CLUSTER NODES` describes it. */
export interface ClusterNodeInfo {
  readonly id: string;
  readonly port: number;
  readonly primary: boolean;
  /** The primary this node replicates, for a replica. */
  readonly primaryId: string | null;
  readonly failed: boolean;
  /** Slot ranges `[first, last]` this node serves (primaries). */
  readonly slots: ReadonlyArray<readonly [number, number]>;
}

function parseClusterNodes(text: string): ClusterNodeInfo[] {
  return text
    .trim()
    .split("\n")
    .map((line) => {
      const [id = "", address = "", flags = "", primaryId = "-", , , , , ...slotSpecs] = line
        .trim()
        .split(" ");
      const port = Number(address.split("@")[0]?.split(":")[1]);
      const flagList = flags.split(",");
      const slots: Array<readonly [number, number]> = [];
      for (const spec of slotSpecs) {
        if (spec.startsWith("[")) continue; // a slot being imported or migrated, not yet owned
        const [first, last = first] = spec.split("-");
        slots.push([Number(first), Number(last)]);
      }
      return {
        id,
        port,
        primary: flagList.includes("master"),
        primaryId: primaryId === "-" ? null : primaryId,
        failed: flagList.includes("fail") || flagList.includes("fail?"),
        slots,
      };
    });
}

/** Three primaries and three replicas, created with `redis-cli --cluster create`, on loopback ports. */
export interface TestCluster {
  readonly nodes: readonly TopologyNode[];
  /** `host:port` of every node, for a client's root nodes. */
  readonly rootNodes: ReadonlyArray<{ host: string; port: number }>;
  /** `CLUSTER NODES` as seen by a live node. */
  topology(): Promise<ClusterNodeInfo[]>;
  /** The live primaries, in slot order. */
  primaries(): Promise<TopologyNode[]>;
  /** The slot of a key (`CLUSTER KEYSLOT`). */
  slotOf(key: string): Promise<number>;
  /** The primary that serves `key`'s slot. */
  ownerOf(key: string): Promise<TopologyNode>;
  /** The primary that serves `slot`. */
  ownerOfSlot(slot: number): Promise<TopologyNode>;
  /** The node listening on `port`. */
  node(port: number): TopologyNode;
  /**
   * Moves `slot` (and its keys) from its owner to `target` the way `redis-cli --cluster reshard` does:
   * SETSLOT IMPORTING/MIGRATING, MIGRATE in batches of 10, SETSLOT NODE on every primary. `keysFirst`
   * move in the first batch; `pauseMs` separates batches, while the slot is half-migrated (a client
   * asking the old owner for a key already moved then gets ASK).
   */
  migrateSlot(
    slot: number,
    target: TopologyNode,
    options?: { keysFirst?: string[]; pauseMs?: number },
  ): Promise<void>;
  /** Resolves once every live node reports `cluster_state:ok` and agrees on which node serves each slot. */
  waitHealthy(timeoutMs?: number): Promise<void>;
  /** Kills every process and removes the directory. */
  stop(): Promise<void>;
}

/** Options of {@link startCluster}. */
export interface ClusterTopologyOptions {
  /** `cluster-node-timeout` in milliseconds: how soon a silent primary is failed over. @default 1000 */
  nodeTimeoutMs?: number;
}

/** Starts six cluster-enabled `redis-server`s and joins them into 3 primaries with 1 replica each. */
export async function startCluster(options: ClusterTopologyOptions = {}): Promise<TestCluster> {
  requireRedisBinary();
  const root = mkdtempSync(join(tmpdir(), "sessile-cluster-"));
  const nodes: ServerProcess[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(nodes.map((n) => n.kill()));
    rmSync(root, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < 6; i++) {
      const busPort = await freePort();
      nodes.push(
        await startDataNode(root, `node${i}`, [
          "--cluster-enabled",
          "yes",
          "--cluster-config-file",
          "nodes.conf",
          "--cluster-port",
          String(busPort),
          "--cluster-node-timeout",
          String(options.nodeTimeoutMs ?? 1000),
          // A lone replica may take over even if it lost contact with its primary a while ago.
          "--cluster-replica-validity-factor",
          "0",
        ]),
      );
    }
    await run(
      "redis-cli",
      [
        "--cluster",
        "create",
        ...nodes.map((n) => `${HOST}:${n.port}`),
        "--cluster-replicas",
        "1",
        "--cluster-yes",
      ],
      30000,
    );
  } catch (error) {
    await stop();
    throw error;
  }

  const live = (): ServerProcess[] => nodes.filter((n) => n.alive);
  const topology = async (): Promise<ClusterNodeInfo[]> => {
    for (const n of live()) {
      try {
        return parseClusterNodes(String(await adminCall(n, "CLUSTER", "NODES")));
      } catch {}
    }
    throw new Error("no live cluster node answered CLUSTER NODES");
  };
  const byPort = (port: number): ServerProcess => {
    const found = nodes.find((n) => n.port === port);
    if (found === undefined) throw new Error(`no cluster node on port ${port}`);
    return found;
  };
  const ownerInfo = async (slot: number): Promise<ClusterNodeInfo> => {
    const owner = (await topology()).find(
      (n) => n.primary && !n.failed && n.slots.some(([a, b]) => slot >= a && slot <= b),
    );
    if (owner === undefined) throw new Error(`no live primary serves slot ${slot}`);
    return owner;
  };
  const cluster: TestCluster = {
    nodes,
    rootNodes: nodes.map((n) => ({ host: HOST, port: n.port })),
    topology,
    async primaries() {
      const infos = (await topology()).filter((n) => n.primary && !n.failed && n.slots.length > 0);
      infos.sort((a, b) => (a.slots[0]?.[0] ?? 0) - (b.slots[0]?.[0] ?? 0));
      return infos.map((n) => byPort(n.port));
    },
    async slotOf(key) {
      return Number(await adminCall(live()[0] as ServerProcess, "CLUSTER", "KEYSLOT", key));
    },
    async ownerOf(key) {
      return byPort((await ownerInfo(await cluster.slotOf(key))).port);
    },
    async ownerOfSlot(slot) {
      return byPort((await ownerInfo(slot)).port);
    },
    node: byPort,
    async migrateSlot(slot, target, { keysFirst = [], pauseMs = 0 } = {}) {
      const source = byPort((await ownerInfo(slot)).port);
      if (source === target) return;
      const sourceId = String(await adminCall(source, "CLUSTER", "MYID"));
      const targetId = String(await adminCall(target, "CLUSTER", "MYID"));
      await adminCall(target, "CLUSTER", "SETSLOT", String(slot), "IMPORTING", sourceId);
      await adminCall(source, "CLUSTER", "SETSLOT", String(slot), "MIGRATING", targetId);
      let batch = keysFirst;
      for (;;) {
        if (batch.length > 0) {
          await adminCall(source, "MIGRATE", HOST, String(target.port), "", "0", "5000", "KEYS", ...batch);
          await new Promise((r) => setTimeout(r, pauseMs));
        }
        batch = (await adminCall(source, "CLUSTER", "GETKEYSINSLOT", String(slot), "10")) as string[];
        if (batch.length === 0) break;
      }
      // Target first, then source, then the other primaries, as redis-cli does, so no node points back.
      const others = (await cluster.primaries()).filter((n) => n !== source && n !== target);
      for (const n of [target, source, ...others])
        await adminCall(n, "CLUSTER", "SETSLOT", String(slot), "NODE", targetId);
      await waitUntil(`slot ${slot} to be owned by :${target.port} everywhere`, async () => {
        for (const n of live()) {
          const infos = parseClusterNodes(String(await adminCall(n, "CLUSTER", "NODES")));
          const owner = infos.find((i) => i.primary && i.slots.some(([a, b]) => slot >= a && slot <= b));
          if (owner?.port !== target.port) return false;
        }
        return true;
      });
    },
    async waitHealthy(timeoutMs = 20000) {
      await waitUntil(
        "cluster_state:ok on every live node",
        async () => {
          const views: string[] = [];
          for (const n of live()) {
            const state = String(await adminCall(n, "CLUSTER", "INFO"));
            if (!state.includes("cluster_state:ok")) return false;
            const owners = parseClusterNodes(String(await adminCall(n, "CLUSTER", "NODES")))
              .filter((i) => i.primary && !i.failed && i.slots.length > 0)
              .map((i) => `${i.port}=${i.slots.map((s) => s.join("-")).join(",")}`)
              .sort()
              .join(" ");
            views.push(owners);
          }
          return views.length > 0 && views.every((v) => v === views[0]);
        },
        timeoutMs,
      );
    },
    stop,
  };
  try {
    await cluster.waitHealthy();
    // Every replica linked to its primary, so WAIT and failover have someone to count on.
    await waitUntil("every replica in sync", async () => {
      for (const n of live()) {
        const replication = await info(n, "replication");
        if (replication.get("role") === "slave" && replication.get("master_link_status") !== "up")
          return false;
      }
      return true;
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return cluster;
}

/** A primary, one replica, and three Sentinels watching them under the name `master`. */
export interface TestSentinel {
  /** The name the Sentinels monitor, for the clients' `name`. */
  readonly name: string;
  readonly primary: TopologyNode;
  readonly replica: TopologyNode;
  readonly sentinels: readonly TopologyNode[];
  /** The Sentinels' addresses, for the clients' `sentinels` / `sentinelRootNodes`. */
  readonly sentinelAddresses: ReadonlyArray<{ host: string; port: number }>;
  /** The primary's port as the Sentinels currently report it. */
  currentPrimaryPort(): Promise<number>;
  stop(): Promise<void>;
}

/** Options of {@link startSentinel}. */
export interface SentinelTopologyOptions {
  /** `down-after-milliseconds`: how long a silent primary is tolerated. @default 1000 */
  downAfterMs?: number;
  /** `failover-timeout` in milliseconds. @default 5000 */
  failoverTimeoutMs?: number;
}

/** Starts a primary, a replica of it, and three Sentinels (quorum 2) with short failure timeouts. */
export async function startSentinel(options: SentinelTopologyOptions = {}): Promise<TestSentinel> {
  requireRedisBinary();
  const name = "sessile";
  const root = mkdtempSync(join(tmpdir(), "sessile-sentinel-"));
  const processes: ServerProcess[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(processes.map((n) => n.kill()));
    rmSync(root, { recursive: true, force: true });
  };
  try {
    const primary = await startDataNode(root, "primary");
    processes.push(primary);
    const replica = await startDataNode(root, "replica", ["--replicaof", HOST, String(primary.port)]);
    processes.push(replica);
    const sentinels: ServerProcess[] = [];
    for (let i = 0; i < 3; i++) {
      const dir = join(root, `sentinel${i}`);
      mkdirSync(dir);
      const port = await freePort();
      const config = join(dir, "sentinel.conf");
      // Sentinel rewrites this file as it learns the topology, so it lives in the node's own directory.
      writeFileSync(
        config,
        [
          `port ${port}`,
          `bind ${HOST}`,
          `dir ${dir}`,
          `sentinel monitor ${name} ${HOST} ${primary.port} 2`,
          `sentinel down-after-milliseconds ${name} ${options.downAfterMs ?? 1000}`,
          `sentinel failover-timeout ${name} ${options.failoverTimeoutMs ?? 5000}`,
          `sentinel parallel-syncs ${name} 1`,
          "",
        ].join("\n"),
      );
      const sentinel = new ServerProcess(port, [config, "--sentinel"]);
      processes.push(sentinel);
      sentinels.push(sentinel);
      await waitForRedis(HOST, port);
    }
    await waitUntil("the replica in sync with the primary", async () => {
      return (await info(replica, "replication")).get("master_link_status") === "up";
    });
    await waitUntil("every Sentinel to know the replica and the other Sentinels", async () => {
      for (const s of sentinels) {
        const replicas = (await adminCall(s, "SENTINEL", "REPLICAS", name)) as unknown[];
        const peers = (await adminCall(s, "SENTINEL", "SENTINELS", name)) as unknown[];
        if (replicas.length < 1 || peers.length < 2) return false;
      }
      return true;
    });
    return {
      name,
      primary,
      replica,
      sentinels,
      sentinelAddresses: sentinels.map((s) => ({ host: HOST, port: s.port })),
      async currentPrimaryPort() {
        for (const s of sentinels.filter((x) => x.alive)) {
          try {
            const [, port] = (await adminCall(s, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", name)) as [
              string,
              string,
            ];
            return Number(port);
          } catch {}
        }
        throw new Error("no Sentinel answered");
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
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
      const key = command[1] ?? "";
      out.set(key, [...(out.get(key) ?? []), shape(command)]);
    }
    return out;
  }

  async stop(): Promise<void> {
    await Promise.all(this.#logs.map((l) => l.stop()));
  }
}
