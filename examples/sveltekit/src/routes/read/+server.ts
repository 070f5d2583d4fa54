import { json } from "@sveltejs/kit";
import type { RequestHandler } from "./$types";

export const GET: RequestHandler = ({ locals }) =>
  json({ data: locals.session.data, isNew: locals.session.isNew });
