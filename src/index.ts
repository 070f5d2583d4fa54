export { SessionError, type SessionErrorCode, StoreError, WrongTypeError } from "./core/errors.js";
export { type CommitContext, type CommitResult, createSessions, type Sessions } from "./core/factory.js";
export { digestId, generateSessionId } from "./core/id.js";
export type { CookieOptions, SessionOptions } from "./core/options.js";
export { safeJson } from "./core/payload.js";
export { type FlashOptions, Session } from "./core/session.js";
export type {
  InvalidDetails,
  InvalidReason,
  ResponseInfo,
  Serializer,
  SessionData,
  StoredPayload,
} from "./core/types.js";
export { type MemoryStoreOptions, memoryStore } from "./stores/memory.js";
export { type RedisLikeClient, type RedisStoreOptions, redisStore } from "./stores/redis.js";
export type { SessionStore } from "./stores/store.js";
