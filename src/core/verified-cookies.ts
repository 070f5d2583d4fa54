import { digestId } from "./id.js";
import { type VerifiedId, verifyCookieValue } from "./signer.js";

/** A cookie value that verified: its id, whether an older secret signed it, and the id's store key. */
export interface VerifiedCookie extends VerifiedId {
  readonly key: string;
}

/**
 * How many verified cookie values one factory remembers: each entry (the value, the id, the key, the map's
 * slot) is about 600 bytes of heap, so a full memo holds about 2.3 MiB (measured by the soak).
 */
export const VERIFIED_COOKIES_LIMIT = 4096;

/** A copy of `text` that shares no memory with the string it was cut from (here, a whole `Cookie` header). */
function detached(text: string): string {
  return Buffer.from(text, "latin1").toString("latin1");
}

/**
 * A memo of signature checks: cookie values that verified under this factory's secrets, with the id and
 * store key they name, so a returning visitor's HMAC and SHA-256 are computed once, not per request.
 * Verification is a pure function of the value and the secrets (which a factory never changes), so a
 * remembered answer is the answer. Only values that verified are kept: a forged or altered value is never
 * found and goes through the constant-time check every time; finding a value at all requires presenting
 * exactly a value this factory signed. Whether the session behind it still exists is the store's to say,
 * as always. The oldest entry goes first once {@link VERIFIED_COOKIES_LIMIT} are held.
 *
 * The secrets and the cookie name are fixed at construction: a remembered answer holds only for them.
 */
export class VerifiedCookies {
  readonly #secrets: readonly string[];
  readonly #cookieName: string;
  readonly #limit: number;
  readonly #entries = new Map<string, VerifiedCookie>();

  constructor(secrets: readonly string[], cookieName: string, limit: number = VERIFIED_COOKIES_LIMIT) {
    this.#secrets = secrets;
    this.#cookieName = cookieName;
    this.#limit = limit;
  }

  /** The verified cookie `value` stands for, or `null` when no current secret signed it. */
  verify(value: string): VerifiedCookie | null {
    const known = this.#entries.get(value);
    if (known !== undefined) return known;
    const verified = verifyCookieValue(this.#secrets, this.#cookieName, value);
    if (verified === null) return null;
    const id = detached(verified.id);
    const entry: VerifiedCookie = { id, rotated: verified.rotated, key: digestId(id) };
    if (this.#entries.size >= this.#limit) this.#entries.delete(this.#entries.keys().next().value as string);
    this.#entries.set(detached(value), entry);
    return entry;
  }

  /** How many values are remembered (for tests). */
  get size(): number {
    return this.#entries.size;
  }
}
