import { createHmac, timingSafeEqual } from "node:crypto";

/** HMAC of `data` in base64 with its `=` padding removed, as cookie-signature and @fastify/cookie write it. */
export function unpaddedMac(algorithm: string, secret: string, data: string): string {
  return createHmac(algorithm, secret).update(data).digest("base64").replace(/=+$/, "");
}

/** HMAC-SHA1 of `data` in keygrip's URL-safe base64 (`/`→`_`, `+`→`-`, no `=`). */
export function keygripMac(algorithm: string, key: string, data: string): string {
  return createHmac(algorithm, key)
    .update(data)
    .digest("base64")
    .replace(/[/+=]/g, (c) => (c === "/" ? "_" : c === "+" ? "-" : ""));
}

/** Constant-time string comparison after a length check. */
export function sameText(actual: string, expected: string): boolean {
  const a = Buffer.from(actual);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Whether `signature` is the MAC of `data` under any of `secrets` (all are tried, so timing does not tell which). */
export function signedByAny(
  signature: string,
  secrets: readonly string[],
  mac: (secret: string) => string,
): boolean {
  let ok = false;
  for (const secret of secrets) if (sameText(signature, mac(secret))) ok = true;
  return ok;
}
