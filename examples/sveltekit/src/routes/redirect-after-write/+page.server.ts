import { redirect } from "@sveltejs/kit";
import type { PageServerLoad } from "./$types";

// redirect() throws; SvelteKit turns it into the 302 inside resolve(), and the hook commits onto it.
export const load: PageServerLoad = ({ locals, url }) => {
  locals.session.data.step = url.searchParams.get("step") ?? "";
  redirect(302, "/read");
};
