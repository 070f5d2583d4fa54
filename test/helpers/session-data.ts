// Test sessions hold arbitrary keys; applications describe theirs the same way, by declaration merging.
declare module "../../src/core/types.js" {
  interface SessionData {
    [key: string]: unknown;
  }
}

export {};
