import { withSession } from "sessile/next";
import { sessions } from "../../lib/sessions.js";

export const GET = withSession(sessions, (request, _context, session) => {
  const url = new URL(request.url);
  session.data.step = url.searchParams.get("step");
  // A relative Location: Response.redirect() would need an absolute URL.
  return new Response(null, { status: 302, headers: { Location: "/read" } });
});
