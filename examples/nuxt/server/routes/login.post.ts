// Signing in: the data moves to a new id (session-fixation defence), then the user is written.
export default defineEventHandler((event) => {
  const { session } = event.context;
  session.regenerate();
  session.data.user = String(getQuery(event).user ?? "ada");
  return { data: session.data };
});
