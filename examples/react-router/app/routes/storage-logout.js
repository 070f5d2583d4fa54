import { destroySession, getSession } from "../sessions.server.js";

export async function action({ request }) {
  const session = await getSession(request.headers.get("Cookie"));
  return Response.json({ ok: true }, { headers: { "Set-Cookie": await destroySession(session) } });
}
