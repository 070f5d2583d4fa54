// A second factory, loaded by this route alone, side by side with the middleware's session.
import type { H3Event } from "h3";
import { defineSessionHandler } from "sessile/h3";
import { prefs } from "../../utils/sessions";

export default defineSessionHandler(
  prefs,
  (event: H3Event, session) => {
    session.data.theme = String(getQuery(event).theme ?? "light");
    return { prefs: session.data };
  },
  { name: "prefs" },
);
