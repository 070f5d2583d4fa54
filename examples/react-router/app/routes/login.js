import { sessionContext } from "../sessions.server.js";

export function action({ context, request }) {
  const session = context.get(sessionContext);
  session.regenerate();
  session.data.user = new URL(request.url).searchParams.get("user") ?? "ada";
  return Response.json({ data: session.data });
}
