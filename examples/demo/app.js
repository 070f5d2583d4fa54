// The demo's Express app: routes and middleware. server.js picks the store and starts it.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import express from "express";
import { digestId, StoreError } from "sessile";
import { sessions } from "sessile/express";
import { html } from "./html.js";
import { PREFIX } from "./store.js";
import { inspectTtl, markRendered, traceRequests } from "./trace.js";
import {
  cartLines,
  cartPage,
  devicesPage,
  duration,
  errorPage,
  forbiddenPage,
  formPage,
  homePage,
  layout,
  notFoundPage,
  renderFooter,
  sessionPage,
  utc,
} from "./views.js";

const PUBLIC = join(dirname(fileURLToPath(import.meta.url)), "public");

/** "Remember me": the session's own idle timeout and cookie Max-Age, in seconds. */
export const REMEMBER_SECONDS = 30 * 24 * 60 * 60;

const PRODUCTS = [
  { sku: "beans", name: "Espresso beans, 250 g", price: 950 },
  { sku: "dripper", name: "Ceramic pour-over dripper", price: 2400 },
  { sku: "filters", name: "Paper filters ×100", price: 420 },
  { sku: "jug", name: "Milk jug, 350 ml", price: 1500 },
];

/** The longest "add slowly" wait, in milliseconds. */
const MAX_DELAY_MS = 5000;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** "Chrome on Linux": a short label from the User-Agent header, the only device record the demo keeps. */
export function deviceLabel(userAgent = "") {
  const browser =
    [
      ["Edg/", "Edge"],
      ["HeadlessChrome/", "Headless Chrome"],
      ["Chrome/", "Chrome"],
      ["Firefox/", "Firefox"],
      ["Safari/", "Safari"],
    ].find(([token]) => userAgent.includes(token))?.[1] ?? "A browser";
  const system =
    [
      ["Android", "Android"],
      ["iPhone", "iOS"],
      ["iPad", "iPadOS"],
      ["Windows", "Windows"],
      ["Mac OS", "macOS"],
      ["Linux", "Linux"],
    ].find(([token]) => userAgent.includes(token))?.[1] ?? "an unknown system";
  return `${browser} on ${system}`;
}

const SECURITY_HEADERS = {
  "Content-Security-Policy":
    "default-src 'none'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "same-origin",
  // Every page depends on the session: never cache one.
  "Cache-Control": "no-store",
};

/**
 * Builds the demo app.
 *
 * @param {{ factory: import("sessile").Sessions, backend: { kind: string, client?: object }, idleTimeout: number, log?(line: string): void }} options
 */
