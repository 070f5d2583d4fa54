// The README's Next.js snippets, type-checked (npm run typecheck). Next.js is not a dependency of the
// package, so `cookies` and `NextRequest` are declared here with the shapes next 16 gives them.
import {
  commitSession,
  getSession,
  readSession,
  sessionAction,
  sessionOf,
  withSession,
} from "../../src/adapters/next.js";
import { createSessions, memoryStore } from "../../src/index.js";

interface NextCookie {
  name: string;
  value: string;
}
/** The shape of next/headers' `cookies()` result (ReadonlyRequestCookies in a component, writable in an action). */
interface NextCookies {
  get(name: string): NextCookie | undefined;
  getAll(name?: string): NextCookie[];
  has(name: string): boolean;
  set(
    name: string,
    value: string,
    cookie?: Partial<
      NextCookie & {
        maxAge: number;
        httpOnly: boolean;
        expires: number | Date;
        sameSite: true | false | "lax" | "strict" | "none";
      }
    >,
  ): NextCookies;
  delete(name: string): NextCookies;
}
declare function cookies(): Promise<NextCookies>;
declare const request: Request & {
  cookies: { getAll(): NextCookie[]; get(name: string): NextCookie | undefined };
};

const sessions = createSessions({
  store: memoryStore(),
  secret: "a secret of thirty-two characters or more",
});
const prefs = createSessions({
  store: memoryStore(),
  secret: "a secret of thirty-two characters or more",
  cookie: { name: "prefs" },
});

export const GET = withSession(
  sessions,
  (_request, _context: { params: Promise<{ id: string }> }, session) => {
    session.data.views = Number(session.data.views ?? 0) + 1;
    return Response.json({ views: session.data.views });
  },
);

export const both = withSession(
  sessions,
  withSession(prefs, (req, _context, pref) =>
    Response.json({ user: sessionOf(req, sessions).data.user, theme: pref.data.theme }),
  ),
);

export const saveNote = sessionAction(sessions, cookies, async (session, form: FormData) => {
  session.data.note = String(form.get("note"));
});

export async function explicit(form: FormData): Promise<void> {
  const store = await cookies();
  const session = await getSession(sessions, store);
  session.data.note = String(form.get("note"));
  await commitSession(sessions, session, store, { https: true });
}

export async function page(): Promise<string> {
  const { data, isNew } = await readSession(sessions, await cookies());
  // @ts-expect-error the data of a server component's session is read-only
  data.note = "x";
  return `${String(data.note)} ${isNew}`;
}

export async function proxy(): Promise<boolean> {
  const session = await getSession(sessions, request.cookies);
  return typeof session.data.user === "string";
}

export async function callers(): Promise<void> {
  await saveNote(new FormData());
  // @ts-expect-error the action takes the form it was declared with
  await saveNote("not a form");
}
