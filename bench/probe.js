// Plain HTTP probes: the correctness pre-flight, seeding returning visitors, and the size of one session.

import { request } from "node:http";

/** GET `path` on the app; resolves to `{ status, body, setCookies }`. */
export function get(port, path, cookie) {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: "127.0.0.1", port, path, method: "GET", agent: false, headers: cookie ? { cookie } : {} },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk) => {
          body += chunk;
        });
        res.on("end", () => {
          const header = res.headers["set-cookie"];
          resolve({ status: res.statusCode, body, setCookies: header ?? [] });
        });
      },
    );
    req.setTimeout(5000, () => req.destroy(new Error(`GET ${path} timed out`)));
    req.once("error", reject);
    req.end();
  });
}

/** The `Cookie` request header a browser would send back after these `Set-Cookie` values. */
export function cookieHeader(setCookies) {
  return setCookies
    .map((value) => value.split(";", 1)[0])
    .filter((pair) => !/^[^=]+=$/.test(pair))
    .join("; ");
}

/**
 * The pre-flight: a new visitor's write sets a cookie, the cookie round-trips, `/write` then `/read`
 * return the new value. Resolves to `null` when all holds, else to what went wrong.
 */
export async function preflight(port) {
  const first = await get(port, "/write");
  if (first.status !== 200) return `new visitor /write answered ${first.status}`;
  if (first.body.trim() !== "1")
    return `new visitor /write returned ${JSON.stringify(first.body)}, expected "1"`;
  const cookie = cookieHeader(first.setCookies);
  if (!cookie) return "new visitor /write set no cookie";
  const second = await get(port, "/write", cookie);
  if (second.status !== 200 || second.body.trim() !== "2") {
    return `returning /write answered ${second.status} ${JSON.stringify(second.body)}, expected "2" (cookie did not round-trip?)`;
  }
  const read = await get(port, "/read", cookie);
  if (read.status !== 200 || read.body.trim() !== "2") {
    return `returning /read answered ${read.status} ${JSON.stringify(read.body)}, expected "2"`;
  }
  const again = await get(port, "/read", cookie);
  if (again.body.trim() !== "2") return `a second /read returned ${JSON.stringify(again.body)}, expected "2"`;
  const fresh = await get(port, "/read");
  if (fresh.status !== 200 || fresh.body.trim() !== "0") {
    return `new visitor /read answered ${fresh.status} ${JSON.stringify(fresh.body)}, expected "0"`;
  }
  return null;
}

/** Creates `count` sessions holding `views: 1` through the app itself; resolves to their Cookie headers. */
export async function seedSessions(port, count, concurrency = 10) {
  const cookies = [];
  let next = 0;
  async function worker() {
    while (next < count) {
      next++;
      const res = await get(port, "/write");
      const cookie = cookieHeader(res.setCookies);
      if (res.status !== 200 || !cookie)
        throw new Error(`seeding: /write answered ${res.status} with no cookie`);
      cookies.push(cookie);
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  return cookies;
}

/**
 * Cookie headers for contenders without sessions, shaped like sessile's (name, 43-char id, dot,
 * 43-char MAC), so every contender parses requests of about the same size.
 */
export function syntheticCookies(count) {
  return Array.from({ length: count }, (_, i) => {
    const id = String(i).padStart(43, "x");
    return `session=${id}.${"m".repeat(43)}`;
  });
}

/**
 * One new visitor's `/write` on an empty Redis: the `Set-Cookie` it gets, and what its session costs
 * in Redis (`MEMORY USAGE` of the only key, and the stored value's length).
 */
export async function measureSession(port, admin) {
  await admin.sendCommand(["FLUSHALL"]);
  const res = await get(port, "/write");
  const keys = await admin.sendCommand(["KEYS", "*"]);
  const setCookieBytes = res.setCookies.reduce((sum, value) => sum + Buffer.byteLength(value), 0);
  const out = {
    setCookieBytes,
    setCookieCount: res.setCookies.length,
    setCookie: res.setCookies,
    cookieHeaderBytes: Buffer.byteLength(cookieHeader(res.setCookies)),
    keys: keys.length,
  };
  if (keys.length === 1) {
    const key = keys[0];
    out.key = key.replace(/[A-Za-z0-9_-]{20,}/, (m) => `<${m.length} chars>`);
    out.keyBytes = Buffer.byteLength(key);
    out.memoryUsage = Number(await admin.sendCommand(["MEMORY", "USAGE", key, "SAMPLES", "0"]));
    const value = await admin.sendCommand(["GET", key]);
    out.valueBytes = Buffer.byteLength(value);
    out.value = value;
    out.ttl = Number(await admin.sendCommand(["TTL", key]));
  }
  return out;
}
