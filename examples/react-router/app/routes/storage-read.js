// Written against the createSessionStorage shape: getSession from the Cookie header.
import { getSession } from "../sessions.server.js";

export async function loader({ request }) {
  const session = await getSession(request.headers.get("Cookie"));
  return Response.json({ data: session.data });
}
