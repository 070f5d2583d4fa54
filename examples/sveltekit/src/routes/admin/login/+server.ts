import { json } from "@sveltejs/kit";
import type { RequestHandler } from "./$types";

export const POST: RequestHandler = ({ locals, url }) => {
  locals.admin.regenerate();
  locals.admin.data.admin = url.searchParams.get("name") ?? "root";
  return json({ data: locals.admin.data });
};
