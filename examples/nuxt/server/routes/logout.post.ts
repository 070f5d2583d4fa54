export default defineEventHandler(async (event) => {
  await event.context.session.invalidate();
  return { ok: true };
});
