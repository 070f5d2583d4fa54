import { SessionError } from "./errors.js";
import type { Emit } from "./events.js";
import { nowSeconds } from "./expiry.js";
import { MAX_USER_ID_LENGTH } from "./limits.js";
import { decodePayload, isUserId, rotatedTo, type Serializer } from "./payload.js";
import { type Session, stateOf } from "./session.js";
import type { SessionStore } from "./store.js";
import { storeCall } from "./store-call.js";
import { indexKeyOf, userIndexOf } from "./user-index.js";
import { endKey } from "./write-index.js";

/** One of a user's sessions, as `sessions.users.list()` shows it. Never an id or a cookie value. */
export interface UserSessionInfo {
  /** The session's handle (`session.handle`): pass it to `end()`. It cannot be turned into a cookie. */
  readonly handle: string;
  readonly createdAt: Date;
  /** When its expiry was last extended (its last refresh), `null` without an idle timeout. */
  readonly refreshedAt: Date | null;
  /** When it ends unless used again, `null` for never. */
  readonly expiresAt: Date | null;
  /** When it was bound to the user (`bindUser()`). */
  readonly boundAt: Date;
  /** The app's device record from `bindUser(userId, meta)`. */
  readonly meta: Record<string, unknown> | undefined;
  /** Whether it is the session given as `current`. */
  readonly current: boolean;
}

/** Options of {@link UserSessions.endAll}. */
export interface EndAllOptions {
  /** Keep this session (the caller's own: "sign out everywhere else"). */
  readonly except?: Session<unknown>;
  /**
   * Also stamp the user, so any session bound before now that is not in the index yet (a login racing
   * this call) ends at its next write; use it on a password change. The kept `except` session is bound
   * again, so it survives the stamp (it must then be committed, as in any request).
   */
  readonly revoke?: boolean;
}

/** A user's sessions, from outside a request too (admin tools, a password change). */
export interface UserSessions {
  /** The user's live sessions, soonest-ending first; `current` marks the caller's. One index read plus one `GET` per session. */
  list(userId: string, options?: { readonly current?: Session<unknown> }): Promise<UserSessionInfo[]>;
  /** Ends one session of the user by its handle; `false` when it is not (or no longer) the user's. */
  end(userId: string, handle: string): Promise<boolean>;
  /** Ends every session of the user (but `except`); answers how many ended. */
  endAll(userId: string, options?: EndAllOptions): Promise<number>;
}

/** What the user operations need from the factory. */
export interface UsersContext {
  readonly store: SessionStore;
  readonly serializer: Serializer;
  readonly stampLife: number;
  readonly emit: Emit;
}

/** Ends one session of a user and tells `invalidated` (cause `ended`) when it existed. */
async function endOne(ctx: UsersContext, userId: string, handle: string): Promise<boolean> {
  const ended = await endKey(ctx.store, handle);
  if (ended) ctx.emit("invalidated", { handle, userId, cause: "ended" });
  return ended;
}

function checkUser(userId: unknown): string {
  if (!isUserId(userId)) {
    throw new SessionError(
      "invalid-argument",
      `sessile: a user id is a non-empty string of at most ${MAX_USER_ID_LENGTH} characters`,
    );
  }
  return userId;
}

const date = (seconds: number) => new Date(seconds * 1000);

/** Reads each member's session; members whose session is gone, rotated or unreadable are pruned. */
async function readSessions(
  ctx: UsersContext,
  userId: string,
  current: string | null,
): Promise<UserSessionInfo[]> {
  const users = userIndexOf(ctx.store);
  const indexKey = indexKeyOf(userId);
  const now = nowSeconds();
  const { members } = await storeCall("index", users.readIndex(indexKey, now));
  const values = await Promise.all(members.map(({ member }) => storeCall("load", ctx.store.get(member))));
  const infos: UserSessionInfo[] = [];
  const stale: string[] = [];
  members.forEach(({ member, deadline }, i) => {
    const raw = values[i] ?? null;
    const decoded = raw === null || rotatedTo(raw) !== null ? null : decodePayload(ctx.serializer, raw, now);
    const record = decoded?.ok ? decoded.record : null;
    if (record?.user?.id !== userId) {
      stale.push(member);
      return;
    }
    infos.push({
      handle: member,
      createdAt: date(record.createdAt),
      refreshedAt:
        record.timeout === null || record.expires === null ? null : date(record.expires - record.timeout),
      expiresAt: deadline === null ? null : date(deadline),
      boundAt: new Date(record.user.boundAt),
      meta: record.user.meta,
      current: member === current,
    });
  });
  if (stale.length > 0) await storeCall("index", users.removeFromIndex(indexKey, stale));
  return infos;
}

/** The factory's `users`: list and end a user's sessions through their index. */
export function userSessions(ctx: UsersContext): UserSessions {
  return {
    async list(userId, options = {}) {
      const current = options.current === undefined ? null : (stateOf(options.current).stored?.key ?? null);
      return readSessions(ctx, checkUser(userId), current);
    },
    async end(userId, handle) {
      const users = userIndexOf(ctx.store);
      // Only a member of this user's index ends, so a handle of someone else's session does nothing.
      if (
        (await storeCall("index", users.removeFromIndex(indexKeyOf(checkUser(userId)), [String(handle)]))) ===
        0
      ) {
        return false;
      }
      return endOne(ctx, userId, handle);
    },
    async endAll(userId, options = {}) {
      const users = userIndexOf(ctx.store);
      const indexKey = indexKeyOf(checkUser(userId));
      const keep = options.except === undefined ? null : stateOf(options.except);
      const kept = keep?.stored?.key ?? null;
      if (options.revoke === true) {
        const stamp = Date.now();
        await storeCall("index", users.stampIndex(indexKey, stamp, ctx.stampLife));
        if (keep?.user !== undefined && keep.user.id === userId) {
          keep.user = { ...keep.user, boundAt: stamp };
          keep.rebound = true;
          keep.write = "always";
        }
      }
      const { members } = await storeCall("index", users.readIndex(indexKey, nowSeconds()));
      const ending = members.map((m) => m.member).filter((member) => member !== kept);
      const [ended] = await Promise.all([
        Promise.all(ending.map((member) => endOne(ctx, userId, member))),
        ending.length > 0 ? storeCall("index", users.removeFromIndex(indexKey, ending)) : undefined,
      ]);
      return ended.filter(Boolean).length;
    },
  };
}
