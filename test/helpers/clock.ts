import { afterEach, beforeEach, vi } from "vitest";

/** A fake `Date` anchored at a fixed instant; timers and everything else stay real. */
export interface FakeClock {
  /** Fakes `Date` and sets it to the anchor. */
  start(): void;
  /** Moves the fake `Date` to the anchor + `seconds`. */
  at(seconds: number): void;
}

/**
 * Registers hooks for a fake `Date` anchored at `anchor` (whole seconds since the epoch), put back to the
 * real clock after each test. Every test starts on the fake clock at the anchor, unless `eachTest` is
 * false: then only the tests that call `start()` do.
 */
export function useFakeClock(anchor: number, options: { eachTest?: boolean } = {}): FakeClock {
  const clock: FakeClock = {
    start() {
      vi.useFakeTimers({ toFake: ["Date"] });
      clock.at(0);
    },
    at(seconds) {
      vi.setSystemTime((anchor + seconds) * 1000);
    },
  };
  if (options.eachTest ?? true) beforeEach(() => clock.start());
  afterEach(() => {
    vi.useRealTimers();
  });
  return clock;
}
