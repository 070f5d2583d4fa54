import type { Serializer, StoredPayload } from "./payload.js";

// A key can be spelled with JSON escapes ("\u005f_proto__"), so any escape also takes the reviver path.
const POISON = /"(?:__proto__|constructor|prototype)"|\\u/;

function dropPoisonKeys(key: string, value: unknown): unknown {
  return key === "__proto__" || key === "constructor" || key === "prototype" ? undefined : value;
}

/**
 * The default serializer: JSON whose parse drops `__proto__`, `constructor` and `prototype` keys at
 * any depth, so stored data can never reach a prototype, even when later merged with `Object.assign`.
 * The reviver runs only when such a key or a `\u` escape appears in the text, so ordinary payloads parse
 * at full speed.
 */
export const safeJson: Serializer = Object.freeze({
  stringify: (value: StoredPayload): string => JSON.stringify(value),
  parse: (text: string): unknown => (POISON.test(text) ? JSON.parse(text, dropPoisonKeys) : JSON.parse(text)),
});
