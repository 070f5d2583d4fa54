import { hash, randomBytes } from "node:crypto";
import { SessionError } from "./errors.js";

/** A session id: base64url characters, at least 22 of them (128 bits), at most 256. */
export const SESSION_ID: RegExp = /^[A-Za-z0-9_-]{22,256}$/;

/** The default id: 32 bytes from the CSPRNG, base64url (43 characters, 256 bits). */
export function generateSessionId(): string {
  return randomBytes(32).toString("base64url");
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

/** The store key for an id: a SHA-256 digest, so no key, `SCAN` or `MONITOR` line shows a usable cookie value. */
export function digestId(id: string): string {
  return hash("sha256", id, "base64url");
}
