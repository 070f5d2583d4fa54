import { commitSession, getSession } from "../sessions.server.js";

export async function loader({ request }) {
  const session = await getSession(request.headers.get("Cookie"));
  session.data.note = new URL(request.url).searchParams.get("note");
  return Response.json({ data: session.data }, { headers: { "Set-Cookie": await commitSession(session) } });
}
