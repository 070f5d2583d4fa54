import { createHash } from "node:crypto";
import type { Commands } from "./redis-commands.js";

/** A Lua script sent by its digest (`EVALSHA`), with its source ready for `EVAL` on `NOSCRIPT`. */
export interface Script {
  readonly source: string;
  readonly sha: string;
}

function script(source: string): Script {
  return { source, sha: createHash("sha1").update(source).digest("hex") };
}

/**
 * The compare-and-set of one session key: writes (or deletes) only if the key still holds exactly ARGV[1],
 * the value the request read (as `SET … IFEQ` compares). Answers 1 when done, 0 when the key is gone, or
 * the value it holds instead, so a conflict costs no extra read. ARGV: expected value, "S" (set) or "D"
 * (delete), value, TTL or "". Sending the expected value costs its bytes once more per write; hashing it
 * instead (`redis.sha1hex`) cost Redis about 2 µs more per call and the app a SHA-1.
 */
export const CAS: Script = script(`local current = redis.call('GET', KEYS[1])
if not current then return 0 end
if current ~= ARGV[1] then return current end
if ARGV[2] == 'D' then redis.call('DEL', KEYS[1])
elseif ARGV[4] == '' then redis.call('SET', KEYS[1], ARGV[3])
else redis.call('SET', KEYS[1], ARGV[3], 'EX', ARGV[4]) end
return 1`);

/**
 * One update of a user index (a sorted set of session key digests scored by deadline, "+inf" for none;
 * the revocation stamp is the member "!stamp" scored minus its time in milliseconds, so pruning never reaches it).
 * ARGV: now, member to add or "", its score, member to remove or "", limit (0 = none), stamp life,
 * stamp to set or "". Prunes passed deadlines, evicts the soonest-ending members over the limit (never
 * the one added), and expires the index with its last session (or the stamp's life). Answers
 * {stamp or nil, {evicted...}}.
 */
export const INDEX_UPDATE: Script = script(`local key = KEYS[1]
if ARGV[4] ~= '' then redis.call('ZREM', key, ARGV[4]) end
if ARGV[2] ~= '' then redis.call('ZADD', key, ARGV[3], ARGV[2]) end
if ARGV[7] ~= '' then redis.call('ZADD', key, '-' .. ARGV[7], '!stamp') end
redis.call('ZREMRANGEBYSCORE', key, '0', '(' .. ARGV[1])
local evicted = {}
local limit = tonumber(ARGV[5])
if limit > 0 then
  local over = redis.call('ZCOUNT', key, '0', '+inf') - limit
  if over > 0 then
    for _, m in ipairs(redis.call('ZRANGEBYSCORE', key, '0', '+inf', 'LIMIT', 0, over + 1)) do
      if #evicted < over and m ~= ARGV[2] then
        redis.call('ZREM', key, m)
        evicted[#evicted + 1] = m
      end
    end
  end
end
local stamp = redis.call('ZSCORE', key, '!stamp')
local top = redis.call('ZREVRANGEBYSCORE', key, '+inf', '0', 'WITHSCORES', 'LIMIT', 0, 1)
if top[2] == 'inf' then
  redis.call('PERSIST', key)
else
  local at = 0
  if top[2] then at = tonumber(top[2]) end
  if stamp then at = math.max(at, tonumber(ARGV[6]) + math.ceil(-tonumber(stamp) / 1000)) end
  if at > 0 then redis.call('EXPIREAT', key, at) end
end
return {stamp or false, evicted}`);

/** A user index's live members with their scores, and the stamp: {stamp or nil, {member, score, ...}}. */
export const INDEX_READ: Script = script(`return {redis.call('ZSCORE', KEYS[1], '!stamp') or false,
  redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], '+inf', 'WITHSCORES')}`);

/** Takes members out of a user index; answers how many were there. ARGV: the members. */
export const INDEX_REMOVE: Script = script(`return redis.call('ZREM', KEYS[1], unpack(ARGV))`);

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : "";
}

/** Runs a script by digest and loads it on `NOSCRIPT` (a fresh server, or a replica promoted by failover). */
export async function runScript(
  redis: Commands,
  { source, sha }: Script,
  key: string,
  args: string[],
): Promise<unknown> {
  try {
    return await redis.evalSha(sha, key, args);
  } catch (error) {
    if (!errorText(error).startsWith("NOSCRIPT")) throw error;
    return redis.eval(source, key, args);
  }
}
