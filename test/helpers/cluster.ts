import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ClusterNodeInfo, parseClusterNodes } from "./cluster-nodes.js";
import { freePort, requireRedisBinary } from "./redis-server.js";
import {
  adminCall,
  HOST,
  info,
  type ServerProcess,
  startDataNode,
  type TopologyNode,
} from "./server-process.js";
import { waitUntil } from "./wait-until.js";

/** Runs `file` with `args`; resolves with its stdout, rejects with all its output on failure or timeout. */
function run(file: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: timeoutMs }, (error, stdout, stderr) => {
      if (error)
        reject(new Error(`${file} ${args.join(" ")} failed: ${error.message}\n${stdout}\n${stderr}`));
      else resolve(stdout);
    });
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
