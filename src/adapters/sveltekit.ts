import { SessionError } from "../core/errors.js";
import type { Sessions } from "../core/factory.js";
import type { Session } from "../core/session.js";
import type { SessionData } from "../core/types.js";
import { commitSession, loadSession } from "./fetch.js";

/**
 * What the hook needs of SvelteKit's `RequestEvent`, described here so sessile needs no type from
 * SvelteKit. `locals` is the app's `App.Locals`, where the session is put.
 */
export interface SvelteKitEvent {
  readonly request: Request;
  readonly url: URL;
  locals: object;
}

/**
 * SvelteKit's `Handle` hook, structurally: generic over the event, so it is assignable to
 * `Handle` from `@sveltejs/kit` and composes with `sequence()` from `@sveltejs/kit/hooks`.
 */
export type SessionHandle = <Event extends SvelteKitEvent>(input: {
  event: Event;
  resolve: (event: Event) => Response | Promise<Response>;
}) => Promise<Response>;

/** Options of {@link sessionHandle}. */
export interface SessionHandleOptions {
  /**
   * The `event.locals` property that holds the session. Give each factory its own name to use
   * several side by side, and declare each in `App.Locals`. @default "session"
   */
  name?: string;
  /**
   * Whether the request came over HTTPS, for `cookie.secure: "auto"`. Defaults to `event.url`'s
   * protocol (adapter-node builds it from `ORIGIN`, or `PROTOCOL_HEADER` behind a proxy).
   */
  isHttps?: (event: SvelteKitEvent) => boolean;
}

const RESERVED_NAMES = new Set(["__proto__", "constructor", "prototype"]);

function checkOptions(options: SessionHandleOptions): {
  name: string;
  isHttps: (e: SvelteKitEvent) => boolean;
} {
  const name = options.name ?? "session";
  if (typeof name !== "string" || name === "" || RESERVED_NAMES.has(name)) {
    throw new SessionError(
      "invalid-option",
      'sessile: sessionHandle option "name" must be a non-empty property name for event.locals, such as "session" or "admin"',
    );
  }
  const isHttps = options.isHttps ?? ((event: SvelteKitEvent) => event.url.protocol === "https:");
  if (typeof isHttps !== "function") {
    throw new SessionError(
      "invalid-option",
      'sessile: sessionHandle option "isHttps" must be a function (event) => boolean; leave it out to follow event.url.protocol',
    );
  }
  return { name, isHttps };
}

/**
 * A SvelteKit `handle` hook (`src/hooks.server.ts`): loads the session into `event.locals.session`
 * (no store command without a signed session cookie), runs `resolve(event)`, and commits the session
 * onto the response, awaited, so the head leaves only once it is saved. Redirects and errors thrown by
 * loads and actions are answered inside `resolve`, so their responses carry the cookie too. A store
 * failure is thrown, so SvelteKit answers 500 (through `handleError`) with no `Set-Cookie`.
 *
 * ```ts
 * export const handle = sessionHandle(factory);          // or sequence(sessionHandle(factory), other)
 * export const load = ({ locals }) => ({ views: (locals.session.data.views = (locals.session.data.views ?? 0) + 1) });
 * ```
 */
export function sessionHandle<Data = SessionData>(
  factory: Sessions<Data>,
  options: SessionHandleOptions = {},
): SessionHandle {
  const { name, isHttps } = checkOptions(options);
  return async function sessile({ event, resolve }) {
    const session: Session<Data> = await loadSession(factory, event.request);
    (event.locals as Record<string, unknown>)[name] = session;
    const response = await resolve(event);
    try {
      return await commitSession(factory, session, response, { https: isHttps(event) });
    } catch (error) {
      // The page's body will never be sent; let its source stop producing it.
      response.body?.cancel().catch(() => {});
      throw error;
    }
  };
}
