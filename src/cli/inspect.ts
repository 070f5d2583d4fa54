import { parseArgs } from "node:util";
import { decodePayload, rotatedTo } from "../core/payload.js";
import { safeJson } from "../core/safe-json.js";
import { indexKeyOf } from "../core/user-index.js";
import { type CliIo, UsageError } from "./io.js";
import { Progress } from "./progress.js";
import {
  CLIENT_NAMES,
  type ClientName,
  connectRedis,
  type MigrationRedis,
  type StoredValue,
} from "./redis-client.js";

export const INSPECT_USAGE: string = `Usage:
  sessile stats [options]               count sessions, payload sizes and TTLs (SCAN on every primary)
  sessile show <handle> [options]       one session by its handle (session.handle), without its data
  sessile rm <handle> --yes [options]   delete one session by its handle
  sessile user <userId> [options]       the sessions of a user (its index)

Options:
  --redis-url <url>   the Redis (single node or any Cluster node; default: $REDIS_URL)
  --prefix <text>     redisStore's prefix (default "sessile:")
  --client <name>     ${CLIENT_NAMES.join(", ")} (default: the first installed)
  --count <n>         SCAN COUNT (default 500)
  --json              print JSON instead of a table
Read-only except rm, which needs --yes. Prints handles (key digests), never an id or a cookie value.
`;

/** Upper bounds of the payload size histogram (bytes). */
const SIZE_BOUNDS = [256, 1024, 4096, 16384, 65536];
/** Upper bounds of the TTL histogram (seconds). */
const TTL_BOUNDS = [60, 600, 3600, 86400, 7 * 86400, 30 * 86400];
const HANDLE = /^[A-Za-z0-9_-]{22}$/;

interface InspectArgs {
  readonly redisUrl: string;
  readonly prefix: string;
  readonly client: ClientName | undefined;
  readonly count: number;
  readonly json: boolean;
  readonly yes: boolean;
  readonly positional: string | undefined;
}

function argsOf(argv: readonly string[], io: CliIo): InspectArgs {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        "redis-url": { type: "string" },
        prefix: { type: "string" },
        client: { type: "string" },
        count: { type: "string" },
        json: { type: "boolean" },
        yes: { type: "boolean" },
      },
    });
  } catch (error) {
    throw new UsageError(`sessile: ${(error as Error).message}; see sessile stats --help`);
  }
  const v = parsed.values as Record<string, string | boolean | undefined>;
  const redisUrl = (v["redis-url"] as string | undefined) ?? io.env.REDIS_URL;
  if (redisUrl === undefined || !/^rediss?:\/\//.test(redisUrl))
    throw new UsageError("sessile: give --redis-url redis://host:port (or set REDIS_URL)");
  const client = v.client as string | undefined;
  if (client !== undefined && !(CLIENT_NAMES as readonly string[]).includes(client))
    throw new UsageError(`sessile: --client must be one of ${CLIENT_NAMES.join(", ")}`);
  const count = Number(v.count ?? 500);
  if (!Number.isInteger(count) || count < 1)
    throw new UsageError("sessile: --count must be a whole number above 0");
  return {
    redisUrl,
    prefix: (v.prefix as string | undefined) ?? "sessile:",
    client: client as ClientName | undefined,
    count,
    json: v.json === true,
    yes: v.yes === true,
    positional: parsed.positionals[0],
  };
}

/** A histogram as `{ "≤256": n, …, "more": n }`. */
function histogram(bounds: readonly number[], values: readonly number[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const bound of bounds) out[`<=${bound}`] = 0;
  out.more = 0;
  for (const value of values) {
    const bound = bounds.find((b) => value <= b);
    out[bound === undefined ? "more" : `<=${bound}`] =
      (out[bound === undefined ? "more" : `<=${bound}`] ?? 0) + 1;
  }
  return out;
}

/** What `sessile stats` found: counts only. */
export interface Stats {
  cluster: boolean;
  primaries: number;
  sessions: number;
  rotationMarkers: number;
  userIndexes: number;
  unreadable: number;
  noTtl: number;
  payloadBytes: Record<string, number>;
  ttlSeconds: Record<string, number>;
}

type Kind = "session" | "marker" | "index" | "unreadable" | "other";

function kindOf(prefix: string, key: string, value: StoredValue): Kind {
  const rest = key.slice(prefix.length);
  if (rest.startsWith("u:") && HANDLE.test(rest.slice(2))) return "index";
  if (!HANDLE.test(rest)) return "other";
  if (typeof value !== "string") return value === null ? "other" : "unreadable";
  if (rotatedTo(value) !== null) return "marker";
  return decodePayload(safeJson, value, Math.floor(Date.now() / 1000)).ok ? "session" : "unreadable";
}

