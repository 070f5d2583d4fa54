import { withSession } from "sessile/next";
import { sessions } from "../../lib/sessions.js";

export const GET = withSession(sessions, (_request, _context, session) =>
  Response.json({ data: session.data, isNew: session.isNew }),
);
