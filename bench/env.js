// Settings read from the environment by the bench and soak runners.

/** `name` as a non-negative number, or `fallback` when unset or empty. */
export function envNumber(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number`);
  return value;
}

/** `name` as a comma-separated list, or `null` when unset or empty. */
export function envList(name) {
  const raw = process.env[name];
  return raw
    ? raw
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean)
    : null;
}
