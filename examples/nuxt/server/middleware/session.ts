// Every request (API routes, the page renderer, error pages) gets event.context.session. A request
// without a signed session cookie costs no Redis command.
import type { Session } from "sessile";
import { sessionMiddleware } from "sessile/h3";
import { type AppData, connected, sessions } from "../utils/sessions";

declare module "h3" {
  interface H3EventContext {
    session: Session<AppData>;
  }
}

const middleware = sessionMiddleware(sessions);

export default defineEventHandler(async (event) => {
  await connected();
  await middleware(event);
});
