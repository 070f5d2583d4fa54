import { sessionContext } from "../sessions.server.js";

export function loader({ context, request }) {
  const session = context.get(sessionContext);
  for (const [key, value] of new URL(request.url).searchParams) session.data[key] = value;
  return Response.json({ data: session.data });
}
