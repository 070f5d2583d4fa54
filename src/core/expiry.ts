/** Seconds since the epoch, the unit of every stored time. */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** The moment a session ends: the earlier of its idle deadline and its absolute deadline, or `null`. */
export function deadline(
  createdAt: number,
  expires: number | null,
  absoluteTimeout: number | null,
): number | null {
  const absolute = absoluteTimeout === null ? null : createdAt + absoluteTimeout;
  if (expires === null) return absolute;
  return absolute === null ? expires : Math.min(expires, absolute);
}

/** Whether at least `touchInterval` seconds have passed since the stored expiry was last set. */
export function refreshDue(
  timeout: number | null,
  expires: number | null,
  now: number,
  touchInterval: number,
): boolean {
  if (timeout === null || expires === null) return false;
  return now - (expires - timeout) >= touchInterval;
}
