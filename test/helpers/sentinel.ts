import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, requireRedisBinary, waitForRedis } from "./redis-server.js";
import { adminCall, HOST, info, ServerProcess, startDataNode, type TopologyNode } from "./server-process.js";
import { waitUntil } from "./wait-until.js";

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
