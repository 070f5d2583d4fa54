import { describe } from "vitest";
import type { ClientKind } from "../helpers/clients.js";
import { concurrencyCases } from "./cases-concurrency.js";
import { cookieCases } from "./cases-cookies.js";
import { faultCases } from "./cases-faults.js";
import { lifecycleCases } from "./cases-lifecycle.js";
import { observeCases } from "./cases-observe.js";
import { visitorCases } from "./cases-visitors.js";
import { type MakeApp, type SpecCases, useSpecFixture } from "./fixture.js";

/** Options of {@link registerBehaviourSpec}. */
export interface BehaviourSpecOptions {
  /** The Redis client library the stores use. */
  client: ClientKind;
}

/** Every case file, in the order its cases run; a new concept's cases go in a file of their own, added here. */
const CASES: readonly SpecCases[] = [
  visitorCases,
  lifecycleCases,
  cookieCases,
  concurrencyCases,
  faultCases,
  observeCases,
];

/**
 * The behaviour every adapter must show, written once: each case drives the app over HTTP with a cookie
 * jar and checks the response and the Redis commands that reached the server (DESIGN.md's contract table).
 */
export function registerBehaviourSpec(
  adapter: string,
  makeApp: MakeApp,
  options: BehaviourSpecOptions,
): void {
  describe(`sessile/${adapter} with ${options.client}`, () => {
    const fx = useSpecFixture(makeApp, options.client);
    for (const register of CASES) register(fx);
  });
}
