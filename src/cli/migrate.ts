import { convertLegacySession, type LegacyRef, type LegacySource } from "../migrate/index.js";
import type { CliIo } from "./io.js";
import { type Plan, planOf } from "./migrate-options.js";
import { Progress } from "./progress.js";
import { connectRedis, type MigrationRedis, type ScanNode } from "./redis-client.js";

export { MIGRATE_USAGE } from "./migrate-options.js";

/** What `sessile migrate` found and did. Counts of keys; no key, id or value is ever reported. */
export interface MigrationSummary {
  from: LegacySource["name"];
  dryRun: boolean;
  cluster: boolean;
  primaries: number;
  /** Legacy session keys examined. */
  scanned: number;
  /** Written as sessile sessions (with `--dry-run`: would be). */
  migrated: number;
  /** Gone or past their deadline when read. */
  skippedExpired: number;
  /** Not a readable legacy session (corrupt, another type, over `--max-payload-bytes`). */
  unreadable: number;
  /** A sessile session already exists under the key (an earlier run, or adopted by a request). */
  alreadyPresent: number;
  /** Keys the `SCAN` pattern matched that are not legacy sessions (koa: not a session id). */
  ignored: number;
  /** Legacy keys deleted (migrated or already present, without `--keep-legacy`). */
  legacyDeleted: number;
  seconds: number;
}

type Outcome = "migrated" | "skippedExpired" | "unreadable" | "alreadyPresent";

async function migrateKey(
  plan: Plan,
  redis: MigrationRedis,
  ref: LegacyRef,
  value: string | null | { wrongType: true },
  pttl: number,
  now: number,
): Promise<{ outcome: Outcome; deleted: boolean }> {
  if (value === null || pttl === -2) return { outcome: "skippedExpired", deleted: false };
  if (typeof value !== "string") return { outcome: "unreadable", deleted: false };
  const legacy = plan.source.decode(value, now);
  if (legacy === null) {
    // decode() answers null for both; at time 0 nothing is expired, so a null there is unreadable.
    return {
      outcome: plan.source.decode(value, 0) === null ? "unreadable" : "skippedExpired",
      deleted: false,
    };
  }
  const converted = convertLegacySession(ref, legacy, {
    prefix: plan.sessilePrefix,
    idleTimeout: plan.idleTimeout,
    absoluteTimeout: plan.absoluteTimeout,
    now,
    storeTtl: pttl >= 0 ? Math.floor(pttl / 1000) : null,
    keepCookieMaxAge: plan.keepCookieMaxAge,
  });
  if (converted === null) return { outcome: "skippedExpired", deleted: false };
  if (Buffer.byteLength(converted.value) > plan.maxPayloadBytes)
    return { outcome: "unreadable", deleted: false };
  if (plan.dryRun) {
    return { outcome: (await redis.exists(converted.key)) ? "alreadyPresent" : "migrated", deleted: false };
  }
  const written = await redis.setNew(converted.key, converted.value, converted.ttl);
  if (!plan.keepLegacy) await redis.del(ref.key);
  return { outcome: written ? "migrated" : "alreadyPresent", deleted: !plan.keepLegacy };
}

async function scanNode(
  plan: Plan,
  redis: MigrationRedis,
  node: ScanNode,
  summary: MigrationSummary,
  progress: Progress,
): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await node.scan(cursor, plan.source.keyPattern, plan.count);
    cursor = next;
    const refs: LegacyRef[] = [];
    for (const key of keys) {
      const ref = plan.source.refOfKey(key);
      if (ref === null) summary.ignored++;
      else refs.push(ref);
    }
    if (refs.length === 0) continue;
    const reads = await node.read(refs.map((r) => r.key));
    const now = Math.floor(Date.now() / 1000);
    const results = await Promise.all(
      refs.map((ref, i) => migrateKey(plan, redis, ref, reads[i]?.value ?? null, reads[i]?.pttl ?? -2, now)),
    );
    for (const { outcome, deleted } of results) {
      summary[outcome]++;
      if (deleted) summary.legacyDeleted++;
    }
    summary.scanned += refs.length;
    progress.update(summary.scanned + summary.ignored, summary.migrated);
  } while (cursor !== "0");
}

function printSummary(io: CliIo, summary: MigrationSummary): void {
  const rows: Array<[string, number]> = [
    ["scanned", summary.scanned],
    [summary.dryRun ? "migrated (dry run)" : "migrated", summary.migrated],
    ["skipped-expired", summary.skippedExpired],
    ["unreadable", summary.unreadable],
    ["already-present", summary.alreadyPresent],
  ];
  if (summary.ignored > 0) rows.push(["ignored (not sessions)", summary.ignored]);
  rows.push(["legacy keys deleted", summary.legacyDeleted]);
  const where = summary.cluster ? `${summary.primaries} Cluster primaries` : "one node";
  let out = `sessile migrate from ${summary.from} (${where}, ${summary.seconds.toFixed(1)} s)${summary.dryRun ? ", dry run: nothing written" : ""}\n`;
  for (const [label, count] of rows) out += `  ${label.padEnd(24)}${String(count).padStart(10)}\n`;
  io.stdout.write(out);
}

/** `sessile migrate …`: resolves with the summary; throws `UsageError` for bad arguments. */
export async function migrate(argv: readonly string[], io: CliIo): Promise<MigrationSummary> {
  const plan = planOf(argv, io);
  const started = Date.now();
  const redis = await connectRedis(plan.redisUrl, plan.client);
  try {
    const nodes = await redis.primaries();
    const summary: MigrationSummary = {
      from: plan.source.name,
      dryRun: plan.dryRun,
      cluster: redis.cluster,
      primaries: nodes.length,
      scanned: 0,
      migrated: 0,
      skippedExpired: 0,
      unreadable: 0,
      alreadyPresent: 0,
      ignored: 0,
      legacyDeleted: 0,
      seconds: 0,
    };
    const progress = new Progress(io.stderr);
    progress.total = (await Promise.all(nodes.map((n) => n.size()))).reduce((a, b) => a + b, 0);
    for (const node of nodes) await scanNode(plan, redis, node, summary, progress);
    progress.done();
    summary.seconds = (Date.now() - started) / 1000;
    if (plan.json) io.stdout.write(`${JSON.stringify(summary)}\n`);
    else printSummary(io, summary);
    return summary;
  } finally {
    await redis.close();
  }
}
