import { commitNow, type Sessions } from "../core/factory.js";
import type { Session } from "../core/session.js";
import type { SessionData } from "../core/types.js";
import { commitSession, loadSession } from "./fetch.js";

/**
 * What the middleware needs of React Router's `context` (a `RouterContextProvider`), described here so
 * sessile needs no type from React Router.
 */
export interface ContextSetter {
  set<T>(key: { defaultValue?: T }, value: T): unknown;
}

/** React Router's middleware signature on the server (`future.v8_middleware`), structurally. */
export type ServerMiddleware = (
  args: { request: Request; context: ContextSetter },
  next: () => Promise<Response>,
) => Promise<Response>;

/**
 * A route middleware (React Router 7.9+, `future: { v8_middleware: true }`): loads the session into
 * `context` under `key` (made with React Router's `createContext<Session>()`), runs the loaders and
 * actions, then commits the session onto their response before it leaves, awaited. A store failure is
 * thrown, so React Router answers it with a 500 and no `Set-Cookie`.
 *
 * ```ts
 * export const sessionContext = createContext<Session>();
 * export const middleware = [sessionMiddleware(factory, sessionContext)];   // in root.tsx
 * export function loader({ context }) { return { views: context.get(sessionContext).data.views }; }
 * ```
 */
export function sessionMiddleware<Data = SessionData>(
  factory: Sessions<Data>,
  key: { defaultValue?: Session<Data> },
): ServerMiddleware {
  return async function sessile({ request, context }, next) {
    const session = await loadSession(factory, request);
    context.set(key, session);
    const response = await next();
    return commitSession(factory, session, response, { request });
  };
}

/** Options of {@link createSessionStorage}. */
export interface SessionStorageOptions {
  /** Whether requests come over HTTPS, for `cookie.secure: "auto"` (the facade never sees the request). @default false */
  https?: boolean;
}

/**
 * The shape of React Router's `SessionStorage` (`getSession` / `commitSession` / `destroySession`) over
 * a sessile factory, so an app's loaders and actions keep their calls. The sessions it hands out are
 * sessile sessions (`session.data`, `session.flash()`, `session.regenerate()`), not React Router's
 * `Session` with `get`/`set`: see the README for the limits.
 */
export interface SessionStorage<Data = SessionData> {
  /** Loads the session of a `Cookie` header (no store command without a signed session cookie). */
  getSession(cookieHeader?: string | null): Promise<Session<Data>>;
  /** Saves the session and returns its `Set-Cookie` value, or `""` when nothing needs sending. */
  commitSession(session: Session<Data>): Promise<string>;
  /** Deletes the stored session and returns the `Set-Cookie` value that clears the cookie. */
  destroySession(session: Session<Data>): Promise<string>;
}

/** A `SessionStorage`-shaped facade over `factory`; see {@link SessionStorage}. */
export function createSessionStorage<Data = SessionData>(
  factory: Sessions<Data>,
  options: SessionStorageOptions = {},
): SessionStorage<Data> {
  const https = options.https ?? false;
  const commit = async (session: Session<Data>) =>
    (await commitNow(factory, session, { https })).setCookie ?? "";
  return {
    getSession: (cookieHeader) => factory.load(cookieHeader ?? undefined),
    commitSession: commit,
    async destroySession(session) {
      await session.invalidate();
      return commit(session);
    },
  };
}
