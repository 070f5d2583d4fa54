// Next.js 16's proxy (formerly middleware), on the Node.js runtime: it may read the session, here to
// send a visitor without a signed-in session away from /private. It costs one GET per matched request.
import { NextResponse } from "next/server";
import { getSession } from "sessile/next";
import { sessions } from "./lib/sessions.js";

export async function proxy(request) {
  const session = await getSession(sessions, request.cookies);
  if (typeof session.data.user !== "string") return NextResponse.redirect(new URL("/read", request.url));
  return NextResponse.next();
}

export const config = { matcher: "/private" };
