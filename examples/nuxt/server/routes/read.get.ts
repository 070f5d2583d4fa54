export default defineEventHandler((event) => {
  const { session } = event.context;
  return { data: session.data, isNew: session.isNew };
});
