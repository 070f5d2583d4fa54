import { withSession } from "sessile/next";
import { sessions } from "../../lib/sessions.js";

// Reached only through proxy.js, which lets signed-in sessions by.
export const GET = withSession(sessions, (_request, _context, session) =>
  Response.json({ user: session.data.user }),
);
