// Two factories side by side: the wrappers nest; the outer one's session comes from sessionOf.
import { sessionOf, withSession } from "sessile/next";
import { prefs, sessions } from "../../lib/sessions.js";

export const GET = withSession(
  sessions,
  withSession(prefs, (request, _context, pref) => {
    const theme = new URL(request.url).searchParams.get("theme");
    if (theme) pref.data.theme = theme;
    return Response.json({
      user: sessionOf(request, sessions).data.user ?? null,
      theme: pref.data.theme ?? null,
    });
  }),
);
