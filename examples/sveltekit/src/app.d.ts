// The sessions sessionHandle() puts on event.locals, typed for every load, action and endpoint.
import type { Session } from "sessile";

/** What this app keeps in a visitor's session. */
interface AppData {
  views?: number;
  user?: string;
  step?: string;
  note?: string;
  [key: string]: unknown;
}

/** The second factory's session, under its own cookie. */
interface AdminData {
  admin?: string;
}

declare global {
  namespace App {
    interface Locals {
      session: Session<AppData>;
      admin: Session<AdminData>;
    }
  }
}
