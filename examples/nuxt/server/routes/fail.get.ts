// A handler that throws after writing: h3 answers 500. The write is still saved and its cookie sent,
// since cookieOnError defaults to true; set it to false to send no new cookie on failed requests.
export default defineEventHandler((event) => {
  event.context.session.data.doomed = "yes";
  throw createError({ statusCode: 500, statusMessage: "Failed on purpose" });
});
