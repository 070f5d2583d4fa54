import { hash, randomFillSync } from "node:crypto";
import { SessionError } from "./errors.js";

/** A session id: base64url characters, at least 22 of them (128 bits), at most 256. */
export const SESSION_ID: RegExp = /^[A-Za-z0-9_-]{22,256}$/;

const ID_BYTES = 32;
// One CSPRNG call fills 256 ids; each id takes fresh bytes and no byte is ever handed out twice.
const pool = Buffer.alloc(ID_BYTES * 256);
let poolOffset = pool.length;

/** The default id: 32 bytes from the CSPRNG, base64url (43 characters, 256 bits). */
export function generateSessionId(): string {
  if (poolOffset === pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const id = pool.toString("base64url", poolOffset, poolOffset + ID_BYTES);
  poolOffset += ID_BYTES;
  return id;
}

/** Throws unless `id` is a usable session id; used on every id a custom `generateId` returns. */
export function checkGeneratedId(id: unknown): string {
  if (typeof id !== "string" || !SESSION_ID.test(id)) {
    throw new SessionError(
      "invalid-option",
      "sessile: generateId must return 22 to 256 base64url characters (A-Z a-z 0-9 - _), i.e. at least 128 random bits; " +
        "omit it to use 32 random bytes",
    );
  }
  return id;
}

/** An id from a custom `generateId`: its failures become `SessionError`s, and the id is checked. */
export function customId(generateId: () => unknown): string {
  let id: unknown;
  try {
    id = generateId();
  } catch (error) {
    throw new SessionError(
      "invalid-option",
      `sessile: generateId threw (${error instanceof Error ? error.message : String(error)}); it must return a new id`,
      { cause: error },
    );
  }
  return checkGeneratedId(id);
}

/**
 * The store key for an id: the first 132 bits of its SHA-256 digest, base64url (22 characters), so no
 * key, `SCAN` or `MONITOR` line shows a usable cookie value. 132 bits keep collisions out of reach
 * (about 2^66 sessions for an even chance) while saving 32 bytes of Redis memory per session.
 */
export function digestId(id: string): string {
  return hash("sha256", id, "base64url").slice(0, 22);
}
