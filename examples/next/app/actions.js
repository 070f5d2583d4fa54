"use server";
import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { sessionAction } from "sessile/next";
import { sessions } from "../lib/sessions.js";

/** A server action: the form's note goes into the session, committed through cookies().set. */
export const saveNote = sessionAction(sessions, cookies, async (session, form) => {
  session.data.note = String(form.get("note") ?? "");
  redirect("/page-view");
});
