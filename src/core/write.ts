import { SessionError } from "./errors.js";
import { land, type WritePlan } from "./plan.js";
import type { Reporter } from "./report.js";
import { resetState, type SessionState } from "./state.js";
import type { SessionStore } from "./store.js";
import { storeCall } from "./store-call.js";

/** What carrying out a plan needs besides the plan. */
export interface WriteContext {
  readonly store: SessionStore;
  readonly idleTimeout: number | null;
  /** The configured cookie Max-Age (`cookie.maxAge`). */
  readonly cookieMaxAge: number | null;
  readonly newId: () => { id: string; key: string };
  readonly report: Reporter;
}

/** Deletes the stored session and forgets it: the state becomes a fresh one. */
export async function destroySession(
  ctx: WriteContext,
  state: SessionState,
  key: string,
  now: number,
): Promise<void> {
  await storeCall("destroy", ctx.store.destroy(key));
  resetState(state, now, ctx.idleTimeout);
}

function vanish(ctx: WriteContext, state: SessionState, now: number): void {
  ctx.report("vanished", "the session was deleted (logout or expiry) while this request was running");
  resetState(state, now, ctx.idleTimeout);
}

function collision(): SessionError {
  return new SessionError("id-collision", "sessile: a new session id already existed in the store");
}

/** Carries out a plan against the store: at most one round-trip, except to undo a copy in a race. */
export async function carryOut(
  ctx: WriteContext,
  state: SessionState,
  plan: WritePlan,
  now: number,
): Promise<void> {
  const { store } = ctx;
  switch (plan.kind) {
    case "none":
      return;
    case "destroy":
      return destroySession(ctx, state, plan.key, now);
    case "create": {
      const { id, key } = ctx.newId();
      if (!(await storeCall("create", store.create(key, plan.text, plan.ttl)))) throw collision();
      return land(state, plan, { id, key }, ctx.cookieMaxAge);
    }
    case "rotate": {
      const { id, key } = ctx.newId();
      const { created, removed } = await storeCall(
        "regenerate",
        store.replace(plan.oldKey, key, plan.text, plan.ttl),
      );
      if (!created) throw collision();
      if (!removed) {
        // The old session was deleted while this request ran: undo the copy rather than resurrect it.
        await storeCall("regenerate", store.destroy(key));
        return vanish(ctx, state, now);
      }
      return land(state, plan, { id, key }, ctx.cookieMaxAge);
    }
    case "update": {
      if (!(await storeCall("update", store.update(plan.key, plan.text, plan.ttl)))) {
        return vanish(ctx, state, now);
      }
      return land(state, plan, null, ctx.cookieMaxAge);
    }
  }
}
