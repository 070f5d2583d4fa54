import { json } from "@sveltejs/kit";
import type { RequestHandler } from "./$types";

export const GET: RequestHandler = ({ locals }) =>
  json({ admin: locals.admin.data, user: locals.session.data, isNew: locals.admin.isNew });
