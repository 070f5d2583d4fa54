import type { Handle } from "@sveltejs/kit";
import { sequence } from "@sveltejs/kit/hooks";
import { sessionHandle } from "sessile/sveltekit";
import { adminFactory, factory } from "$lib/server/sessions";

// event.locals.session for every request, and event.locals.admin from a second factory beside it.
export const handle: Handle = sequence(
  sessionHandle(factory),
  sessionHandle(adminFactory, { name: "admin" }),
);