export function createApp({ factory, backend, idleTimeout, log }) {
  const app = express();
  app.disable("x-powered-by");
  // The footer is filled in after the body is built, so a body hash would be stale.
  app.set("etag", false);

  function page(req, res, { status = 200, title, body, active }) {
    const htmlText = layout({ title, session: req.session, backend, body, active }).text;
    markRendered();
    res.status(status).type("html").send(htmlText);
  }

  function redirect(res, location) {
    markRendered();
    res.redirect(303, location);
  }

  // Static files are served before the session middleware, so they never load a session.
  app.get("/favicon.ico", (_req, res) => {
    res.status(204).end();
  });
  app.use("/static", express.static(PUBLIC, { index: false, maxAge: "1h" }));

  app.use((_req, res, next) => {
    res.set(SECURITY_HEADERS);
    next();
  });
  app.use(traceRequests({ renderFooter: (trace) => renderFooter(trace, backend), log }));
  app.use(
    sessions(factory, {
      // The store failed at commit: the handler's response is dropped and this answers instead.
      onError(error, _req, res) {
        log?.(`commit failed: ${error instanceof Error ? error.message : String(error)}`);
        for (const name of res.getHeaderNames()) res.removeHeader(name);
        res.set(SECURITY_HEADERS);
        const body = layout({ title: "Error", backend, body: errorPage({ storeDown: true }) }).text;
        res.statusCode = 500;
        res.setHeader("Content-Type", "text/html; charset=utf-8");
        res.end(body);
      },
    }),
  );
  app.use(express.urlencoded({ extended: false, limit: "8kb" }));

  function requireUser(req, res, next) {
    if (req.session.data.user) return next();
    redirect(res, "/?signin=required");
  }

  function requireCsrf(req, res, next) {
    const token = req.body?._csrf;
    if (typeof token !== "string" || token === "") return forbidden(req, res, "missing");
    if (!req.session.verifyCsrfToken(token)) return forbidden(req, res, "mismatch");
    next();
  }

  function forbidden(req, res, reason) {
    page(req, res, { status: 403, title: "Request refused", body: forbiddenPage({ reason }) });
  }

  function cleanName(value) {
    const name = typeof value === "string" ? value.replace(/\s+/g, " ").trim() : "";
    return name.length >= 1 && name.length <= 40 && !/[\p{Cc}\p{Cf}]/u.test(name) ? name : null;
  }

  app.get("/", (req, res) => {
    page(req, res, {
      title: "Home",
      active: "/",
      body: homePage({ session: req.session, signinRequired: req.query.signin === "required" }),
    });
  });

  app.post("/login", (req, res) => {
    const name = cleanName(req.body?.name);
    if (name === null) {
      page(req, res, {
        status: 400,
        title: "Sign in",
        active: "/",
        body: homePage({ session: req.session, error: "Give a name of 1 to 40 characters." }),
      });
      return;
    }
    const session = req.session;
    // A new id on every sign-in: a session id planted before it (session fixation) is worth nothing.
    session.regenerate();
    // The sign-in name is the user id; the label is the only device record kept (no IP address).
    session.bindUser(name, { label: deviceLabel(req.get("user-agent")) });
    const remember = req.body?.remember === "1";
    session.data.user = { name, signedInAt: new Date().toISOString(), remember };
    session.newCsrfToken();
    if (remember) {
      session.adjustTimeout(REMEMBER_SECONDS);
      session.adjustCookieMaxAge(REMEMBER_SECONDS);
    }
    session.flash(`Signed in as ${name}`, { queue: "success" });
    redirect(res, "/");
  });

  app.post("/logout", requireUser, requireCsrf, (req, res) => signOut(req, res));

  async function signOut(req, res) {
    // Deletes the session from the store right away (and unbinds it); the flash below then starts a fresh one.
    await req.session.invalidate();
    req.session.flash(
      "You are signed out: your session was deleted from the store. This message rode in a new session " +
        "that is deleted in turn now that you have read it.",
      { queue: "info" },
    );
    redirect(res, "/");
  }

  app.post("/messages", requireUser, requireCsrf, (req, res) => {
    const message = typeof req.body?.message === "string" ? req.body.message.trim().slice(0, 200) : "";
    const queue = ["info", "success", "warning"].includes(req.body?.kind) ? req.body.kind : "info";
    if (message !== "") req.session.flash(message, { queue });
    redirect(res, "/");
  });

  app.get("/cart", requireUser, (req, res) => {
    page(req, res, {
      title: "Cart",
      active: "/cart",
      body: cartPage({ session: req.session, products: PRODUCTS }),
    });
  });

  // Each cart line is its own top-level key of the session data (`cart:<sku>`): two tabs adding different
  // items at once change different keys, and sessile's merge keeps both.
  app.post("/cart/add", requireUser, requireCsrf, async (req, res) => {
    const product = PRODUCTS.find((p) => p.sku === req.body?.sku);
    // "Add slowly": the session was loaded before this wait, so a sign-out in another tab can race it.
    const delay = Number(req.body?.delay);
    if (Number.isInteger(delay) && delay > 0 && delay <= MAX_DELAY_MS) await sleep(delay);
    if (product) {
      const data = req.session.data;
      const item = data[`cart:${product.sku}`];
      // Changed in place, deep inside the data: no setter runs, the commit finds the change by comparison.
      if (item) item.qty += 1;
      else data[`cart:${product.sku}`] = { name: product.name, price: product.price, qty: 1 };
    }
    redirect(res, "/cart");
  });

  app.post("/cart/remove", requireUser, requireCsrf, (req, res) => {
    const key = `cart:${req.body?.sku}`;
    const item = PRODUCTS.some((p) => `cart:${p.sku}` === key) ? req.session.data[key] : undefined;
    if (item) {
      item.qty -= 1;
      if (item.qty <= 0) delete req.session.data[key];
    }
    redirect(res, "/cart");
  });

  app.post("/cart/resave", requireUser, requireCsrf, (req, res) => {
    // biome-ignore lint/correctness/noSelfAssign: the point is an assignment that changes nothing
    for (const item of cartLines(req.session.data, PRODUCTS)) item.line.qty = item.line.qty;
    redirect(res, "/cart");
  });

  app.get("/devices", requireUser, async (req, res) => {
    const userId = req.session.userId;
    const devices = userId === null ? [] : await factory.users.list(userId, { current: req.session });
    page(req, res, {
      title: "Your devices",
      active: "/devices",
      body: devicesPage({ session: req.session, devices, bound: userId !== null }),
    });
  });

  app.post("/devices/end", requireUser, requireCsrf, async (req, res) => {
    const handle = typeof req.body?.handle === "string" ? req.body.handle : "";
    const userId = req.session.userId;
    if (handle !== "" && handle === req.session.handle) return signOut(req, res);
    const ended = userId !== null && handle !== "" && (await factory.users.end(userId, handle));
    req.session.flash(ended ? "That device is signed out." : "That device was already signed out.", {
      queue: ended ? "success" : "info",
    });
    redirect(res, "/devices");
  });

  app.post("/devices/end-others", requireUser, requireCsrf, async (req, res) => {
    const userId = req.session.userId;
    const ended = userId === null ? 0 : await factory.users.endAll(userId, { except: req.session });
    req.session.flash(`Signed out everywhere else: ${ended} other device(s).`, { queue: "success" });
    redirect(res, "/devices");
  });

  app.get("/form", requireUser, (req, res) => {
    page(req, res, { title: "Protected form", active: "/form", body: formPage({ session: req.session }) });
  });

  app.post("/form", requireUser, requireCsrf, (req, res) => {
    const name = cleanName(req.body?.name);
    if (name === null) {
      req.session.flash("Give a name of 1 to 40 characters.", { queue: "warning" });
    } else {
      req.session.data.user.name = name;
      req.session.flash(`Display name changed to ${name}`, { queue: "success" });
    }
    redirect(res, "/form");
  });

  app.get("/session", async (req, res) => {
    const session = req.session;
    let info = null;
    if (!session.isNew && session.id !== null) {
      const key = PREFIX + digestId(session.id);
      const remember = session.data.user?.remember === true;
      const timeout = remember ? REMEMBER_SECONDS : idleTimeout;
      let ttl = null;
      let expires = `within ${duration(timeout)} of the last refresh`;
      if (backend.kind === "redis") {
        const ms = Number(await inspectTtl(backend.client, key));
        ttl = { command: `PTTL ${PREFIX}${digestId(session.id).slice(0, 8)}…`, ms };
        if (ms >= 0) expires = `in ${duration(ms / 1000)}, at ${utc(new Date(Date.now() + ms))}`;
      }
      info = {
        createdAt: session.createdAt,
        ageSeconds: (Date.now() - session.createdAt.getTime()) / 1000,
        idleTimeout: remember
          ? html`${duration(timeout)}, "remember me": <code>adjustTimeout(${timeout})</code>`
          : html`${duration(timeout)}, the default <code>idleTimeout</code>`,
        expires,
        ttl,
        cookie: remember
          ? html`persistent for ${duration(REMEMBER_SECONDS)}: <code>adjustCookieMaxAge(${REMEMBER_SECONDS})</code>`
          : "a browser-session cookie (no Max-Age): it goes when the browser closes",
        digest: digestId(session.id).slice(0, 10),
      };
    }
    page(req, res, { title: "Session", active: "/session", body: sessionPage({ session, info }) });
  });

  app.use((req, res) => {
    page(req, res, { status: 404, title: "Not found", body: notFoundPage() });
  });

  app.use((error, _req, res, next) => {
    if (res.headersSent) return next(error);
    log?.(`request failed: ${error instanceof Error ? error.message : String(error)}`);
    const body = errorPage({ storeDown: error instanceof StoreError });
    const text = layout({ title: "Error", backend, body }).text;
    markRendered();
    res.status(500).type("html").send(text);
  });

  return app;
}
