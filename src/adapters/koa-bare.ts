// The Koa adapter without the global declaration of its `session` property: `sessile/koa/bare`.
import { debuglog } from "node:util";
import type { Middleware } from "koa";
import { messageOf } from "../core/errors.js";
import { type CommitResult, commitNow, type Sessions, setCookiesOf } from "../core/factory.js";
import type { Session } from "../core/session.js";
import type { SessionData } from "../core/types.js";
import { applyCommit, responseInfo, varyCookie } from "./node-response.js";

const log = debuglog("sessile");

/** Options of the Koa adapter. */
export interface KoaSessionsOptions {
  /** Context property that holds the session. Give each factory its own name to use several. @default "session" */
  name?: string;
}

/** The status Koa answers a thrown error with (its `ctx.onerror` rule). */
function errorStatus(error: unknown): number {
  const { status, statusCode } = (error ?? {}) as { status?: unknown; statusCode?: unknown };
  const code = status ?? statusCode;
  return typeof code === "number" && code >= 400 && code <= 599 ? code : 500;
}

/**
 * Koa's default error answer removes every header and then sets the error's `headers`, so a cookie
 * committed on a failed request has to travel there too.
 */
function carryOnError(error: unknown, result: CommitResult): void {
  if (typeof error !== "object" || error === null || !Object.isExtensible(error)) return;
  const carrier = error as { headers?: Record<string, string | string[]> };
  const headers = { ...carrier.headers };
  const cookies = setCookiesOf(result);
  if (cookies.length > 0) {
    const existing = headers["Set-Cookie"] ?? headers["set-cookie"] ?? [];
    delete headers["set-cookie"];
    headers["Set-Cookie"] = [...(Array.isArray(existing) ? existing : [existing]), ...cookies];
  }
  if (result.vary) {
    const current = headers.Vary ?? headers.vary;
    delete headers.vary;
    headers.Vary = varyCookie(Array.isArray(current) ? current.join(", ") : current);
  }
  carrier.headers = headers;
}

/**
 * Koa middleware: loads the session onto `ctx.session` (no store command without a signed session
 * cookie), runs the rest of the chain, then commits it, awaited, before Koa writes the response.
 *
 * When the rest of the chain throws, the session is committed as failed (for `cookieOnError`) when the
 * error will be answered with a 5xx, and the error is rethrown. A store failure is thrown into Koa's
 * error handling. `cookie.secure: "auto"` follows `ctx.secure` (see `app.proxy`).
 *
 * ```ts
 * app.use(sessions(factory));
 * app.use((ctx) => { ctx.session.data.views = 1; ctx.body = "ok"; });
 * ```
 */
export function sessions<Data = SessionData>(
  factory: Sessions<Data>,
  options: KoaSessionsOptions = {},
): Middleware {
  const name = options.name ?? "session";
  return async function sessile(ctx, next) {
    const session = await factory.load(ctx.headers.cookie);
    (ctx as unknown as Record<string, Session<Data>>)[name] = session;
    try {
      await next();
    } catch (error) {
      const status = errorStatus(error);
      let result: CommitResult;
      try {
        result = await commitNow(factory, session, {
          failed: status >= 500,
          https: () => ctx.secure,
          response: { status, header: () => undefined },
        });
      } catch (storeError) {
        // The handler's own 5xx error says more; a 4xx answer must not hide that the session was lost.
        if (status < 500) throw storeError;
        log("session not committed after a failed request: %s", messageOf(storeError));
        throw error;
      }
      carryOnError(error, result);
      applyCommit(ctx.res, result);
      throw error;
    }
    const result = await commitNow(factory, session, {
      failed: ctx.status >= 500,
      https: () => ctx.secure,
      response: responseInfo(ctx.res),
    });
    applyCommit(ctx.res, result);
  };
}
