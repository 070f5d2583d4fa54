import { redirect } from "react-router";
import { sessionContext } from "../sessions.server.js";

export function loader({ context, request }) {
  context.get(sessionContext).data.step = new URL(request.url).searchParams.get("step");
  return redirect("/read");
}
