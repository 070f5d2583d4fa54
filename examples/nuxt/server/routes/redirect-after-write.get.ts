// sendRedirect ends the response itself; the session is still saved before the 302 leaves.
export default defineEventHandler((event) => {
  event.context.session.data.step = String(getQuery(event).step);
  return sendRedirect(event, "/read", 302);
});
