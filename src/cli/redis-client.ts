/** The Redis client libraries the CLI can drive, in the order it looks for them. */
export const CLIENT_NAMES = ["ioredis", "redis", "iovalkey"] as const;
export type ClientName = (typeof CLIENT_NAMES)[number];

/** A stored value as the migrator sees it: text, nothing, or a key of another type. */
export type StoredValue = string | null | { wrongType: true };

/** One primary: what `SCAN` and the reads of a batch need. */
export interface ScanNode {
  /** `SCAN cursor MATCH match COUNT count`. */
  scan(cursor: string, match: string, count: number): Promise<[string, string[]]>;
  /** `GET` and `PTTL` of every key, sent together. */
  read(keys: readonly string[]): Promise<Array<{ value: StoredValue; pttl: number }>>;
  /** `DBSIZE`: an upper bound for the progress bar. */
  size(): Promise<number>;
}

/** The commands the migrator sends, on one node or a Cluster. */
export interface MigrationRedis {
  readonly client: ClientName;
  readonly cluster: boolean;
  /** Every primary (one for a single node). */
  primaries(): Promise<ScanNode[]>;
  /** `SET key value EX ttl NX`; whether it was written. */
  setNew(key: string, value: string, ttl: number): Promise<boolean>;
  exists(key: string): Promise<boolean>;
  /** `GET` and `PTTL` of one key (routed to its node on a Cluster). */
  readOne(key: string): Promise<{ value: StoredValue; pttl: number }>;
  /** `ZRANGE key 0 -1 WITHSCORES` of a user index: members with their scores as text. */
  indexOf(key: string): Promise<string[]>;
  del(key: string): Promise<void>;
  close(): Promise<void>;
}

type Call = (...args: string[]) => Promise<unknown>;

interface IoRedisClient {
  call(command: string, ...args: string[]): Promise<unknown>;
  pipeline(commands: string[][]): { exec(): Promise<Array<[Error | null, unknown]> | null> };
  connect(): Promise<void>;
  quit(): Promise<unknown>;
  disconnect(): void;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  once(event: string, listener: (...args: unknown[]) => void): unknown;
  nodes?(role: "master"): IoRedisClient[];
}
interface IoRedisModule {
  Redis?: new (url: string, options: object) => IoRedisClient;
  default?: new (url: string, options: object) => IoRedisClient;
  Cluster: new (nodes: object[], options: object) => IoRedisClient;
}

interface NodeRedisClient {
  sendCommand(args: string[]): Promise<unknown>;
  connect(): Promise<unknown>;
  on(event: string, listener: (error: unknown) => void): unknown;
  close?(): Promise<unknown>;
  quit?(): Promise<unknown>;
}
interface NodeRedisCluster {
  sendCommand(firstKey: string, isReadonly: boolean, args: string[]): Promise<unknown>;
  connect(): Promise<unknown>;
  on(event: string, listener: (error: unknown) => void): unknown;
  masters: unknown[];
  nodeClient(node: unknown): NodeRedisClient | Promise<NodeRedisClient>;
  close?(): Promise<unknown>;
  quit?(): Promise<unknown>;
}
interface NodeRedisModule {
  createClient(options: object): NodeRedisClient;
  createCluster(options: object): NodeRedisCluster;
}

function isWrongType(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith("WRONGTYPE");
}

function text(reply: unknown): string | null {
  if (reply === null || reply === undefined) return null;
  return Buffer.isBuffer(reply) ? reply.toString("utf8") : String(reply);
}

function scanReply(reply: unknown): [string, string[]] {
  const [cursor, keys] = reply as [unknown, unknown[]];
  return [String(text(cursor)), keys.map((k) => String(text(k)))];
}

function isClusterEnabled(info: unknown): boolean {
  return /cluster_enabled:1/.test(String(text(info)));
}

/** The connection failure, naming host and port only (a URL can carry a password). */
function unreachable(url: string, error: unknown): never {
  const { hostname, port } = new URL(url);
  const reason = error instanceof Error ? error.message : String(error);
  throw new Error(
    `sessile: cannot reach Redis at ${hostname}:${port || 6379} (${reason}); check --redis-url`,
  );
}

/** Loads a client library from the application's dependencies; `null` when it is not installed. */
async function load(name: ClientName): Promise<unknown> {
  try {
    return await import(name);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") return null;
    throw error;
  }
}

function ioNode(node: IoRedisClient): ScanNode {
  return {
    scan: async (cursor, match, count) =>
      scanReply(await node.call("SCAN", cursor, "MATCH", match, "COUNT", String(count))),
    async read(keys) {
      const replies =
        (await node
          .pipeline(
            keys.flatMap((k) => [
              ["get", k],
              ["pttl", k],
            ]),
          )
          .exec()) ?? [];
      return keys.map((_key, i) => {
        const [getError, value] = replies[2 * i] ?? [new Error("no reply"), null];
        const [ttlError, pttl] = replies[2 * i + 1] ?? [new Error("no reply"), -2];
        if (ttlError) throw ttlError;
        if (getError && !isWrongType(getError)) throw getError;
        return { value: getError ? { wrongType: true } : text(value), pttl: Number(pttl) };
      });
    },
    size: async () => Number(await node.call("DBSIZE")),
  };
}

