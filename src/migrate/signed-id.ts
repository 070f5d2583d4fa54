import { LEGACY_ID, uriDecoded } from "./cookie-header.js";
import { signedByAny, unpaddedMac } from "./hmac.js";

/** Longest signature considered: an unpadded base64 HMAC-SHA-512 is 86 characters. */
const MAX_SIGNATURE_LENGTH = 88;

/**
 * The id of a cookie-signature style value, `<id>.<base64 HMAC of id, unpadded>` (URI-encoded in the
 * header, optionally after `prefix`), when it verifies with one of `secrets`; `null` otherwise.
 */
export function verifiedId(
  raw: string,
  prefix: string,
  prefixRequired: boolean,
  secrets: readonly string[],
  algorithm: string,
): string | null {
  let value = uriDecoded(raw);
  if (value === null) return null;
  if (prefix !== "" && value.startsWith(prefix)) value = value.slice(prefix.length);
  else if (prefixRequired) return null;
  const dot = value.lastIndexOf(".");
  if (dot <= 0) return null;
  const id = value.slice(0, dot);
  const signature = value.slice(dot + 1);
  if (!LEGACY_ID.test(id) || signature.length === 0 || signature.length > MAX_SIGNATURE_LENGTH) return null;
  return signedByAny(signature, secrets, (secret) => unpaddedMac(algorithm, secret, id)) ? id : null;
}

/** The app's data of a connect-style stored session: every field but `cookie`. */
export function dataWithoutCookie(stored: Record<string, unknown>): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(stored)) if (key !== "cookie") data[key] = value;
  return data;
}

/** The `cookie` field of a connect-style stored session, when it is an object. */
export function cookieField(stored: Record<string, unknown>): Record<string, unknown> | null {
  const cookie = stored.cookie;
  return typeof cookie === "object" && cookie !== null && !Array.isArray(cookie)
    ? (cookie as Record<string, unknown>)
    : null;
}
