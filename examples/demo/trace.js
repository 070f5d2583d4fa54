// Counts the Redis commands each request sends, so every page can show the one-GET contract at work.
//
// The count comes from a thin wrapper around the client (or, on the memory fallback, around the store):
// each call is recorded in the request's AsyncLocalStorage context. sessile commits after the handler
// has rendered the page but before the response head leaves, so the page cannot know its own commit
// when it is rendered. The footer is therefore a placeholder that `traceRequests` fills in at the last
// moment, after the commit, when the adapter releases the response.
import { AsyncLocalStorage } from "node:async_hooks";

const requests = new AsyncLocalStorage();

/** The marker the layout leaves where the footer goes. */
export const TRACE_PLACEHOLDER = "<!--redis-trace-->";

const REDIRECT_COOKIE = "demo_redirect";
/** A user index key: `u:` and a 22-character digest, after the store's prefix. */
const INDEX_KEY = /(^|:)u:[A-Za-z0-9_-]{22}$/;
const SHAPE =
  /^(GET|DEL|GETDEL|PTTL|SET( NX| XX)?( GET)?( EX)?|(CAS (SET|DEL)( EX)?|INDEX (UPDATE|READ|REMOVE))( \(EVAL\))?)$/;

/** What one request sent to the store, in order. */
class RequestTrace {
  constructor(method, path) {
    this.method = method;
    this.path = path;
    /** Commands sessile sent: `{ shape, atCommit }`. */
    this.commands = [];
    /** Commands the demo sent itself to show the session (PTTL). */
    this.inspection = [];
    /** Set once the handler has rendered its response; later commands belong to the commit. */
    this.rendered = false;
    /** The trace of the redirect that led here, from the `demo_redirect` cookie, or `null`. */
    this.redirectedFrom = null;
  }

  /** Shapes of sessile's commands, optionally only those before or at the commit. */
  shapes(atCommit) {
    return this.commands.filter((c) => atCommit === undefined || c.atCommit === atCommit).map((c) => c.shape);
  }
}

/** The trace of the request being handled, or `undefined` outside a request. */
export function currentTrace() {
  return requests.getStore();
}

/** Marks the response as rendered: commands after this point are sent by the commit. */
export function markRendered() {
  const trace = requests.getStore();
  if (trace) trace.rendered = true;
}

function record(shape) {
  const trace = requests.getStore();
  if (trace) trace.commands.push({ shape, atCommit: trace.rendered });
}

function setShape(options = {}) {
  const condition = options.condition ?? (options.NX ? "NX" : options.XX ? "XX" : undefined);
  const expiry = options.expiration?.type ?? (options.EX === undefined ? undefined : "EX");
  return ["SET", condition, options.GET ? "GET" : undefined, expiry].filter(Boolean).join(" ");
}

/**
 * The store's script calls: on a user index (a key `u:…`, see the Devices page) by what they do, judged
 * from their arguments (an update: now, member, score, removed, limit, stamp life, stamp; a read: now;
 * a removal: the members); otherwise the compare-and-set of a session by what it asks for (its
 * arguments: expected, mode, value, ttl).
 */
export function scriptShape(key, args) {
  if (INDEX_KEY.test(key)) {
    const numeric = (i) => /^\d+$/.test(args[i] ?? "");
    if (args.length === 1 && numeric(0)) return "INDEX READ";
    return args.length === 7 && numeric(0) && numeric(4) ? "INDEX UPDATE" : "INDEX REMOVE";
  }
  const [, mode, , ttl] = args;
  return mode === "D" ? "CAS DEL" : ttl ? "CAS SET EX" : "CAS SET";
}

const casShape = (options) => scriptShape(options.keys[0], options.arguments);

/**
 * The part of a node-redis client that `redisStore` uses, recording each call in the current request's
 * trace before passing it on unchanged.
 */
export function countingClient(client) {
  return {
    get(key) {
      record("GET");
      return client.get(key);
    },
    set(key, value, options) {
      record(setShape(options));
      return client.set(key, value, options);
    },
    del(key) {
      record("DEL");
      return client.del(key);
    },
    getDel(key) {
      record("GETDEL");
      return client.getDel(key);
    },
    evalSha(sha, options) {
      record(casShape(options));
      return client.evalSha(sha, options);
    },
    // Sent only when the server had not cached the script (a fresh start): the same call, as source.
    eval(script, options) {
      record(`${casShape(options)} (EVAL)`);
      return client.eval(script, options);
    },
  };
}

