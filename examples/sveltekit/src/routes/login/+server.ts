import { json } from "@sveltejs/kit";
import type { RequestHandler } from "./$types";

export const POST: RequestHandler = ({ locals, url }) => {
  locals.session.regenerate();
  locals.session.data.user = url.searchParams.get("user") ?? "ada";
  return json({ data: locals.session.data });
};
