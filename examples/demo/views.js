// The demo's pages: plain server-rendered HTML, every value escaped by the `html` template.
import { html, SafeHtml } from "./html.js";
import { TRACE_PLACEHOLDER } from "./trace.js";

const NAV = [
  ["/", "Home"],
  ["/cart", "Cart"],
  ["/form", "Protected form"],
  ["/session", "Session"],
  ["/devices", "Your devices"],
];

const FLASH_QUEUES = ["success", "info", "warning"];

/** Formats cents as euros. */
export function money(cents) {
  return `€${(cents / 100).toFixed(2)}`;
}

/** "2026-11-26 14:50:31 UTC". */
export function utc(date) {
  return `${date.toISOString().replace("T", " ").slice(0, 19)} UTC`;
}

/** "3 min 4 s", "2 d 1 h" … for a number of seconds. */
export function duration(seconds) {
  const s = Math.max(0, Math.round(seconds));
  const parts = [
    [Math.floor(s / 86400), "d"],
    [Math.floor((s % 86400) / 3600), "h"],
    [Math.floor((s % 3600) / 60), "min"],
    [s % 60, "s"],
  ].filter(([n]) => n > 0);
  // Two units are plenty: "29 d 23 h", "4 min 3 s".
  return parts.length === 0
    ? "0 s"
    : parts
        .slice(0, 2)
        .map(([n, unit]) => `${n} ${unit}`)
        .join(" ");
}

function commandList(commands, name) {
  return html`<span class="cmds" data-trace="${name}" data-commands="${commands.join(", ")}">${
    commands.length === 0
      ? html`<span class="none">none</span>`
      : commands.map((c) => html`<code class="cmd cmd-${c.split(" ")[0].toLowerCase()}">${c}</code>`)
  }</span>`;
}

/** The footer with this request's Redis commands; called after the commit, when they are all known. */
export function renderFooter(trace, backend) {
  const before = trace.shapes(false);
  const commit = trace.shapes(true);
  const from = trace.redirectedFrom;
  const storeNote =
    backend.kind === "memory"
      ? "memoryStore() operations, named by the Redis command each stands for"
      : "counted by a thin wrapper around the node-redis client";
  return html`<section class="trace" aria-label="Redis commands">
    <h2>Redis commands <small>${storeNote}</small></h2>
    <dl>
      ${
        from !== null &&
        html`<div>
          <dt>The redirect that led here <code class="req">${from.method} ${from.path} → ${from.status}</code></dt>
          <dd>${commandList(from.commands, "redirect")}</dd>
        </div>`
      }
      <div>
        <dt>This request <code class="req">${trace.method} ${trace.path}</code> while the handler ran</dt>
        <dd>${commandList(before, "handler")}</dd>
      </div>
      ${
        trace.inspection.length > 0 &&
        html`<div>
          <dt>Sent by the demo itself to show the TTL</dt>
          <dd>${commandList(trace.inspection, "demo")}</dd>
        </div>`
      }
      <div>
        <dt>At commit: after the page was rendered, before the response left</dt>
        <dd>${commandList(commit, "commit")}</dd>
      </div>
    </dl>
    <p class="trace-note">
      No session cookie: no command. A session cookie: one <code>GET</code>. A write only when the session
      changed (nested changes included), or when its expiry is due for a refresh (at most once a minute).
      sessile commits after the handler has rendered this page and before the first byte of the response
      leaves the server, so this footer is filled in at that moment.
    </p>
  </section>`.text;
}

/**
 * The page frame: header, store banner, flash messages, content, footer placeholder.
 *
 * @param {{ title: string, session?: object, backend: object, body: SafeHtml, active?: string }} page
 */
