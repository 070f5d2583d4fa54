import type { H3Event } from "h3";
import { defineSessionHandler } from "sessile/h3";
import { prefs } from "../../utils/sessions";

export default defineSessionHandler(
  prefs,
  (event: H3Event, session) => ({ prefs: session.data, user: event.context.session.data.user ?? null }),
  { name: "prefs" },
);