async function collectStats(redis: MigrationRedis, args: InspectArgs, io: CliIo): Promise<Stats> {
  const nodes = await redis.primaries();
  const progress = new Progress(io.stderr, 1000, "sessile stats");
  progress.total = (await Promise.all(nodes.map((n) => n.size()))).reduce((a, b) => a + b, 0);
  const sizes: number[] = [];
  const ttls: number[] = [];
  const stats = { sessions: 0, rotationMarkers: 0, userIndexes: 0, unreadable: 0, noTtl: 0 };
  let done = 0;
  for (const node of nodes) {
    let cursor = "0";
    do {
      const [next, keys] = await node.scan(cursor, `${args.prefix}*`, args.count);
      cursor = next;
      const read = keys.length === 0 ? [] : await node.read(keys);
      keys.forEach((key, i) => {
        const { value, pttl } = read[i] ?? { value: null, pttl: -2 };
        const kind = kindOf(args.prefix, key, value);
        if (kind === "index") stats.userIndexes++;
        else if (kind === "marker") stats.rotationMarkers++;
        else if (kind === "unreadable") stats.unreadable++;
        else if (kind === "session") {
          stats.sessions++;
          sizes.push(Buffer.byteLength(value as string));
          if (pttl >= 0) ttls.push(Math.ceil(pttl / 1000));
          else stats.noTtl++;
        }
      });
      done += keys.length;
      progress.update(done, stats.sessions, "sessions");
    } while (cursor !== "0");
  }
  progress.done();
  return {
    cluster: redis.cluster,
    primaries: nodes.length,
    ...stats,
    payloadBytes: histogram(SIZE_BOUNDS, sizes),
    ttlSeconds: histogram(TTL_BOUNDS, ttls),
  };
}

function table(rows: readonly (readonly [string, string | number])[]): string {
  const width = Math.max(...rows.map(([k]) => k.length));
  return `${rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join("\n")}\n`;
}

function statsTable(stats: Stats): string {
  const rows: [string, string | number][] = [
    ["topology", stats.cluster ? `cluster (${stats.primaries} primaries)` : "single node"],
    ["sessions", stats.sessions],
    ["rotation markers", stats.rotationMarkers],
    ["user indexes", stats.userIndexes],
    ["unreadable", stats.unreadable],
    ["without TTL", stats.noTtl],
  ];
  for (const [b, n] of Object.entries(stats.payloadBytes)) rows.push([`payload bytes ${b}`, n]);
  for (const [b, n] of Object.entries(stats.ttlSeconds)) rows.push([`ttl seconds ${b}`, n]);
  return table(rows);
}

function checkHandle(handle: string | undefined, command: string): string {
  if (handle === undefined || !HANDLE.test(handle))
    throw new UsageError(
      `sessile: ${command} takes a session handle (22 base64url characters, session.handle)`,
    );
  return handle;
}

/** One session without its data: when it was made, when it ends, its size, its user binding. */
async function showOne(
  redis: MigrationRedis,
  prefix: string,
  handle: string,
): Promise<Record<string, unknown>> {
  const { value, pttl } = await redis.readOne(`${prefix}${handle}`);
  if (value === null) return { handle, found: false };
  if (typeof value !== "string") return { handle, found: true, readable: false };
  const target = rotatedTo(value);
  if (target !== null) return { handle, found: true, rotatedTo: target, ttlSeconds: Math.ceil(pttl / 1000) };
  const decoded = decodePayload(safeJson, value, Math.floor(Date.now() / 1000));
  if (!decoded.ok) return { handle, found: true, readable: false };
  const { record } = decoded;
  return {
    handle,
    found: true,
    createdAt: new Date(record.createdAt * 1000).toISOString(),
    expiresAt: record.expires === null ? null : new Date(record.expires * 1000).toISOString(),
    ttlSeconds: pttl >= 0 ? Math.ceil(pttl / 1000) : null,
    payloadBytes: Buffer.byteLength(value),
    dataKeys: Object.keys(record.data).length,
    userId: record.user?.id ?? null,
  };
}

/** The members of a user's index with their deadlines. */
async function userSessionsOf(redis: MigrationRedis, prefix: string, userId: string) {
  const flat = await redis.indexOf(`${prefix}${indexKeyOf(userId)}`);
  const out: { handle: string; expiresAt: string | null }[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const member = flat[i] as string;
    const score = Number(flat[i + 1]);
    // The revocation stamp ("!stamp") is no handle; members past their deadline are pruned lazily.
    if (!HANDLE.test(member) || score < Date.now() / 1000) continue;
    out.push({
      handle: member,
      expiresAt: Number.isFinite(score) ? new Date(score * 1000).toISOString() : null,
    });
  }
  return out;
}

function print(io: CliIo, json: boolean, value: unknown, asTable: () => string): void {
  io.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : asTable());
}

/** Runs `sessile stats|show|rm|user`. */
export async function inspect(command: string, argv: readonly string[], io: CliIo): Promise<void> {
  const args = argsOf(argv, io);
  if (command === "rm" && !args.yes)
    throw new UsageError("sessile: rm deletes a session; confirm with --yes");
  if (command === "user" && (args.positional === undefined || args.positional.length === 0))
    throw new UsageError("sessile: user takes a user id");
  const handle = command === "show" || command === "rm" ? checkHandle(args.positional, command) : "";
  const redis = await connectRedis(args.redisUrl, args.client);
  try {
    if (command === "stats") {
      const stats = await collectStats(redis, args, io);
      return print(io, args.json, stats, () => statsTable(stats));
    }
    if (command === "show") {
      const shown = await showOne(redis, args.prefix, handle);
      return print(io, args.json, shown, () => table(Object.entries(shown).map(([k, v]) => [k, String(v)])));
    }
    if (command === "rm") {
      const existed = await redis.exists(`${args.prefix}${handle}`);
      if (existed) await redis.del(`${args.prefix}${handle}`);
      return print(
        io,
        args.json,
        { handle, deleted: existed },
        () => `${existed ? "deleted" : "not found"}\n`,
      );
    }
    const list = await userSessionsOf(redis, args.prefix, args.positional as string);
    return print(io, args.json, list, () => table(list.map((s) => [s.handle, s.expiresAt ?? "never"])));
  } finally {
    await redis.close();
  }
}
