/**
 * The bounds every stored field and every argument is held to, shared by the option checks, the
 * Session API and the payload decoder, so that whatever sessile accepts it can store and read back.
 */

/** Browsers cap cookie lifetimes at 400 days (RFC 6265bis); a larger value is usually milliseconds. */
export const MAX_COOKIE_AGE: number = 400 * 24 * 60 * 60;

/**
 * The longest timeout, in seconds (100 years): far beyond any session, and small enough that a
 * deadline `now + timeout` stays an exact integer (below 2^53) for the next million years.
 */
export const MAX_DURATION: number = 100 * 365 * 24 * 60 * 60;

/**
 * How deeply objects and arrays may nest in the stored payload. JSON.stringify and parse recurse, so a
 * value nested thousands deep can overflow the stack on the way back; sessions never need this much.
 */
export const MAX_NESTING = 64;

/** The longest user id `bindUser()` takes. */
export const MAX_USER_ID_LENGTH = 256;

/** The largest device record `bindUser()` takes, as JSON bytes: it is personal data, keep it small. */
export const MAX_META_BYTES = 1024;

/** The smallest `maxPayloadBytes`: room for a session's own fields (times, revision, CSRF token) and some data. */
export const MIN_PAYLOAD_BYTES = 256;

/** Whether objects and arrays in `value` nest deeper than `max` levels (iterative: no recursion to overflow). */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const { value: item, depth } = stack.pop() as { value: unknown; depth: number };
    if (typeof item !== "object" || item === null) continue;
    if (depth + 1 > max) return true;
    for (const child of Array.isArray(item) ? item : Object.values(item)) {
      if (typeof child === "object" && child !== null) stack.push({ value: child, depth: depth + 1 });
    }
  }
  return false;
}
