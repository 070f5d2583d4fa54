export type { AdoptEvent, AdoptionSource, AdoptOptions } from "./core/adopt.js";
export type { CookieOptions } from "./core/cookie-options.js";
export { SessionError, type SessionErrorCode, StoreError, WrongTypeError } from "./core/errors.js";
export type {
  EventPayload,
  InvalidatedCause,
  SessionEventBase,
  SessionEventMap,
  SessionEventName,
  SessionEvents,
} from "./core/events.js";
export {
  type CommitContext,
  type CommitResult,
  createSessions,
  type Sessions,
  setCookiesOf,
} from "./core/factory.js";
export { digestId, generateSessionId } from "./core/id.js";
export type { SessionOptions } from "./core/options.js";
export type { Serializer, StoredPayload } from "./core/payload.js";
export { safeJson } from "./core/safe-json.js";
export { type FlashOptions, Session } from "./core/session.js";
export type {
  ForeignKeys,
  IndexEntries,
  IndexUpdate,
  IndexUpdateResult,
  ReplaceResult,
  SessionStore,
  UpdateResult,
  UserIndexStore,
} from "./core/store.js";
export type { TraceContext, TracedCommand } from "./core/trace.js";
export type {
  ConflictDetails,
  InvalidDetails,
  InvalidReason,
  ResponseInfo,
  SessionData,
} from "./core/types.js";
export type { EndAllOptions, UserSessionInfo, UserSessions } from "./core/users.js";
export { type MemoryStoreOptions, memoryStore } from "./stores/memory.js";
export { type RedisLikeClient, type RedisStoreOptions, redisStore } from "./stores/redis.js";
