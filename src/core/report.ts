import { debuglog } from "node:util";
import { messageOf } from "./errors.js";
import type { Emit, SessionEventBase } from "./events.js";
import type { MergedSetting } from "./merge.js";
import type { ConflictDetails, InvalidDetails, InvalidReason } from "./types.js";

const log = debuglog("sessile");

/** Whom a report is about (see `subjectOf`); unknown when left out. */
export type Subject = Pick<SessionEventBase, "handle" | "userId">;

const NOBODY: Subject = Object.freeze({ handle: null, userId: null });

/** Where a factory reports sessions it could not use. */
export type Reporter = (reason: InvalidReason, message: string, subject?: Subject) => void;

/** Reasons that end a stored session, told as `invalidated` besides `invalid`. */
const ENDING: Partial<Record<InvalidReason, "expired" | "revoked">> = {
  expired: "expired",
  revoked: "revoked",
};

/**
 * A reporter that logs through `debuglog("sessile")`, emits `invalid` (and `vanished` or `invalidated`
 * when the reason says the session is gone) and calls `onInvalid`, which may never break a request.
 */
export function createReporter(
  cookieName: string,
  onInvalid: ((reason: InvalidReason, details: InvalidDetails) => void) | undefined,
  emit: Emit,
): Reporter {
  return function report(reason, message, subject = NOBODY) {
    log("session not used (%s): %s", reason, message);
    emit("invalid", { ...subject, reason, message });
    if (reason === "vanished") emit("vanished", subject);
    const cause = ENDING[reason];
    if (cause !== undefined) emit("invalidated", { ...subject, cause });
    if (onInvalid === undefined) return;
    try {
      onInvalid(reason, { cookieName, message });
    } catch (error) {
      log("onInvalid threw: %s", messageOf(error));
    }
  };
}

/** Where a factory reports a concurrent write that changed what this request changed too. */
export type ConflictReporter = (
  keys: readonly string[],
  settings: readonly MergedSetting[],
  subject: Subject,
) => void;

/** A conflict reporter: `debuglog("sessile")` and `onConflict`, which may never break a request either. */
export function createConflictReporter(
  cookieName: string,
  onConflict: ((details: ConflictDetails) => void) | undefined,
  emit: Emit,
): ConflictReporter {
  return function reportConflict(keys, settings, subject) {
    log("concurrent write merged; this request's value kept for %s", [...keys, ...settings].join(", "));
    emit("conflict", { ...subject, keys, settings });
    if (onConflict === undefined) return;
    try {
      onConflict({ cookieName, keys, settings });
    } catch (error) {
      log("onConflict threw: %s", messageOf(error));
    }
  };
}
