import type { PageServerLoad } from "./$types";

export const load: PageServerLoad = ({ locals }) => {
  locals.session.data.views = (locals.session.data.views ?? 0) + 1;
  return { views: locals.session.data.views };
};
