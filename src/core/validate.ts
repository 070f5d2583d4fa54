import { SessionError } from "./errors.js";

/** An `invalid-option` error; `message` says how to fix the option. */
export function invalid(message: string): SessionError {
  return new SessionError("invalid-option", `sessile: ${message}`);
}

/** A short, secret-free description of a value for error messages. */
export function describe(value: unknown): string {
  if (typeof value === "string") return `a string of ${value.length} characters`;
  if (typeof value === "number" || typeof value === "boolean" || value == null) return String(value);
  return typeof value;
}

/** Throws on a key of `value` that is not in `known`, so a typo cannot fall back to a default silently. */
export function rejectUnknownKeys(value: object, known: readonly string[], where: string): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) {
      throw invalid(`unknown option ${where}${key}; the known ones are ${known.join(", ")}`);
    }
  }
}

/** `value`, or `fallback` when it is undefined; anything but a boolean throws. */
export function checkBoolean(value: unknown, name: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") throw invalid(`${name} must be true or false, got ${describe(value)}`);
  return value;
}

/** `value` when it is a function or undefined; anything else throws. */
export function checkFunction<T>(value: T | undefined, name: string): T | undefined {
  if (value !== undefined && typeof value !== "function") {
    throw invalid(`${name} must be a function, got ${describe(value)}`);
  }
  return value;
}

/** The bounds {@link checkWhole} enforces. */
export interface WholeRange {
  readonly min: number;
  readonly max?: number;
  readonly unit?: string;
}

function outOfRange(value: unknown, { min, max = Number.MAX_SAFE_INTEGER }: WholeRange): boolean {
  return typeof value !== "number" || !Number.isInteger(value) || value < min || value > max;
}

function rangeText(name: string, range: WholeRange, nullable: boolean, value: unknown): string {
  const { min, max = Number.MAX_SAFE_INTEGER, unit = "seconds" } = range;
  const span = max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `from ${min} to ${max}`;
  return `${name} must be a whole number of ${unit} ${span}${nullable ? " or null" : ""}, got ${describe(value)}`;
}

/** A whole number within `range`, or `fallback` when undefined. */
export function checkWhole(value: unknown, name: string, fallback: number, range: WholeRange): number {
  if (value === undefined) return fallback;
  if (outOfRange(value, range)) throw invalid(rangeText(name, range, false, value));
  return value as number;
}

/** A whole number within `range`, `null`, or `fallback` when undefined. */
export function checkWholeOrNull(
  value: unknown,
  name: string,
  fallback: number | null,
  range: WholeRange,
): number | null {
  if (value === undefined) return fallback;
  if (value === null) return null;
  if (outOfRange(value, range)) throw invalid(rangeText(name, range, true, value));
  return value as number;
}
