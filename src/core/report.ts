import { debuglog } from "node:util";
import { messageOf } from "./errors.js";
import type { InvalidDetails, InvalidReason } from "./types.js";

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
