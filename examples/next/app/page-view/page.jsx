// A server component: it reads the session and cannot change it (Next.js sends no cookie from here).
import { cookies } from "next/headers";
import { readSession } from "sessile/next";
import { sessions } from "../../lib/sessions.js";
import { saveNote } from "../actions.js";

export default async function PageView() {
  const session = await readSession(sessions, await cookies());
  let attempt = "allowed";
  try {
    session.data.visited = true;
  } catch {
    attempt = "refused";
  }
  return (
    <main>
      <p id="note">Note: {String(session.data.note ?? "none")}</p>
      <p id="write">A write here was {attempt}</p>
      <form action={saveNote}>
        <input name="note" />
        <button type="submit">Save</button>
      </form>
    </main>
  );
}
