import type { Session } from "../../src/index.js";

/** What every spec app hands a route: both sessions and the request's query. */
export interface RouteInput {
  /** The session of the default factory, under the adapter's default name. */
  session: Session;
  /** The session of the second factory, hung under the name `"admin"`. */
  admin: Session;
  query: URLSearchParams;
  method: string;
}

/** What a route asks the framework to answer; each app answers it with the framework's own calls. */
export type Outcome =
  | { type: "json"; body: unknown; status: number; headers: Record<string, string> }
  | { type: "redirect"; location: string }
  /** 204 with no body, ended with the framework's plain "end" call. */
  | { type: "empty" }
  /** A `text/plain` body streamed in these chunks with the framework's streaming call. */
  | { type: "stream"; chunks: string[] };

export type Route = (input: RouteInput) => Outcome | Promise<Outcome>;

/** Requests waiting at a named barrier until `n` of them have arrived (each after its session loaded). */
const barriers = new Map<string, { arrived: number; open: () => void; opened: Promise<void> }>();

async function arrive(name: string | null, n: number): Promise<void> {
  if (name === null || n <= 1) return;
  let barrier = barriers.get(name);
  if (barrier === undefined) {
    let open = () => {};
    const opened = new Promise<void>((resolve) => {
      open = resolve;
    });
    barrier = { arrived: 0, open, opened };
    barriers.set(name, barrier);
  }
  barrier.arrived++;
  if (barrier.arrived >= n) {
    barriers.delete(name);
    barrier.open();
  }
  await barrier.opened;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function json(body: unknown, status = 200, headers: Record<string, string> = {}): Outcome {
  return { type: "json", body, status, headers };
}

function redirect(location: string): Outcome {
  return { type: "redirect", location };
}

/** The message every thrown handler error carries. */
export const HANDLER_ERROR = "handler failed on purpose";

/**
 * The spec app, written once. Each framework registers every path (GET and POST; HEAD follows GET),
 * passes the sessions in and turns the outcome into its native response calls.
 */
export const ROUTES: Readonly<Record<string, Route>> = {
  "/read": ({ session }) => json({ data: session.data, isNew: session.isNew }),
  "/standing": ({ session }) =>
    json({ data: session.data, isNew: session.isNew, degraded: session.degraded }),
  "/write": ({ session, query }) => {
    for (const [key, value] of query) session.data[key] = value;
    return json({ data: session.data });
  },
  "/nested": ({ session }) => {
    session.data.cart ??= { items: [] };
    const cart = session.data.cart as { items: string[] };
    cart.items.push(`item-${cart.items.length}`);
    return json({ data: session.data });
  },
  "/flash-set": ({ session }) => {
    session.flash("saved");
    return redirect("/flash-get");
  },
  "/flash-get": ({ session }) => json({ messages: session.popFlash() }),
  "/csrf": ({ session, query, method }) => {
    if (method !== "POST") return json({ token: session.getCsrfToken() });
    return session.verifyCsrfToken(query.get("token")) ? json({ ok: true }) : json({ ok: false }, 403);
  },
  "/invalidate-then-write": async ({ session }) => {
    await session.invalidate();
    session.data.fresh = true;
    return json({ data: session.data });
  },
  "/login": ({ session, query }) => {
    session.regenerate();
    session.data.user = query.get("user") ?? "ada";
    return json({ data: session.data });
  },
  "/logout": async ({ session }) => {
    await session.invalidate();
    return json({ ok: true });
  },
  "/empty": ({ session }) => {
    for (const key of Object.keys(session.data)) delete session.data[key];
    return json({ data: session.data });
  },
  "/throw": ({ session }) => {
    session.data.beforeThrow = true;
    throw new Error(HANDLER_ERROR);
  },
  "/fail": ({ session }) => {
    session.data.beforeFail = true;
    return json({ failed: true }, 500);
  },
  "/redirect-after-write": ({ session, query }) => {
    session.data.step = query.get("step");
    return redirect("/read");
  },
  "/two-factories": ({ session, admin }) => {
    session.data.user = "ada";
    admin.data.role = "root";
    return json({ session: session.data, admin: admin.data }, 200, { Vary: "Accept-Encoding" });
  },
  "/two-read": ({ session, admin }) => json({ session: session.data, admin: admin.data }),
  "/cacheable": ({ session }) => {
    session.data.cached = true;
    return json({ cached: true }, 200, { "Cache-Control": "public, max-age=60", Vary: "Accept-Encoding" });
  },
  "/stream": ({ session }) => {
    session.data.streamed = true;
    return { type: "stream", chunks: ["first ", "second ", "third"] };
  },
  /**
   * Concurrency: waits until `n` requests named `barrier` have loaded their sessions, then `after` ms,
   * then does `op` (`write` of every `set.<key>` query value, `delete` of `key`, `login`, `logout`,
   * `read`), so the spec chooses which requests overlap and in which order they commit.
   */
  "/race": async ({ session, query }) => {
    await arrive(query.get("barrier"), Number(query.get("n") ?? 1));
    await sleep(Number(query.get("after") ?? 0));
    const op = query.get("op") ?? "write";
    if (op === "login") {
      session.regenerate();
      session.data.user = query.get("user") ?? "ada";
    } else if (op === "logout") await session.invalidate();
    else if (op === "delete") delete session.data[query.get("key") ?? ""];
    else if (op === "write") {
      for (const [key, value] of query) if (key.startsWith("set.")) session.data[key.slice(4)] = value;
    }
    return json({ data: session.data, superseded: session.superseded });
  },
  /** Answers, then changes the session once the response is on its way (a change that cannot be saved). */
  "/late": ({ session }) => {
    setTimeout(() => {
      session.data = { ...session.data, late: true };
      session.touch();
      session.flash("late");
    }, 20);
    return json({ ok: true });
  },
  "/end": ({ session }) => {
    session.data.ended = true;
    return { type: "empty" };
  },
};