export function layout({ title, session, backend, body, active }) {
  const user = session?.data.user;
  const flashes =
    session === undefined ? [] : FLASH_QUEUES.flatMap((q) => session.popFlash(q).map((m) => [q, m]));
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · sessile demo</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/static/demo.css">
</head>
<body>
<header class="top">
  <div class="wrap top-inner">
    <a class="brand" href="/"><span class="logo" aria-hidden="true">◆</span> sessile <span class="brand-sub">demo</span></a>
    <nav>${NAV.map(
      ([href, label]) =>
        html`<a href="${href}"${active === href ? new SafeHtml(' aria-current="page"') : ""}>${label}${
          href === "/cart" && user
            ? html` <span class="badge" data-testid="cart-count">${cartCount(session)}</span>`
            : ""
        }</a>`,
    )}</nav>
    <div class="who">${
      user
        ? html`<span class="avatar" aria-hidden="true">${user.name.slice(0, 1).toUpperCase()}</span>
          <span data-testid="signed-in-as">${user.name}</span>
          <form method="post" action="/logout" class="inline">
            <input type="hidden" name="_csrf" value="${session.getCsrfToken()}">
            <button class="link" type="submit">Sign out</button>
          </form>`
        : html`<span class="anonymous">Not signed in</span>`
    }</div>
  </div>
</header>
${
  backend.kind === "memory" &&
  html`<div class="banner" role="status" data-testid="memory-banner"><div class="wrap">
    <strong>No Redis:</strong> ${backend.reason}. The demo runs on <code>memoryStore()</code>: sessions live in
    this process only and vanish when it stops. Start Redis (or set <code>REDIS_URL</code>) and restart to see
    the real thing.
  </div></div>`
}
<main class="wrap">
${flashes.map(([queue, message]) => html`<p class="flash flash-${queue}" role="status" data-testid="flash">${String(message)}</p>`)}
${body}
</main>
<footer class="wrap">${new SafeHtml(TRACE_PLACEHOLDER)}</footer>
</body>
</html>
`;
}

/** Number of items in the cart: the quantities of the `cart:<sku>` keys of the session data. */
export function cartCount(session) {
  return Object.entries(session.data)
    .filter(([key, line]) => key.startsWith("cart:") && Number.isInteger(line?.qty))
    .reduce((n, [, line]) => n + line.qty, 0);
}

/** The cart's lines in catalogue order: `{ sku, name, price, qty, line }`, `line` being the stored object. */
export function cartLines(data, products) {
  return products
    .filter((p) => Object.hasOwn(data, `cart:${p.sku}`))
    .map((p) => {
      const line = data[`cart:${p.sku}`];
      return { sku: p.sku, name: p.name, price: p.price, qty: line.qty, line };
    });
}

function csrfField(session) {
  return html`<input type="hidden" name="_csrf" value="${session.getCsrfToken()}">`;
}

/** Home: sign in, or what to try next. */
export function homePage({ session, error, name, signinRequired }) {
  const user = session.data.user;
  if (!user) {
    return html`<section class="hero">
      <h1>Server-side sessions in Redis,<br>one <code>GET</code> per request.</h1>
      <p class="lead">This is the demo of <strong>sessile</strong>. Sign in, fill a cart, submit a protected
        form, and watch the footer: it lists every Redis command each request sent.</p>
    </section>
    <section class="card narrow">
      <h2>Sign in</h2>
      ${signinRequired && html`<p class="flash flash-info" data-testid="signin-required">Sign in first to use that page.</p>`}
      ${error && html`<p class="flash flash-warning" data-testid="form-error">${error}</p>`}
      <form method="post" action="/login" class="stack">
        <label>Your name <input name="name" autocomplete="nickname" maxlength="40" required value="${name ?? ""}" autofocus></label>
        <label class="check"><input type="checkbox" name="remember" value="1"> Remember me for 30 days</label>
        <button type="submit" class="primary">Sign in</button>
      </form>
      <p class="muted small">No password: any name signs you in. A visitor without a session cookie costs no
        Redis command; signing in writes the session once, with <code>SET … NX EX</code>.</p>
    </section>`;
  }
  return html`<section class="hero">
      <h1>Welcome, <span data-testid="welcome-name">${user.name}</span>.</h1>
      <p class="lead">Your session lives in the store under a digest of its id. Reloading this page sends one
        <code>GET</code> and nothing else.</p>
    </section>
    <div class="grid">
      <a class="card tile" href="/cart"><h2>Cart</h2><p>${cartCount(session)} item(s). Items are nested objects
        changed in place; sessile notices and writes once.</p></a>
      <a class="card tile" href="/form"><h2>Protected form</h2><p>A CSRF token from the session guards it; a
        missing or forged token gets a 403.</p></a>
      <a class="card tile" href="/session"><h2>Session</h2><p>Data, age, expiry and the TTL Redis reports.
        ${user.remember ? "Remembered for 30 days." : "Ends 20 minutes after your last request."}</p></a>
    </div>
    <section class="card">
      <h2>Flash messages</h2>
      <p class="muted">A flash message is stored in the session and shown once, on the next page, after the
        redirect. Showing it removes it, which is itself a change: that page's commit writes once.</p>
      <form method="post" action="/messages" class="row">
        ${csrfField(session)}
        <input name="message" maxlength="200" required placeholder="A message for the next page" aria-label="Message">
        <select name="kind" aria-label="Kind"><option value="info">info</option><option value="success">success</option><option value="warning">warning</option></select>
        <button type="submit" class="primary">Flash it</button>
      </form>
    </section>`;
}

/** The shopping cart and the catalogue. */
export function cartPage({ session, products }) {
  const items = cartLines(session.data, products);
  const total = items.reduce((sum, item) => sum + item.qty * item.price, 0);
  const csrf = csrfField(session);
  return html`<h1>Cart</h1>
    <div class="grid two">
      <section class="card">
        <h2>Shop</h2>
        <ul class="products">${products.map(
          (p) => html`<li>
            <span class="product"><span class="swatch swatch-${p.sku}" aria-hidden="true">${p.name.slice(0, 1)}</span>${p.name}</span>
            <span class="price">${money(p.price)}</span>
            <form method="post" action="/cart/add" class="inline">${csrf}
              <input type="hidden" name="sku" value="${p.sku}">
              <button type="submit" class="small" data-testid="add-${p.sku}">Add</button>
            </form>
          </li>`,
        )}</ul>
      </section>
      <section class="card">
        <h2>Your cart</h2>
        ${
          items.length === 0
            ? html`<p class="muted" data-testid="cart-empty">Empty. Add something from the shop.</p>`
            : html`<table class="cart" data-testid="cart-table">
              <thead><tr><th>Item</th><th>Qty</th><th class="num">Price</th><th></th></tr></thead>
              <tbody>${items.map(
                (item) => html`<tr data-sku="${item.sku}">
                  <td>${item.name}</td>
                  <td class="qty" data-testid="qty-${item.sku}">${item.qty}</td>
                  <td class="num">${money(item.qty * item.price)}</td>
                  <td><form method="post" action="/cart/remove" class="inline">${csrf}
                    <input type="hidden" name="sku" value="${item.sku}">
                    <button type="submit" class="small ghost" aria-label="Remove one ${item.name}">−1</button>
                  </form></td>
                </tr>`,
              )}</tbody>
              <tfoot><tr><td colspan="2">Total</td><td class="num" data-testid="cart-total">${money(total)}</td><td></td></tr></tfoot>
            </table>
            <form method="post" action="/cart/resave" class="inline">${csrf}
              <button type="submit" class="small ghost" data-testid="resave">Write the same values back</button>
            </form>
            <p class="muted small">Assigns every quantity its current value. The payload is compared at the end
              of the request, not the assignments, so this costs one <code>GET</code> and no write.</p>`
        }
      </section>
    </div>
    <section class="card">
      <h2>Race it yourself</h2>
      <p class="muted">Adds a pack of filters 3 seconds after the session was read. Sign out in another tab
        meanwhile: this request's write finds the session gone and does not sign you back in. Add something
        else in another tab instead: both changes are kept, because each cart line is its own key of the
        session data and sessile merges a concurrent write key by key.</p>
      <form method="post" action="/cart/add" class="inline">${csrf}
        <input type="hidden" name="sku" value="filters"><input type="hidden" name="delay" value="3000">
        <button type="submit" class="small ghost" data-testid="add-slowly">Add filters in 3 s</button>
      </form>
    </section>
    <p class="muted small">Adding an item runs <code>req.session.data["cart:beans"].qty += 1</code>: a change deep
      inside the session data, found by re-serializing it at commit and written with one compare-and-set
      (<code>EVALSHA</code>: it writes only if no other request wrote since this one read).</p>`;
}

/**
 * The signed-in user's devices (their sessions, from `sessions.users.list()`), with "sign out this
 * device" by handle and "sign out everywhere else".
 */
export function devicesPage({ session, devices, bound }) {
  const csrf = csrfField(session);
  if (!bound) {
    return html`<h1>Your devices</h1><section class="card"><p data-testid="not-bound">This session was started
      before the demo bound sessions to users. Sign out and in again to see your devices.</p></section>`;
  }
  return html`<h1>Your devices</h1>
    <section class="card">
      <p class="muted">Every browser signed in as <strong>${session.userId}</strong>. The demo keeps one short
        label per device, made from the User-Agent header (personal data, so nothing more: no IP address).</p>
      <table class="devices" data-testid="devices">
        <thead><tr><th>Device</th><th>Handle</th><th>Signed in</th><th>Last refreshed</th><th>Expires</th><th></th></tr></thead>
        <tbody>${devices.map(
          (
            d,
          ) => html`<tr data-testid="device" data-handle="${d.handle}"${d.current ? new SafeHtml(' data-current="true"') : ""}>
            <td>${String(d.meta?.label ?? "unknown")}${d.current ? html` <span class="badge" data-testid="this-device">this device</span>` : ""}</td>
            <td><code>${d.handle.slice(0, 8)}…</code></td>
            <td>${utc(d.createdAt)}</td>
            <td>${d.refreshedAt === null ? "—" : utc(d.refreshedAt)}</td>
            <td>${d.expiresAt === null ? "never" : utc(d.expiresAt)}</td>
            <td><form method="post" action="/devices/end" class="inline">${csrf}
              <input type="hidden" name="handle" value="${d.handle}">
              <button type="submit" class="small ghost" data-testid="end-device">Sign out this device</button>
            </form></td>
          </tr>`,
        )}</tbody>
      </table>
      <form method="post" action="/devices/end-others" class="inline">${csrf}
        <button type="submit" class="primary" data-testid="end-others"${devices.length > 1 ? "" : new SafeHtml(" disabled")}>Sign out everywhere else</button>
      </form>
    </section>
    <p class="muted small">The list is one index read (<code>INDEX READ</code>, a script on the user's sorted set)
      and one <code>GET</code> per session. Signing a device out deletes its session (<code>GETDEL</code>) and takes
      it out of the index; that browser's next request finds no session. The handle is a digest of the
      session's key: it cannot be turned back into a cookie.</p>`;
}

/** The CSRF-protected form, with the two forged variants an attacker's page might send. */
export function formPage({ session }) {
  const user = session.data.user;
  return html`<h1>Protected form</h1>
    <section class="card">
      <h2>Change your display name</h2>
      <p class="muted">The form carries the session's CSRF token in a hidden field; the server compares it, in
        constant time, with the one stored in the session.</p>
      <form method="post" action="/form" class="row" data-testid="csrf-form">
        ${csrfField(session)}
        <input name="name" maxlength="40" required value="${user.name}" aria-label="Display name">
        <button type="submit" class="primary">Save</button>
      </form>
    </section>
    <section class="card danger">
      <h2>Try a forgery</h2>
      <p class="muted">The same request as another site could send it: without the token, or with a guessed one.
        Both are refused with a 403 and change nothing.</p>
      <div class="row">
        <form method="post" action="/form" class="inline" data-testid="forged-missing">
          <input type="hidden" name="name" value="Mallory">
          <button type="submit" class="ghost">Submit without a token</button>
        </form>
        <form method="post" action="/form" class="inline" data-testid="forged-wrong">
          <input type="hidden" name="_csrf" value="forged-token-forged-token-forged-token-forged">
          <input type="hidden" name="name" value="Mallory">
          <button type="submit" class="ghost">Submit with a wrong token</button>
        </form>
      </div>
    </section>`;
}

/** The 403 answer to a missing or wrong CSRF token. */
export function forbiddenPage({ reason }) {
  return html`<section class="card refusal" data-testid="forbidden">
    <p class="status-code">403</p>
    <h1>Request refused</h1>
    <p data-testid="forbidden-reason">${
      reason === "missing"
        ? "The form came without a CSRF token."
        : "The form's CSRF token does not match this session's token."
    }</p>
    <p class="muted">Nothing was changed. Forms of this site carry a token stored in your session; a page on
      another site cannot read it, so a request it forges is refused here.</p>
    <p><a class="button" href="/form">Back to the form</a></p>
  </section>`;
}

/** The session inspector. */
export function sessionPage({ session, info }) {
  if (info === null) {
    return html`<h1>Session</h1>
      <section class="card">
        <p data-testid="no-session">You have no session. No cookie was sent, nothing is stored, and this request
          sent no Redis command. <a href="/">Sign in</a> to start one.</p>
      </section>`;
  }
  const user = session.data.user;
  return html`<h1>Session</h1>
    <section class="card">
      <table class="facts">
        <tr><th>Signed in as</th><td>${user ? user.name : "nobody"}</td></tr>
        <tr><th>Created</th><td>${utc(info.createdAt)},
          <span data-testid="session-age">${duration(info.ageSeconds)}</span> ago</td></tr>
        <tr><th>Idle timeout</th><td data-testid="idle-timeout">${info.idleTimeout}</td></tr>
        <tr><th>Expires</th><td data-testid="expires">${info.expires}</td></tr>
        <tr><th>TTL in Redis</th><td data-testid="ttl">${
          info.ttl === null
            ? html`<span class="muted">not available: <code>memoryStore()</code> has no <code>PTTL</code></span>`
            : html`<code>${info.ttl.command}</code> → <span data-testid="pttl">${info.ttl.ms}</span> ms${
                info.ttl.ms >= 0 ? ` (${duration(info.ttl.ms / 1000)})` : ""
              }`
        }</td></tr>
        <tr><th>Cookie</th><td>${info.cookie}</td></tr>
        <tr><th>Session id</th><td>never shown (it is the credential). Its SHA-256 digest, which names the key in
          the store, begins <code data-testid="digest">${info.digest}…</code></td></tr>
        <tr><th>CSRF token</th><td>kept in the session, not in <code>data</code></td></tr>
      </table>
    </section>
    <section class="card">
      <h2><code>req.session.data</code></h2>
      <pre data-testid="session-data">${JSON.stringify(session.data, null, 2)}</pre>
    </section>
    <p class="muted small">The expiry is extended at most once a minute (<code>touchInterval</code>), so reading this
      page again within a minute costs one <code>GET</code>; after that, one <code>SET … XX EX</code> moves the
      expiry and the TTL together.</p>`;
}

/** Not found. */
export function notFoundPage() {
  return html`<section class="card refusal"><p class="status-code">404</p><h1>Not found</h1>
    <p><a class="button" href="/">Home</a></p></section>`;
}

/** A failed request (the store is unreachable, most likely). */
export function errorPage({ storeDown }) {
  return html`<section class="card refusal" data-testid="error"><p class="status-code">500</p>
    <h1>Something went wrong</h1>
    <p>${storeDown ? "The session store did not answer. Is Redis still running?" : "The request failed."}</p>
    <p class="muted">No session cookie was sent for anything that was not saved.</p>
    <p><a class="button" href="/">Home</a></p></section>`;
}
