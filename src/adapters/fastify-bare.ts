// The Fastify adapter without the global declaration of its `session` property: `sessile/fastify/bare`.
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from "fastify";
import { commitNow, type Sessions, setCookiesOf } from "../core/factory.js";
import type { Session } from "../core/session.js";
import { headerText, responseInfo, varyCookie } from "./node-response.js";

/** Options of the Fastify plugin. */
export interface FastifySessionsOptions {
  /** The session factory from `createSessions()`. */
  factory: Sessions<unknown>;
  /**
   * Request property that holds the session. Register the plugin once per factory, each under its own
   * name, to use several. @default "session"
   */
  name?: string;
}

/**
 * Fastify 5 plugin: loads the session in `onRequest` onto `request.session` (no store command without a
 * signed session cookie) and commits it in `onSend`, awaited, before the response head is written.
 * It is not encapsulated: registering it decorates the instance it is registered on and all its children,
 * so register it inside an encapsulated plugin to give sessions to that plugin's routes only.
 *
 * A store failure goes through Fastify's error handler. A reply with a 5xx status counts as failed for
 * `cookieOnError`; `cookie.secure: "auto"` follows `request.protocol` (see `trustProxy`).
 *
 * ```ts
 * await app.register(sessions, { factory });
 * app.get("/", async (request) => { request.session.data.views = 1; return "ok"; });
 * ```
 */
export const sessions: FastifyPluginAsync<FastifySessionsOptions> = Object.assign(
  async function sessile(fastify: FastifyInstance, options: FastifySessionsOptions): Promise<void> {
    const { factory } = options;
    const name = options.name ?? "session";
    const sessionOf = (request: FastifyRequest) =>
      (request as unknown as Record<string, Session<unknown> | null>)[name] ?? null;

    fastify.decorateRequest(name, null);
    fastify.addHook("onRequest", async (request) => {
      (request as unknown as Record<string, Session<unknown>>)[name] = await factory.load(
        request.headers.cookie,
      );
    });
    fastify.addHook("onSend", async (request, reply, payload) => {
      const session = sessionOf(request);
      if (session === null) return payload;
      // onSend runs again for the error reply when the commit fails; that second commit answers with
      // nothing to add.
      const result = await commitNow(factory, session, {
        failed: reply.statusCode >= 500,
        https: () => request.protocol === "https",
        response: responseInfo(reply),
      });
      for (const cookie of setCookiesOf(result)) reply.header("set-cookie", cookie);
      if (result.vary) reply.header("vary", varyCookie(headerText(reply.getHeader("vary"))));
      return payload;
    });
  },
  // What fastify-plugin would add: no encapsulation, a name for `dependencies` and error messages.
  {
    [Symbol.for("skip-override")]: true,
    [Symbol.for("fastify.display-name")]: "sessile",
    [Symbol.for("plugin-meta")]: { name: "sessile", fastify: "5.x" },
  },
);
