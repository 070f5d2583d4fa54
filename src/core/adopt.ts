import { debuglog } from "node:util";
import { messageOf } from "./errors.js";

const log = debuglog("sessile");

/**
 * A legacy session library whose sessions sessile adopts on first sight (`sessile/migrate`'s
 * `expressSessionSource()`, `fastifySessionSource()` and `koaSessionSource()` are ones).
 */
export interface AdoptionSource {
  readonly name: string;
  /** The verified legacy session a `Cookie` header names: its id and full store key; `null` when none verifies. */
  find(cookieHeader: string | undefined): { readonly id: string; readonly key: string } | null;
  /** The application's data of a stored legacy value and its deadline (seconds); `null` when unreadable or expired. */
  decode(
    raw: string,
    now: number,
  ): { readonly data: Record<string, unknown>; readonly expiresAt: number | null } | null;
  /** `Set-Cookie` values that expire the legacy cookies. */
  expireCookies(): readonly string[];
}

/** What `onAdopt` is told: which library, and whether the session came from its key or from the offline migrator's copy. */
export interface AdoptEvent {
  readonly source: string;
  readonly from: "legacy" | "migrated";
}

/** The `adopt` option: sessions of a legacy library become sessile sessions on their next request. */
export interface AdoptOptions {
  readonly source: AdoptionSource;
  /**
   * The side-by-side window: adopt, but leave the legacy key and the legacy cookie in place, so the old
   * application still finds its session. Changes made there after adoption are not seen by sessile.
   * @default false
   */
  readonly keepLegacy?: boolean;
  /** Told once per adopted session, after its sessile session is stored. Never receives ids or data. */
  readonly onAdopt?: (event: AdoptEvent) => void;
}

/** What an adopted session's commit must do besides creating it. */
export interface Adoption {
  readonly from: "legacy" | "migrated";
  /** The store key of the offline migrator's copy to delete, if it came from one. */
  readonly migratedKey: string | null;
  /** The full legacy key to delete, unless `keepLegacy`. */
  readonly legacyKey: string | null;
  /** The legacy deadline when it is earlier than sessile's would be (seconds), carried into the first write. */
  readonly cap: number | null;
  /** `Set-Cookie` values expiring the legacy cookies (none with `keepLegacy`). */
  readonly expire: readonly string[];
}

/** Calls `onAdopt`, which may never break a request. */
export function reportAdopted(options: AdoptOptions, adoption: Adoption): void {
  log("legacy session adopted from %s (%s)", options.source.name, adoption.from);
  try {
    options.onAdopt?.({ source: options.source.name, from: adoption.from });
  } catch (error) {
    log("onAdopt threw: %s", messageOf(error));
  }
}
