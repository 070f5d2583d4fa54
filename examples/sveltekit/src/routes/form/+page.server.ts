import { redirect } from "@sveltejs/kit";
import type { Actions, PageServerLoad } from "./$types";

export const load: PageServerLoad = ({ locals }) => ({ note: locals.session.data.note ?? "" });

// A form action: write the posted note, then redirect(303) to a page that reads it.
export const actions: Actions = {
  default: async ({ locals, request }) => {
    const form = await request.formData();
    locals.session.data.note = String(form.get("note") ?? "");
    redirect(303, "/read");
  },
};
