import { withSession } from "sessile/next";
import { sessions } from "../../lib/sessions.js";

export const POST = withSession(sessions, async (_request, _context, session) => {
  await session.invalidate();
  return Response.json({ ok: true });
});
