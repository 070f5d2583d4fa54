// The sessile example on Nuxt 4 (Nitro 2, h3 v1), built with `nuxt build` and served by
// `node .output/server/index.mjs`. Nothing about Redis is read here: the server reads REDIS_URL and
// SESSION_SECRET from its environment when it runs, not when it is built.
export default defineNuxtConfig({
  compatibilityDate: "2025-07-15",
  devtools: { enabled: false },
  telemetry: false,
});
