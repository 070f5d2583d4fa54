export { type ConvertedSession, type ConvertOptions, convertLegacySession } from "./convert.js";
export { type ExpressSessionSourceOptions, expressSessionSource } from "./express-session.js";
export { type FastifySessionSourceOptions, fastifySessionSource } from "./fastify-session.js";
export { type KoaSessionSourceOptions, koaSessionSource } from "./koa-session.js";
export type { LegacyCookieScope, LegacyRef, LegacySession, LegacySource } from "./legacy.js";
