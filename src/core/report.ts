import { debuglog } from "node:util";
import { messageOf } from "./errors.js";
import type { MergedSetting } from "./merge.js";
import type { ConflictDetails, InvalidDetails, InvalidReason } from "./types.js";

const log = debuglog("sessile");

/** Where a factory reports sessions it could not use. */
export type Reporter = (reason: InvalidReason, message: string) => void;

/** A reporter that logs through `debuglog("sessile")` and calls `onInvalid`, which may never break a request. */
export function createReporter(
  cookieName: string,
  onInvalid: ((reason: InvalidReason, details: InvalidDetails) => void) | undefined,
): Reporter {
  return function report(reason, message) {
    log("session not used (%s): %s", reason, message);
    if (onInvalid === undefined) return;
    try {
      onInvalid(reason, { cookieName, message });
    } catch (error) {
      log("onInvalid threw: %s", messageOf(error));
    }
  };
}

/** Where a factory reports a concurrent write that changed what this request changed too. */
export type ConflictReporter = (keys: readonly string[], settings: readonly MergedSetting[]) => void;

/** A conflict reporter: `debuglog("sessile")` and `onConflict`, which may never break a request either. */
export function createConflictReporter(
  cookieName: string,
  onConflict: ((details: ConflictDetails) => void) | undefined,
): ConflictReporter {
  return function reportConflict(keys, settings) {
    log("concurrent write merged; this request's value kept for %s", [...keys, ...settings].join(", "));
    if (onConflict === undefined) return;
    try {
      onConflict({ cookieName, keys, settings });
    } catch (error) {
      log("onConflict threw: %s", messageOf(error));
    }
  };
}
