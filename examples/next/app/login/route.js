import { withSession } from "sessile/next";
import { sessions } from "../../lib/sessions.js";

export const POST = withSession(sessions, (request, _context, session) => {
  session.regenerate();
  session.data.user = new URL(request.url).searchParams.get("user") ?? "ada";
  return Response.json({ data: session.data });
});
