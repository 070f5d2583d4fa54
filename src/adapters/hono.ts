import type { Context, MiddlewareHandler } from "hono";
import { commitNow, type Sessions, setCookiesOf } from "../core/factory.js";
import type { Session } from "../core/session.js";
import type { ResponseInfo, SessionData } from "../core/types.js";
import { varyCookie } from "./node-response.js";

/**
 * The context variables the middleware sets, for `new Hono<{ Variables: SessionVariables }>()`.
 * Intersect one per factory when several are used: `SessionVariables<D, "session"> & SessionVariables<A, "admin">`.
 */
export type SessionVariables<Data = SessionData, Name extends string = "session"> = {
  [K in Name]: Session<Data>;
};

/** Options of the Hono adapter. */
export interface HonoSessionsOptions<Name extends string = "session"> {
  /** Context variable that holds the session (`c.get(name)`). Give each factory its own name to use several. @default "session" */
  name?: Name;
  /**
   * Whether the request came over HTTPS, for `cookie.secure: "auto"`. Defaults to the request URL's
   * protocol. Behind a TLS-terminating proxy that URL says `http:`; read the proxy's header here
   * (`(c) => c.req.header("x-forwarded-proto") === "https"`) only if every request passes that proxy.
   */
  isHttps?: (c: Context) => boolean;
}

// A class, not an object literal with a getter, for the reason given in node-response.ts.
class HonoResponseInfo implements ResponseInfo {
  readonly #c: Context;
  constructor(c: Context) {
    this.#c = c;
  }
  get status(): number {
    return this.#c.res.status;
  }
  header(name: string): string | undefined {
    return this.#c.res.headers.get(name) ?? undefined;
  }
}

/**
 * Hono middleware: loads the session into `c.get("session")` (no store command without a signed
 * session cookie), runs the rest of the chain, then commits it, awaited, and adds its `Set-Cookie` and
 * `Vary: Cookie` to `c.res` before the response leaves the app.
 *
 * An error thrown by a handler has already been answered by `app.onError` when the commit runs; the
 * commit counts as failed (for `cookieOnError`) when that answer, or any response, is a 5xx. A store
 * failure is thrown, so `app.onError` answers it. `cookie.secure: "auto"` follows `options.isHttps`.
 *
 * ```ts
 * const app = new Hono<{ Variables: SessionVariables }>();
 * app.use(sessions(factory));
 * app.get("/", (c) => { c.get("session").data.views = 1; return c.text("ok"); });
 * ```
 */
export function sessions<Data = SessionData, Name extends string = "session">(
  factory: Sessions<Data>,
  options: HonoSessionsOptions<Name> = {},
): MiddlewareHandler<{ Variables: SessionVariables<Data, Name> }> {
  const name = options.name ?? "session";
  const isHttps = options.isHttps ?? ((c: Context) => c.req.url.startsWith("https:"));
  return async function sessile(c, next) {
    const session = await factory.load(c.req.header("cookie"));
    (c.set as (key: string, value: Session<Data>) => void)(name, session);
    await next();
    const result = await commitNow(factory, session, {
      failed: c.res.status >= 500,
      https: isHttps(c),
      response: new HonoResponseInfo(c),
    });
    const cookies = setCookiesOf(result);
    if (cookies.length === 0 && !result.vary) return;
    try {
      // Editing the finished response's headers in place; c.header() would rebuild the response, which
      // @hono/node-server then streams the slow way (measured: 2-3x the cost of the whole request).
      const headers = c.res.headers;
      for (const cookie of cookies) headers.append("Set-Cookie", cookie);
      if (result.vary) headers.set("Vary", varyCookie(headers.get("Vary") ?? undefined));
    } catch {
      // Immutable headers (a Response passed through from fetch()): let Hono copy the response.
      for (const cookie of cookies) c.header("Set-Cookie", cookie, { append: true });
      if (result.vary) c.header("Vary", varyCookie(c.res.headers.get("Vary") ?? undefined));
    }
  };
}
