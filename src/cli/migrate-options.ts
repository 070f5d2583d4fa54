import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import {
  expressSessionSource,
  fastifySessionSource,
  koaSessionSource,
  type LegacySource,
} from "../migrate/index.js";
import { type CliIo, UsageError } from "./io.js";
import { CLIENT_NAMES, type ClientName } from "./redis-client.js";

export const MIGRATE_USAGE = `Usage: sessile migrate --from <library> [options]

Copies every live legacy session into a sessile session stored under <sessile-prefix><digest of the
legacy id>, where sessile looks for a legacy cookie's session, with SET … NX EX. On a Cluster, every
primary is scanned. Needs a Redis client in your application: ioredis, redis (node-redis) or iovalkey.

  --from <library>          express-session | fastify-session | koa-session
  --redis-url <url>         the Redis that holds the legacy sessions (default: $REDIS_URL)
  --prefix <text>           the legacy key prefix (default "sess:"; koa-redis: "")
  --secret-file <path>      the legacy secret(s), one per line, newest first; optional: the migrator
                            reads the store, never a cookie
  --sessile-prefix <text>   sessile's redisStore prefix (default "sessile:")
  --idle-timeout <s>        sessile's idleTimeout in seconds (default 1200)
  --absolute-timeout <s>    sessile's absoluteTimeout in seconds (default none)
  --keep-cookie-max-age     keep each legacy cookie's lifetime as the session's own cookie Max-Age
  --store-did-not-touch     express-session: the legacy store ran with disableTouch or disableTTL
  --koa-id-pattern <regex>  koa-session: which keys are sessions (default: a randomUUID at the end)
  --max-payload-bytes <n>   sessile's maxPayloadBytes (default 65536)
  --count <n>               SCAN COUNT per call (default 500)
  --client <name>           ioredis | redis | iovalkey (default: the first one installed)
  --dry-run                 write nothing; count what would be migrated
  --keep-legacy             leave the legacy keys in place (default: delete each one migrated)
  --json                    print the summary as JSON
`;

const SOURCES = ["express-session", "fastify-session", "koa-session"] as const;

function integer(name: string, value: string | undefined, fallback: number | null): number | null {
  if (value === undefined) return fallback;
  if (!/^[1-9][0-9]*$/.test(value))
    throw new UsageError(`sessile: --${name} must be a positive whole number`);
  return Number(value);
}

function readSecrets(path: string | undefined): string[] | undefined {
  if (path === undefined) return undefined;
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    throw new UsageError(
      "sessile: --secret-file cannot be read; give the path of a file with one secret per line",
    );
  }
  const secrets = text.split(/\r?\n/).filter((line) => line.length > 0);
  if (secrets.length === 0)
    throw new UsageError("sessile: --secret-file holds no secret; put one per line, newest first");
  return secrets;
}

function sourceFor(from: string, values: Record<string, string | boolean | undefined>): LegacySource {
  // The migrator never verifies a cookie, so without --secret-file any secret will do for the source.
  const secret = readSecrets(values["secret-file"] as string | undefined) ?? ["unused by the migrator"];
  const prefix = values.prefix as string | undefined;
  const withPrefix = prefix === undefined ? {} : { prefix };
  if (from === "express-session") {
    return expressSessionSource({ secret, ...withPrefix, touch: values["store-did-not-touch"] !== true });
  }
  if (from === "fastify-session") return fastifySessionSource({ secret, ...withPrefix });
  const pattern = values["koa-id-pattern"] as string | undefined;
  let idPattern: RegExp | undefined;
  try {
    idPattern = pattern === undefined ? undefined : new RegExp(pattern);
  } catch {
    throw new UsageError("sessile: --koa-id-pattern is not a valid regular expression");
  }
  return koaSessionSource({ keys: secret, ...withPrefix, ...(idPattern ? { idPattern } : {}) });
}

/** A checked `sessile migrate` command line. */
export interface Plan {
  readonly source: LegacySource;
  readonly redisUrl: string;
  readonly client: ClientName | undefined;
  readonly sessilePrefix: string;
  readonly idleTimeout: number;
  readonly absoluteTimeout: number | null;
  readonly keepCookieMaxAge: boolean;
  readonly maxPayloadBytes: number;
  readonly count: number;
  readonly dryRun: boolean;
  readonly keepLegacy: boolean;
  readonly json: boolean;
}

/** Parses and checks the arguments of `sessile migrate`; throws `UsageError` with a `sessile:` message. */
export function planOf(argv: readonly string[], io: CliIo): Plan {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        from: { type: "string" },
        "redis-url": { type: "string" },
        prefix: { type: "string" },
        "secret-file": { type: "string" },
        "sessile-prefix": { type: "string" },
        "idle-timeout": { type: "string" },
        "absolute-timeout": { type: "string" },
        "keep-cookie-max-age": { type: "boolean" },
        "store-did-not-touch": { type: "boolean" },
        "koa-id-pattern": { type: "string" },
        "max-payload-bytes": { type: "string" },
        count: { type: "string" },
        client: { type: "string" },
        "dry-run": { type: "boolean" },
        "keep-legacy": { type: "boolean" },
        json: { type: "boolean" },
      },
    }));
  } catch (error) {
    throw new UsageError(`sessile: ${(error as Error).message}; see sessile migrate --help`);
  }
  const from = values.from as string | undefined;
  if (from === undefined || !(SOURCES as readonly string[]).includes(from)) {
    throw new UsageError(`sessile: --from must be one of ${SOURCES.join(", ")}`);
  }
  const redisUrl = (values["redis-url"] as string | undefined) ?? io.env.REDIS_URL;
  if (redisUrl === undefined || !/^rediss?:\/\//.test(redisUrl)) {
    throw new UsageError("sessile: give --redis-url redis://host:port (or set REDIS_URL)");
  }
  const client = values.client as string | undefined;
  if (client !== undefined && !(CLIENT_NAMES as readonly string[]).includes(client)) {
    throw new UsageError(`sessile: --client must be one of ${CLIENT_NAMES.join(", ")}`);
  }
  let source: LegacySource;
  try {
    source = sourceFor(from, values);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError((error as Error).message);
  }
  return {
    source,
    redisUrl,
    client: client as ClientName | undefined,
    sessilePrefix: (values["sessile-prefix"] as string | undefined) ?? "sessile:",
    idleTimeout: integer("idle-timeout", values["idle-timeout"] as string | undefined, 1200) as number,
    absoluteTimeout: integer("absolute-timeout", values["absolute-timeout"] as string | undefined, null),
    keepCookieMaxAge: values["keep-cookie-max-age"] === true,
    maxPayloadBytes: integer(
      "max-payload-bytes",
      values["max-payload-bytes"] as string | undefined,
      65536,
    ) as number,
    count: integer("count", values.count as string | undefined, 500) as number,
    dryRun: values["dry-run"] === true,
    keepLegacy: values["keep-legacy"] === true,
    json: values.json === true,
  };
}
