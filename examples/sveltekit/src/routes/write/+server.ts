import { json } from "@sveltejs/kit";
import type { RequestHandler } from "./$types";

export const GET: RequestHandler = ({ locals, url }) => {
  for (const [key, value] of url.searchParams) locals.session.data[key] = value;
  return json({ data: locals.session.data });
};
