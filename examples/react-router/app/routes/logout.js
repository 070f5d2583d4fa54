import { sessionContext } from "../sessions.server.js";

export async function action({ context }) {
  await context.get(sessionContext).invalidate();
  return Response.json({ ok: true });
}
