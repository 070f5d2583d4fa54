import { sessionContext } from "../sessions.server.js";

export function loader({ context }) {
  const session = context.get(sessionContext);
  return Response.json({ data: session.data, isNew: session.isNew });
}
