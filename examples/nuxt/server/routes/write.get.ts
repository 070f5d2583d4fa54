// Writes every query parameter into the session.
export default defineEventHandler((event) => {
  const { session } = event.context;
  for (const [key, value] of Object.entries(getQuery(event))) session.data[key] = String(value);
  return { data: session.data };
});
