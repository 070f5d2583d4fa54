import { Redis as IoRedis, Cluster as IoRedisCluster } from "ioredis";
import { Cluster as ValkeyCluster, Redis as ValkeyRedis } from "iovalkey";
import { createCluster, createSentinel } from "redis";
import { type ClientUnderTest, connectAsStore } from "./clients.js";

/**
 * The settings the README recommends, in one place: every command settles within about
 * {@link COMMAND_TIMEOUT_MS} (plus reconnect and failover retries bounded below), so a dead node
 * fails requests instead of hanging them.
 */
export const COMMAND_TIMEOUT_MS = 1000;
/**
 * sessile's own deadline (`redisStore(client, { timeout })`), for node-redis `createSentinel`, which
 * holds commands with no bound while no primary is known.
 */
export const STORE_TIMEOUT_SECONDS = 1;
const CONNECT_TIMEOUT_MS = 1000;

/** Node-redis reconnect back-off: 50, 100, 200 … capped at 1 s, for ever (the cluster stays usable). */
const nodeRedisBackoff = (retries: number): number => Math.min(50 * 2 ** retries, 1000);

/** A client under test on a topology, as a store, plus a way to close it. */
export interface TopologyClient extends ClientUnderTest {
  readonly kind: string;
}

type Address = { host: string; port: number };

/** Client libraries tested on the Cluster. */
export const CLUSTER_CLIENT_KINDS = ["node-redis", "ioredis", "iovalkey"] as const;
export type ClusterClientKind = (typeof CLUSTER_CLIENT_KINDS)[number];

/** Client libraries tested on Sentinel. */
export const SENTINEL_CLIENT_KINDS = ["node-redis", "ioredis", "iovalkey"] as const;
export type SentinelClientKind = (typeof SENTINEL_CLIENT_KINDS)[number];

/** A connected Cluster client of `kind`, wrapped in a store with `prefix`. */
export async function connectClusterClient(
  kind: ClusterClientKind,
  rootNodes: readonly Address[],
  prefix: string,
): Promise<TopologyClient> {
  if (kind === "node-redis") {
    const client = createCluster({
      rootNodes: rootNodes.map(({ host, port }) => ({ url: `redis://${host}:${port}` })),
      defaults: { socket: { connectTimeout: CONNECT_TIMEOUT_MS, reconnectStrategy: nodeRedisBackoff } },
      // Bounds the time a command waits for a connection that is not ready; a command already written is
      // failed by the socket closing when its node dies.
      commandOptions: { timeout: COMMAND_TIMEOUT_MS },
      maxCommandRedirections: 16,
    });
    return { kind, ...(await connectAsStore(client, { prefix }, () => client.destroy())) };
  }
  const options = {
    redisOptions: {
      connectTimeout: CONNECT_TIMEOUT_MS,
      commandTimeout: COMMAND_TIMEOUT_MS,
      maxRetriesPerRequest: 0,
    },
    clusterRetryStrategy: (times: number) => Math.min(100 * times, 1000),
    // After "Connection is closed." the command is re-sent once the slots are refreshed: this is what
    // finds the promoted replica (0 left ioredis on the dead node for seconds). A re-sent SET XX or DEL
    // is harmless; a re-sent SET NX that had landed makes the request fail with "id-collision".
    retryDelayOnFailover: 200,
    retryDelayOnClusterDown: 200,
    retryDelayOnTryAgain: 100,
    maxRedirections: 16,
    slotsRefreshTimeout: 1000,
    lazyConnect: true,
  };
  const nodes = rootNodes.map(({ host, port }) => ({ host, port }));
  const client = kind === "ioredis" ? new IoRedisCluster(nodes, options) : new ValkeyCluster(nodes, options);
  return { kind, ...(await connectAsStore(client, { prefix }, () => client.disconnect())) };
}

/** A connected Sentinel-managed client of `kind`, wrapped in a store with `prefix`. */
export async function connectSentinelClient(
  kind: SentinelClientKind,
  name: string,
  sentinels: readonly Address[],
  prefix: string,
): Promise<TopologyClient> {
  if (kind === "node-redis") {
    const client = createSentinel({
      name,
      sentinelRootNodes: sentinels.map(({ host, port }) => ({ host, port })),
      nodeClientOptions: {
        socket: { connectTimeout: CONNECT_TIMEOUT_MS, reconnectStrategy: nodeRedisBackoff },
      },
      sentinelClientOptions: {
        socket: { connectTimeout: CONNECT_TIMEOUT_MS, reconnectStrategy: nodeRedisBackoff },
      },
      commandOptions: { timeout: COMMAND_TIMEOUT_MS },
      scanInterval: 1000,
      maxCommandRediscovers: 16,
    });
    const connected = await connectAsStore(client, { prefix, timeout: STORE_TIMEOUT_SECONDS }, () =>
      client.destroy(),
    );
    return { kind, ...connected };
  }
  const options = {
    sentinels: sentinels.map(({ host, port }) => ({ host, port })),
    name,
    connectTimeout: CONNECT_TIMEOUT_MS,
    commandTimeout: COMMAND_TIMEOUT_MS,
    sentinelCommandTimeout: COMMAND_TIMEOUT_MS,
    // 0: a command in flight when the connection drops fails at once and is never re-sent (its outcome is unknown).
    maxRetriesPerRequest: 0,
    retryStrategy: (times: number) => Math.min(100 * times, 1000),
    sentinelRetryStrategy: (times: number) => Math.min(100 * times, 1000),
    failoverDetector: true,
    lazyConnect: true,
  };
  const client = kind === "ioredis" ? new IoRedis(options) : new ValkeyRedis(options);
  return { kind, ...(await connectAsStore(client, { prefix }, () => client.disconnect())) };
}
