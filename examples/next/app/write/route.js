import { withSession } from "sessile/next";
import { sessions } from "../../lib/sessions.js";

export const GET = withSession(sessions, (request, _context, session) => {
  for (const [key, value] of new URL(request.url).searchParams) session.data[key] = value;
  return Response.json({ data: session.data });
});