/** A `memoryStore()` whose operations are recorded under the Redis command each one stands for. */
export function countingStore(store) {
  const withTtl = (shape, ttl) => (ttl === null ? shape : `${shape} EX`);
  return {
    get(key) {
      record("GET");
      return store.get(key);
    },
    create(key, value, ttl) {
      record(withTtl("SET NX", ttl));
      return store.create(key, value, ttl);
    },
    update(key, value, ttl, expected) {
      record(value === null ? "CAS DEL" : withTtl("CAS SET", ttl));
      return store.update(key, value, ttl, expected);
    },
    destroy(key) {
      record("DEL");
      return store.destroy(key);
    },
    take(key) {
      record("GETDEL");
      return store.take(key);
    },
    replace(oldKey, newKey, value, ttl, marker, markerTtl) {
      record(withTtl("SET NX", ttl));
      record("SET XX GET EX");
      return store.replace(oldKey, newKey, value, ttl, marker, markerTtl);
    },
    users: countingUsers(store.users),
  };
}

/** The memory store's user indexes, each operation recorded as the script call it stands for. */
function countingUsers(users) {
  return {
    updateIndex(key, update) {
      record("INDEX UPDATE");
      return users.updateIndex(key, update);
    },
    readIndex(key, now) {
      record("INDEX READ");
      return users.readIndex(key, now);
    },
    removeFromIndex(key, members) {
      record("INDEX REMOVE");
      return users.removeFromIndex(key, members);
    },
    stampIndex(key, stamp, stampLife) {
      record("INDEX UPDATE");
      return users.stampIndex(key, stamp, stampLife);
    },
  };
}

/** Reads a key's remaining lifetime in milliseconds with `PTTL`, recorded as the demo's own command. */
export async function inspectTtl(client, key) {
  requests.getStore()?.inspection.push("PTTL");
  return client.pTTL(key);
}

function readCookie(header, name) {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** Decodes the redirect trace cookie; anything not exactly as the demo writes it is ignored. */
function readRedirect(header) {
  const value = readCookie(header, REDIRECT_COOKIE);
  if (!value || value.length > 800) return null;
  try {
    const parsed = JSON.parse(Buffer.from(value, "base64url").toString("utf8"));
    const { method, path, status, commands } = parsed;
    if (
      typeof method !== "string" ||
      !/^[A-Z]{3,7}$/.test(method) ||
      typeof path !== "string" ||
      !/^\/[\w/.-]{0,80}$/.test(path) ||
      !Number.isInteger(status) ||
      !Array.isArray(commands) ||
      commands.length > 20 ||
      !commands.every((c) => typeof c === "string" && SHAPE.test(c))
    ) {
      return null;
    }
    return { method, path, status, commands };
  } catch {
    return null;
  }
}

function redirectCookie(trace, status) {
  const value = Buffer.from(
    JSON.stringify({ method: trace.method, path: trace.path, status, commands: trace.shapes() }),
  ).toString("base64url");
  return `${REDIRECT_COOKIE}=${value}; Max-Age=60; Path=/; HttpOnly; SameSite=Lax`;
}

/**
 * Express middleware, mounted before the session middleware: gives each request its trace and, when the
 * response finally leaves (after sessile's commit), fills in the footer, adds an `X-Redis-Commands`
 * header, and hands a redirect's commands to the next page in a short-lived cookie of the demo's own.
 *
 * @param {{ renderFooter(trace): string, log?(line: string): void }} options
 */
export function traceRequests({ renderFooter, log }) {
  return function traceRedis(req, res, next) {
    const trace = new RequestTrace(req.method, req.path);
    trace.redirectedFrom = readRedirect(req.headers.cookie);
    const end = res.end;
    // An own property: the session middleware's head-holding wrapper goes on top of it and calls it
    // only once the commit has settled, so everything recorded by then is final.
    res.end = function endWithTrace(chunk, encoding, callback) {
      delete res.end;
      if (typeof chunk === "function") [chunk, callback] = [undefined, chunk];
      if (typeof encoding === "function") [encoding, callback] = [undefined, encoding];
      if (!res.headersSent) {
        const all = trace.shapes();
        res.setHeader("X-Redis-Commands", all.join(", ") || "none");
        if (res.statusCode >= 300 && res.statusCode < 400 && res.getHeader("Location") !== undefined) {
          res.appendHeader("Set-Cookie", redirectCookie(trace, res.statusCode));
        } else if (trace.redirectedFrom !== null) {
          res.appendHeader("Set-Cookie", `${REDIRECT_COOKIE}=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax`);
        }
        const body =
          typeof chunk === "string" ? chunk : Buffer.isBuffer(chunk) ? chunk.toString("utf8") : null;
        if (body?.includes(TRACE_PLACEHOLDER)) {
          chunk = Buffer.from(
            body.replace(TRACE_PLACEHOLDER, () => renderFooter(trace)),
            "utf8",
          );
          encoding = undefined;
          res.setHeader("Content-Length", chunk.length);
        }
        log?.(`${trace.method} ${trace.path} ${res.statusCode}  redis: ${all.join(", ") || "none"}`);
      }
      return end.call(res, chunk, encoding, callback);
    };
    requests.run(trace, next);
  };
}
