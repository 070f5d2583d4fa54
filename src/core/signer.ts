import { createHmac, timingSafeEqual } from "node:crypto";
import { SESSION_ID } from "./id.js";

/** Length of a base64url HMAC-SHA-256 (32 bytes). */
const MAC_LENGTH = 43;

/** A verified cookie: the id, and whether it was signed with an older secret (so it must be re-signed). */
export interface VerifiedId {
  readonly id: string;
  readonly rotated: boolean;
}

function mac(secret: string, cookieName: string, id: string): string {
  // Binding the cookie name stops a value signed for one cookie from being replayed as another.
  return createHmac("sha256", secret).update(`${cookieName}=${id}`).digest("base64url");
}

/** The cookie value for `id`: `id.mac`, signed with the first secret. */
export function signId(secrets: readonly string[], cookieName: string, id: string): string {
  return `${id}.${mac(secrets[0] as string, cookieName, id)}`;
}

/** Verifies a cookie value against every secret, in constant time per comparison; `null` when none matches. */
export function verifyCookieValue(
  secrets: readonly string[],
  cookieName: string,
  value: string,
): VerifiedId | null {
  const dot = value.length - MAC_LENGTH - 1;
  if (dot < 22 || value.charCodeAt(dot) !== 46 /* . */) return null;
  const id = value.slice(0, dot);
  if (!SESSION_ID.test(id)) return null;
  const given = Buffer.from(value.slice(dot + 1), "latin1");
  for (let i = 0; i < secrets.length; i++) {
    const expected = Buffer.from(mac(secrets[i] as string, cookieName, id), "latin1");
    if (given.length === expected.length && timingSafeEqual(given, expected)) return { id, rotated: i > 0 };
  }
  return null;
}
