// Drives an app with autocannon from the runner process (the app runs in its own child process).

import autocannon from "autocannon";

/**
 * Runs `path` for `seconds`. With `cookies`, every request carries one of them: each connection
 * cycles through all of them, starting at a different offset, so concurrent requests mostly hit
 * different sessions. Resolves to `{ requests, rps, p50, p99, errors, non2xx }`.
 */
export async function load({ port, path, cookies, seconds, connections }) {
  const base =
    cookies.length > 0 ? cookies.map((cookie) => ({ method: "GET", path, headers: { cookie } })) : null;
  let client = 0;
  const result = await autocannon({
    url: `http://127.0.0.1:${port}${path}`,
    connections,
    pipelining: 1,
    duration: seconds,
    ...(base
      ? {
          requests: base,
          setupClient(c) {
            const offset = Math.floor((client++ * base.length) / connections) % base.length;
            c.setRequests([...base.slice(offset), ...base.slice(0, offset)]);
          },
        }
      : {}),
  });
  const requests = result.requests.total;
  return {
    requests,
    rps: requests / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}
