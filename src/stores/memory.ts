import type { SessionStore } from "../core/store.js";
import { memoryUserIndex } from "./memory-users.js";

/** Options of {@link memoryStore}. */
export interface MemoryStoreOptions {
  /**
   * Most sessions kept; when full, the least recently written one is dropped (like Redis with
   * `allkeys-lru`), so a process cannot grow without bound.
   * @default 10000
   */
  maxEntries?: number;
}

interface Entry {
  value: string;
  /** Milliseconds since the epoch, or `null` for no expiry. */
  expiresAt: number | null;
}

/**
 * An in-process store with real TTLs (read from `Date.now()`, so fake timers move it), for development
 * and tests. Sessions vanish when the process exits and are not shared between processes: never use
 * it in production.
 */
export function memoryStore(options: MemoryStoreOptions = {}): SessionStore {
  const maxEntries = options.maxEntries ?? 10000;
  const entries = new Map<string, Entry>();

  function live(key: string): Entry | undefined {
    const entry = entries.get(key);
    if (entry !== undefined && entry.expiresAt !== null && entry.expiresAt <= Date.now()) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  }

  function write(key: string, value: string, ttl: number | null): void {
    entries.delete(key);
    entries.set(key, { value, expiresAt: ttl === null ? null : Date.now() + ttl * 1000 });
    while (entries.size > maxEntries) {
      const oldest = entries.keys().next().value;
      if (oldest === undefined) break;
      entries.delete(oldest);
    }
  }

  return {
    async get(key) {
      return live(key)?.value ?? null;
    },
    async create(key, value, ttl) {
      if (live(key) !== undefined) return false;
      write(key, value, ttl);
      return true;
    },
    async update(key, value, ttl, expected) {
      const entry = live(key);
      if (entry === undefined) return { status: "missing" };
      if (entry.value !== expected) return { status: "changed", current: entry.value };
      if (value === null) entries.delete(key);
      else write(key, value, ttl);
      return { status: "updated" };
    },
    async destroy(key) {
      entries.delete(key);
    },
    async take(key) {
      const value = live(key)?.value ?? null;
      entries.delete(key);
      return value;
    },
    async replace(oldKey, newKey, value, ttl, marker, markerTtl) {
      const created = live(newKey) === undefined;
      if (created) write(newKey, value, ttl);
      const previous = live(oldKey)?.value ?? null;
      if (previous !== null) write(oldKey, marker, markerTtl);
      return { created, previous };
    },
    users: memoryUserIndex(),
  };
}
