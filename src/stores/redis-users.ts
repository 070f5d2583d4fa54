import type { IndexEntries, IndexUpdateResult, UserIndexStore } from "../core/store.js";
import { INDEX_READ, INDEX_REMOVE, INDEX_UPDATE, type Script } from "./redis-scripts.js";

/** Runs one script on one (unprefixed) key. */
type RunScript = (key: string, script: Script, args: string[]) => Promise<unknown>;

const STAMP = "!stamp";

function text(value: unknown): string {
  return Buffer.isBuffer(value) ? value.toString("utf8") : String(value);
}

/** A stamp as stored (minus its time, so pruning by deadline never reaches it), or `null`. */
function stampOf(score: unknown): number | null {
  if (score === null || score === undefined || score === false) return null;
  const n = -Number(text(score));
  return Number.isFinite(n) ? n : null;
}

function scoreText(deadline: number | null): string {
  return deadline === null ? "+inf" : String(deadline);
}

function parseMembers(reply: unknown): IndexEntries["members"] {
  const flat = Array.isArray(reply) ? reply.map(text) : [];
  const members: { member: string; deadline: number | null }[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const member = flat[i] as string;
    const score = flat[i + 1] as string;
    if (member !== STAMP)
      members.push({ member, deadline: score === "inf" || score === "+inf" ? null : Number(score) });
  }
  return members;
}

/** User indexes on Redis: one sorted set per user, every operation one script call on that key. */
export function redisUserIndex(run: RunScript): UserIndexStore {
  async function update(key: string, args: string[]): Promise<IndexUpdateResult> {
    const reply = await run(key, INDEX_UPDATE, args);
    const [stamp, evicted] = Array.isArray(reply) ? reply : [null, []];
    return { stamp: stampOf(stamp), evicted: Array.isArray(evicted) ? evicted.map(text) : [] };
  }
  return {
    updateIndex: (key, u) =>
      update(key, [
        String(u.now),
        u.add?.member ?? "",
        scoreText(u.add?.deadline ?? null),
        u.remove ?? "",
        String(u.limit ?? 0),
        String(u.stampLife),
        "",
      ]),
    async readIndex(key, now) {
      const reply = await run(key, INDEX_READ, [String(now)]);
      const [stamp, members] = Array.isArray(reply) ? reply : [null, []];
      return { stamp: stampOf(stamp), members: parseMembers(members) };
    },
    async removeFromIndex(key, members) {
      // Lua's unpack() takes a few thousand values at most: large removals go in chunks.
      let removed = 0;
      for (let i = 0; i < members.length; i += 1000) {
        removed += Number(await run(key, INDEX_REMOVE, members.slice(i, i + 1000)));
      }
      return removed;
    },
    async stampIndex(key, stamp, stampLife) {
      await update(key, [
        String(Math.floor(stamp / 1000)),
        "",
        "",
        "",
        "0",
        String(stampLife),
        String(stamp),
      ]);
    },
  };
}