async function connectIoRedis(name: ClientName, module: IoRedisModule, url: string): Promise<MigrationRedis> {
  const Redis = module.Redis ?? module.default;
  if (Redis === undefined)
    throw new Error(`sessile: ${name} does not export Redis; install ${name} 5 or later`);
  const single = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    connectTimeout: 5000,
    retryStrategy: () => null,
  });
  let lastError: unknown;
  single.on("error", (error) => {
    lastError = error;
  });
  await single.connect().catch((error: unknown) => unreachable(url, lastError ?? error));
  if (!isClusterEnabled(await single.call("INFO", "cluster"))) {
    const call: Call = (...args) => single.call(args[0] ?? "", ...args.slice(1));
    return commandsOf(
      name,
      false,
      call,
      async () => [ioNode(single)],
      async () => {
        await single.quit();
      },
    );
  }
  await single.quit();
  const { hostname, port, username, password } = new URL(url);
  const redisOptions = {
    connectTimeout: 5000,
    maxRetriesPerRequest: 1,
    ...(username ? { username: decodeURIComponent(username) } : {}),
    ...(password ? { password: decodeURIComponent(password) } : {}),
    ...(url.startsWith("rediss:") ? { tls: {} } : {}),
  };
  const cluster = new module.Cluster([{ host: hostname, port: Number(port || 6379) }], {
    redisOptions,
    enableAutoPipelining: true,
    clusterRetryStrategy: () => null,
  });
  await new Promise<void>((resolve, reject) => {
    cluster.once("ready", () => resolve());
    cluster.once("error", (error) => reject(error));
  });
  cluster.on("error", () => {});
  const call: Call = (...args) => cluster.call(args[0] ?? "", ...args.slice(1));
  return commandsOf(
    name,
    true,
    call,
    async () => (cluster.nodes?.("master") ?? []).map(ioNode),
    async () => {
      await cluster.quit();
    },
  );
}

function nodeRedisNode(node: NodeRedisClient): ScanNode {
  return {
    scan: async (cursor, match, count) =>
      scanReply(await node.sendCommand(["SCAN", cursor, "MATCH", match, "COUNT", String(count)])),
    read: (keys) =>
      Promise.all(
        keys.map(async (key) => {
          const [value, pttl] = await Promise.all([
            node.sendCommand(["GET", key]).then(
              (reply): StoredValue => text(reply),
              (error: unknown): StoredValue => {
                if (isWrongType(error)) return { wrongType: true };
                throw error;
              },
            ),
            node.sendCommand(["PTTL", key]),
          ]);
          return { value, pttl: Number(pttl) };
        }),
      ),
    size: async () => Number(await node.sendCommand(["DBSIZE"])),
  };
}

async function closeNodeRedis(client: {
  close?(): Promise<unknown>;
  quit?(): Promise<unknown>;
}): Promise<void> {
  if (typeof client.close === "function") await client.close();
  else await client.quit?.();
}

async function connectNodeRedis(module: NodeRedisModule, url: string): Promise<MigrationRedis> {
  const socket = { connectTimeout: 5000, reconnectStrategy: false };
  const single = module.createClient({ url, socket });
  single.on("error", () => {});
  await single.connect().catch((error: unknown) => unreachable(url, error));
  if (!isClusterEnabled(await single.sendCommand(["INFO", "cluster"]))) {
    const call: Call = (...args) => single.sendCommand(args);
    return commandsOf(
      "redis",
      false,
      call,
      async () => [nodeRedisNode(single)],
      () => closeNodeRedis(single),
    );
  }
  await closeNodeRedis(single);
  // Only the credentials go to every node: a url in the defaults would point every node client at this one.
  const { username, password } = new URL(url);
  const defaults = {
    socket: url.startsWith("rediss:") ? { ...socket, tls: true } : socket,
    ...(username ? { username: decodeURIComponent(username) } : {}),
    ...(password ? { password: decodeURIComponent(password) } : {}),
  };
  const cluster = module.createCluster({ rootNodes: [{ url }], defaults });
  cluster.on("error", () => {});
  await cluster.connect();
  // Every command the migrator sends to the Cluster names its key first.
  const call: Call = (...args) => cluster.sendCommand(args[1] ?? "", false, args);
  const primaries = async () =>
    Promise.all(cluster.masters.map(async (master) => nodeRedisNode(await cluster.nodeClient(master))));
  return commandsOf("redis", true, call, primaries, () => closeNodeRedis(cluster));
}

function commandsOf(
  client: ClientName,
  cluster: boolean,
  call: Call,
  primaries: () => Promise<ScanNode[]>,
  close: () => Promise<void>,
): MigrationRedis {
  return {
    client,
    cluster,
    primaries,
    setNew: async (key, value, ttl) => (await call("SET", key, value, "EX", String(ttl), "NX")) !== null,
    exists: async (key) => Number(await call("EXISTS", key)) > 0,
    async readOne(key) {
      const [value, pttl] = await Promise.all([
        call("GET", key).then(text, (error: unknown): StoredValue => {
          if (isWrongType(error)) return { wrongType: true };
          throw error;
        }),
        call("PTTL", key),
      ]);
      return { value, pttl: Number(pttl) };
    },
    indexOf: async (key) =>
      ((await call("ZRANGE", key, "0", "-1", "WITHSCORES")) as unknown[]).map((r) => String(text(r))),
    del: async (key) => {
      await call("DEL", key);
    },
    close,
  };
}

/**
 * Connects to `url` with the named client library, or the first of ioredis, node-redis (`redis`) and
 * iovalkey that the application has installed; a Cluster is detected with `INFO cluster`.
 */
export async function connectRedis(url: string, preference: ClientName | undefined): Promise<MigrationRedis> {
  for (const name of preference === undefined ? CLIENT_NAMES : [preference]) {
    const module = await load(name);
    if (module === null) continue;
    return name === "redis"
      ? connectNodeRedis(module as NodeRedisModule, url)
      : connectIoRedis(name, module as IoRedisModule, url);
  }
  throw new Error(
    preference === undefined
      ? "sessile: the migrator needs a Redis client: npm install ioredis (or redis, or iovalkey) in your application"
      : `sessile: --client ${preference} is not installed: npm install ${preference}`,
  );
}
