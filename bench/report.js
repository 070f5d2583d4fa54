// Turns the raw runs into figures (medians, ratios, commands per request, targets) and results.md.

import { FRAMEWORKS } from "./contenders.js";

export function median(values) {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Median over rounds of the same-round ratio a/b: rounds are interleaved, so this cancels slow drift. */
export function ratio(a, b) {
  if (!a || !b) return null;
  const n = Math.min(a.length, b.length);
  const per = [];
  for (let i = 0; i < n; i++) per.push(a[i].rps / b[i].rps);
  return median(per);
}

/** Server CPU microseconds per call of each command, over all runs: `INFO commandstats` usec ÷ calls. */
function usecPerCall(runs) {
  const calls = {};
  const usec = {};
  for (const run of runs) {
    for (const [name, count] of Object.entries(run.commands)) {
      calls[name] = (calls[name] ?? 0) + count;
      usec[name] = (usec[name] ?? 0) + (run.usec?.[name] ?? 0);
    }
  }
  return Object.fromEntries(Object.keys(calls).map((n) => [n, calls[n] > 0 ? usec[n] / calls[n] : null]));
}

function perRequest(runs) {
  const requests = runs.reduce((sum, r) => sum + r.requests, 0);
  const calls = {};
  for (const run of runs) {
    for (const [name, count] of Object.entries(run.commands)) calls[name] = (calls[name] ?? 0) + count;
  }
  const out = {};
  for (const [name, count] of Object.entries(calls).sort(([a], [b]) => a.localeCompare(b))) {
    out[name] = requests > 0 ? count / requests : 0;
  }
  return out;
}

const sum = (obj) => Object.values(obj).reduce((a, b) => a + b, 0);

/** The figures the report, the chart and results.json share. */
export function analyse(meta, entries, scenarios, previous = null) {
  const byId = Object.fromEntries(entries.map((e) => [e.id, e]));
  const runsOf = (id, scenario) => (byId[id]?.status === "ok" ? byId[id].scenarios[scenario] : null);
  const bareOf = (framework) => entries.find((e) => e.framework === framework && e.role === "bare");
  const contenders = entries.map((entry) => {
    const out = {
      id: entry.id,
      label: entry.label,
      short: entry.short ?? entry.label,
      framework: entry.framework,
      role: entry.role,
      variant: entry.variant === true,
      status: entry.status,
      ...(entry.reason ? { reason: entry.reason } : {}),
      ...(entry.session ? { session: entry.session } : {}),
      ...(entry.expect ? { expect: entry.expect } : {}),
      scenarios: {},
    };
    if (entry.status !== "ok") return out;
    const bare = bareOf(entry.framework);
    for (const s of scenarios) {
      const runs = entry.scenarios[s.id];
      if (!runs || runs.length === 0) continue;
      const commands = perRequest(runs);
      out.scenarios[s.id] = {
        rps: median(runs.map((r) => r.rps)),
        p99: median(runs.map((r) => r.p99)),
        p50: median(runs.map((r) => r.p50)),
        rounds: runs.map((r) => ({
          rps: Math.round(r.rps),
          p99: r.p99,
          requests: r.requests,
          errors: r.errors,
          non2xx: r.non2xx,
          foreign: r.foreign,
          waited: r.waited,
          cpuPerRequest: r.cpuPerRequest,
        })),
        foreign: median(runs.map((r) => r.foreign)),
        appMicros: median(runs.map((r) => r.cpuPerRequest?.app)),
        redisMicros: median(runs.map((r) => r.cpuPerRequest?.redis)),
        errors: runs.reduce((n, r) => n + r.errors + r.non2xx, 0),
        commandsPerRequest: commands,
        usecPerCall: usecPerCall(runs),
        commandsTotal: sum(commands),
        vsBare: bare && bare.id !== entry.id ? ratio(runs, runsOf(bare.id, s.id)) : null,
      };
    }
    return out;
  });

  const find = (id) => contenders.find((c) => c.id === id && c.status === "ok");
  const vs = (a, b, scenario) => ratio(runsOf(a, scenario), runsOf(b, scenario));

  // Headline rows: per framework and scenario, sessile and the peer(s) against the bare framework.
  const headline = [];
  for (const framework of FRAMEWORKS) {
    const sessile = contenders.find((c) => c.framework === framework && c.role === "sessile" && !c.variant);
    const peers = contenders.filter(
      (c) => c.framework === framework && (c.role === "peer" || c.role === "floor"),
    );
    const bare = contenders.find((c) => c.framework === framework && c.role === "bare");
    if (!sessile && peers.length === 0) continue;
    for (const s of scenarios) {
      headline.push({
        framework,
        scenario: s.id,
        bareRps: bare?.scenarios[s.id]?.rps ?? null,
        sessile: sessile ? { id: sessile.id, vsBare: sessile.scenarios[s.id]?.vsBare ?? null } : null,
        peers: peers.map((p) => ({
          id: p.id,
          short: p.short,
          vsBare: p.scenarios[s.id]?.vsBare ?? null,
          sessileVsPeer: sessile ? vs(sessile.id, p.id, s.id) : null,
        })),
      });
    }
  }

  const allRuns = entries.flatMap((e) => Object.values(e.scenarios).flat());
  const noise = {
    foreignMedian: median(allRuns.map((r) => r.foreign)),
    foreignMax: allRuns.reduce((m, r) => (Number.isFinite(r.foreign) ? Math.max(m, r.foreign) : m), 0),
    waitedSeconds: Math.round(allRuns.reduce((t, r) => t + (r.waited ?? 0), 0)),
  };
  const writeRatios = {};
  for (const id of WRITE_IDS) {
    writeRatios[id] = Object.fromEntries(scenarios.map((s) => [s.id, vs(id, "sessile-node", s.id)]));
  }
  const clientRatios = {};
  for (const id of ["sessile-node-ioredis", "sessile-node-ioredis-autopipe"]) {
    clientRatios[id] = Object.fromEntries(scenarios.map((s) => [s.id, vs(id, "sessile-node", s.id)]));
  }
  return {
    meta: { ...meta, noise },
    clientRatios,
    writeRatios,
    previous,
    scenarios,
    contenders,
    headline,
    targets: targets(contenders, scenarios, vs, find),
  };
}

/** Commands a sessile client sends per request. A returning write is the read and one compare-and-set script call (issue 10). */
const EXPECTED = { read: { get: 1 }, write: { get: 1, evalsha: 1 }, new: { set: 1 } };

/**
 * What `INFO commandstats` counts inside each script call besides the call itself: the compare-and-set
 * reads and writes the key; the `evalsha:index` entry (a bound session's first write) updates the user index.
 */
const SCRIPT_INNER = {
  evalsha: { get: 1, set: 1 },
  "evalsha:index": { zadd: 1, zremrangebyscore: 1, zscore: 1, zrevrangebyscore: 1, expireat: 1 },
};

/** The commandstats counts a request that sends `sent` adds: its commands plus what its scripts run. */
function withScripts(sent) {
  const out = {};
  for (const [name, n] of Object.entries(sent)) {
    const called = name.split(":")[0];
    out[called] = (out[called] ?? 0) + n;
    for (const [inner, m] of Object.entries(SCRIPT_INNER[name] ?? {})) out[inner] = (out[inner] ?? 0) + n * m;
  }
  return out;
}

function targets(contenders, scenarios, vs, find) {
  const out = [];
  const has = (id) => scenarios.some((s) => s.id === id);
  for (const c of contenders.filter((x) => x.role === "sessile" && x.status === "ok")) {
    for (const s of scenarios) {
      const got = c.scenarios[s.id]?.commandsPerRequest;
      if (!got) continue;
      const sent = c.expect?.[s.id] ?? EXPECTED[s.id];
      const want = withScripts(sent);
      const names = new Set([...Object.keys(want), ...Object.keys(got)]);
      const met = [...names].every(
        (n) => Math.abs((got[n] ?? 0) - (want[n] ?? 0)) < 0.02 * Math.max(1, want[n] ?? 0),
      );
      out.push({
        target: `${c.id}: ${sum(sent)} command(s) sent per request on ${s.id}`,
        met,
        detail: Object.entries(got)
          .map(([n, v]) => `${n.toUpperCase()} ${v.toFixed(3)}`)
          .join(" + "),
      });
    }
  }
  for (const sessile of contenders.filter((c) => c.role === "sessile" && !c.variant && c.status === "ok")) {
    for (const peer of contenders.filter(
      (c) => c.framework === sessile.framework && c.role === "peer" && c.status === "ok",
    )) {
      for (const s of scenarios) {
        const r = vs(sessile.id, peer.id, s.id);
        out.push({
          target: `${sessile.id} faster than ${peer.id} on ${s.id}`,
          met: r === null ? null : r > 1,
          detail: r === null ? "not measured" : `${r.toFixed(2)}×`,
        });
      }
    }
  }
  if (has("read")) {
    for (const [a, b] of [
      ["sessile-express", "express-session"],
      ["sessile-fastify", "fastify-session"],
      ["sessile-fastify", "fastify-session-norolling"],
    ]) {
      if (!find(a) || !find(b)) continue;
      const r = vs(a, b, "read");
      out.push({
        target: `${a} ≥ 1.3× ${b} on returning reads`,
        met: r === null ? null : r >= 1.3,
        detail: r === null ? "not measured" : `${r.toFixed(2)}×`,
      });
    }
    for (const [id, floor, target] of [
      ["sessile-node", 0.9, "sessile-node within 10% of the one-GET floor on returning reads (≥ 0.90×)"],
      [
        "sessile-node-csc",
        1.5,
        "sessile-node-csc (RESP3 client-side caching) ≥ 1.5× the one-GET floor on returning reads",
      ],
    ]) {
      if (!find(id) || !find("node-floor")) continue;
      const r = vs(id, "node-floor", "read");
      out.push({
        target,
        met: r === null ? null : r >= floor,
        detail: r === null ? "not measured" : `${r.toFixed(3)}×`,
      });
    }
  }
  out.push(...sideBySide(scenarios, vs, find));
  const sized = contenders.filter((c) => c.session?.memoryUsage !== undefined);
  const ours = sized.filter((c) => c.role === "sessile");
  const theirs = sized.filter((c) => c.role === "peer");
  if (ours.length > 0 && theirs.length > 0) {
    const mine = Math.max(...ours.map((c) => c.session.memoryUsage));
    const best = theirs.reduce((a, b) => (a.session.memoryUsage <= b.session.memoryUsage ? a : b));
    out.push({
      target: "bytes per session (MEMORY USAGE) smallest of all session libraries",
      met: mine < best.session.memoryUsage,
      detail: `sessile ${mine} B; smallest peer ${best.id} ${best.session.memoryUsage} B`,
    });
  }
  return out;
}

/** The same-run comparisons of issues 10 and 13, as [a, b, scenario, floor, what]. */
const SIDE_BY_SIDE = [
  [
    "sessile-hono",
    "hono-floor",
    "read",
    null,
    "sessile/hono against the one-GET floor on Hono (compare with sessile-node against node-floor)",
  ],
  ...["read", "write", "new"].map((scenario) => [
    "sessile-node",
    "sessile-node-baseline",
    scenario,
    null,
    "this build against the one in BENCH_BASELINE (before and after a change)",
  ]),
  [
    "sessile-node-bound",
    "sessile-node",
    "read",
    0.95,
    "a bound session's returning reads cost what an unbound one's do",
  ],
  [
    "sessile-node-bound",
    "sessile-node",
    "write",
    0.95,
    "a bound session's returning writes cost what an unbound one's do",
  ],
  [
    "sessile-node",
    "sessile-node-untraced",
    "read",
    null,
    "nothing subscribed against a build without tracing channels or events (compare with the A/A line)",
  ],
  [
    "sessile-node",
    "sessile-node-untraced",
    "write",
    null,
    "nothing subscribed against a build without tracing channels or events",
  ],
  [
    "sessile-node-setxx",
    "sessile-node",
    "read",
    null,
    "A/A: two contenders whose returning reads run the same code, so this is the noise of the run",
  ],
  [
    "sessile-node-csc",
    "sessile-node",
    "read",
    null,
    "RESP3 client-side caching against the same app reading at the server",
  ],
  [
    "sessile-node-metrics",
    "sessile-node",
    "read",
    null,
    "sessile/metrics subscribed against nothing subscribed",
  ],
  [
    "sessile-node-otel",
    "sessile-node",
    "read",
    null,
    "the OpenTelemetry SDK subscribed against nothing subscribed",
  ],
  [
    "sessile-node-otel",
    "sessile-node",
    "write",
    null,
    "the OpenTelemetry SDK subscribed against nothing subscribed",
  ],
  [
    "sessile-node",
    "sessile-node-setxx",
    "write",
    0.95,
    "the compare-and-set write (EVALSHA) against the plain SET XX it replaced",
  ],
  [
    "sessile-node-setxxget",
    "sessile-node-setxx",
    "write",
    null,
    "the SET XX GET candidate against the plain SET XX",
  ],
  [
    "sessile-node-ifeq",
    "sessile-node-setxx-valkey",
    "write",
    0.95,
    'the compare-and-set write as one SET … IFEQ … GET (compareAndSet: "ifeq", Valkey 8.1) against the plain SET XX on the same server',
  ],
  [
    "sessile-node-valkey",
    "sessile-node-setxx-valkey",
    "write",
    null,
    "the compare-and-set script on Valkey 8.1 against the plain SET XX on the same server",
  ],
  [
    "sessile-node-ifeq",
    "sessile-node-valkey",
    "read",
    null,
    "returning reads with either compare-and-set (the same one GET)",
  ],
];

function sideBySide(scenarios, vs, find) {
  const out = [];
  for (const [a, b, scenario, floor, what] of SIDE_BY_SIDE) {
    if (!find(a) || !find(b) || !scenarios.some((s) => s.id === scenario)) continue;
    const r = vs(a, b, scenario);
    out.push({
      target: `${a} ${floor === null ? "vs" : `≥ ${floor.toFixed(2)}×`} ${b} on ${scenario}: ${what}`,
      met: r === null || floor === null ? null : r >= floor,
      detail: r === null ? "not measured" : `${r.toFixed(3)}×`,
    });
  }
  return out;
}

const pct = (n) => (n === null || n === undefined ? "—" : `${Math.round(n * 100)}%`);
const fmtInt = (n) => (n === null || n === undefined ? "—" : Math.round(n).toLocaleString("en-US"));
const fmtX = (n, digits = 2) => (n === null || n === undefined ? "—" : `${n.toFixed(digits)}×`);

function commandsText(commands) {
  const entries = Object.entries(commands).filter(([, v]) => v >= 0.005);
  if (entries.length === 0) return "none";
  return entries.map(([n, v]) => `${n.toUpperCase()} ${v.toFixed(2)}`).join(" + ");
}

/** results.md */
export function renderMarkdown(a) {
  const { meta, scenarios } = a;
  const label = Object.fromEntries(scenarios.map((s) => [s.id, s.label]));
  const lines = [];
  const p = (line = "") => lines.push(line);
  p("# sessile benchmark results");
  p();
  p(
    `${meta.date.slice(0, 10)} on ${meta.cpu} (${meta.cores} cores, ${meta.memoryGiB} GiB), ${meta.os}; ` +
      `Node ${meta.node}; Redis ${meta.redis}${meta.valkey ? ` and ${meta.valkey} for the Valkey contenders` : ""} (own servers on loopback, no persistence).`,
  );
  p();
  p(`Reproduce: \`${meta.command}\` (after \`npm install\`; the script builds sessile first).`);
  p();
  const st = meta.settings;
  p(
    `Each contender runs in its own process and is driven by autocannon (${meta.versions.autocannon}) from the runner ` +
      `process with ${st.connections} connections, ${st.duration} s per run after ${st.warmup} s of warm-up, ` +
      `${st.rounds} interleaved rounds (every contender and scenario once per round). Figures are medians over ` +
      `rounds; a ratio is the median of same-round ratios. Returning visitors rotate over ${st.sessions} ` +
      "sessions created through the app itself (each connection starts at a different one); new visitors send no cookie. " +
      "Redis is flushed and the sessions re-created before every run; commands come from `INFO commandstats`.",
  );
  p();
  p("![requests per second relative to the framework without sessions](chart.svg)");
  p();
  p("## Headline: requests per second relative to the same framework without sessions");
  p();
  p("| framework | scenario | no session, req/s | sessile | peer | sessile ÷ peer |");
  p("|---|---|---:|---:|---|---:|");
  for (const row of a.headline) {
    const peers = row.peers.length ? row.peers.map((q) => `${q.short} ${fmtX(q.vsBare)}`).join("<br>") : "—";
    const over = row.peers.length ? row.peers.map((q) => fmtX(q.sessileVsPeer)).join("<br>") : "—";
    p(
      `| ${row.framework} | ${label[row.scenario]} | ${fmtInt(row.bareRps)} | ${fmtX(row.sessile?.vsBare)} | ${peers} | ${over} |`,
    );
  }
  p();
  p("## Targets");
  p();
  for (const t of a.targets) {
    p(`- ${t.met === null ? "?" : t.met ? "met" : "**missed**"}: ${t.target} — ${t.detail}`);
  }
  p();
  p("## Every contender");
  p();
  p(
    "Other processes on this shared machine used a median " +
      `${pct(meta.noise.foreignMedian)} of all cores during the runs (at most ${pct(meta.noise.foreignMax)}); ` +
      `the runner waited ${meta.noise.waitedSeconds} s in all for quieter moments. The "others" column is that share per run (median). ` +
      '"app µs" is the CPU time the app process spent per request (median over rounds, all its threads), which depends less ' +
      "on the load generator and on other processes than requests per second do. Redis commands are `INFO commandstats` " +
      "counts, which include the commands a script runs: a compare-and-set `EVALSHA` adds its own `GET` and `SET`, so a " +
      "returning write that sends `GET` + `EVALSHA` shows as GET 2 + EVALSHA 1 + SET 1.",
  );
  p();
  p(
    "| contender | scenario | req/s | per round | × no session | p99 ms | app µs | others | Redis commands per request |",
  );
  p("|---|---|---:|---|---:|---:|---:|---:|---|");
  for (const c of a.contenders) {
    if (c.status !== "ok") continue;
    for (const s of scenarios) {
      const f = c.scenarios[s.id];
      if (!f) continue;
      const errs = f.errors ? ` (${f.errors} errors/non-2xx)` : "";
      p(
        `| ${c.label} | ${label[s.id]} | ${fmtInt(f.rps)}${errs} | ${f.rounds.map((r) => fmtInt(r.rps)).join(", ")} | ` +
          `${c.role === "bare" ? "1" : fmtX(f.vsBare)} | ${f.p99} | ${fmtInt(f.appMicros)} | ${pct(f.foreign)} | ` +
          `${commandsText(f.commandsPerRequest)} |`,
      );
    }
  }
  p();
  const clients = a.contenders.filter(
    (c) => c.framework === "node" && c.role === "sessile" && c.status === "ok",
  );
  if (clients.length > 1) {
    p("## Redis client (sessile/node)");
    p();
    p("| client | scenario | req/s | × node-redis | p99 ms | app µs | Redis µs |");
    p("|---|---|---:|---:|---:|---:|---:|");
    for (const s of scenarios) {
      for (const c of clients) {
        const f = c.scenarios[s.id];
        if (!f) continue;
        const vsNodeRedis = c.id === "sessile-node" ? "1" : fmtX(a.clientRatios?.[c.id]?.[s.id]);
        p(
          `| ${c.label.replace("sessile/node + ", "")} | ${label[s.id]} | ${fmtInt(f.rps)} | ${vsNodeRedis} | ${f.p99} | ` +
            `${fmtInt(f.appMicros)} | ${f.redisMicros === null ? "—" : f.redisMicros.toFixed(1)} |`,
        );
      }
    }
    p();
  }
  renderWrites(a, label, p);
  renderAppCpu(a, label, p);
  p("## One session in Redis and on the wire");
  p();
  p("A new visitor's `/write` (the session holds `views: 1`), on an otherwise empty Redis.");
  p();
  p("| contender | MEMORY USAGE, bytes | stored value, bytes | key | TTL s | Set-Cookie, bytes |");
  p("|---|---:|---:|---|---:|---:|");
  for (const c of a.contenders) {
    const s = c.session;
    if (!s || s.memoryUsage === undefined) continue;
    const cookies = s.setCookieCount > 1 ? ` (${s.setCookieCount} cookies)` : "";
    p(
      `| ${c.label} | ${s.memoryUsage} | ${s.valueBytes} | \`${s.key}\` | ${s.ttl} | ${s.setCookieBytes}${cookies} |`,
    );
  }
  p();
  const notRun = a.contenders.filter((c) => c.status !== "ok");
  if (notRun.length > 0) {
    p("## Not timed");
    p();
    for (const c of notRun) p(`- ${c.label}: ${c.status}${c.reason ? ` — ${c.reason}` : ""}`);
    p();
  }
  p("## Versions");
  p();
  p(
    Object.entries(meta.versions)
      .map(([k, v]) => `${k} ${v}`)
      .join(", "),
  );
  p();
  return `${alignTables(lines).join("\n")}`;
}

const WRITE_IDS = [
  "sessile-node",
  "sessile-node-bound",
  "sessile-node-setxx",
  "sessile-node-setxxget",
  "sessile-node-valkey",
  "sessile-node-ifeq",
  "sessile-node-setxx-valkey",
];

/** Issue 10 and 13 side by side: the write commands and the Redis CPU per call of each. */
function renderWrites(a, label, p) {
  const rows = WRITE_IDS.map((id) => a.contenders.find((c) => c.id === id && c.status === "ok")).filter(
    Boolean,
  );
  if (rows.length < 2) return;
  p("## Writes and bound sessions side by side (sessile/node, one run)");
  p();
  p(
    "The same app with sessile's compare-and-set write (`EVALSHA`), with sessions bound to users, with the plain " +
      '`SET … XX EX` write it replaced, and with the `SET … XX GET` candidate. "Redis µs/call" is `INFO ' +
      'commandstats` usec ÷ calls over the rounds (a script\'s time includes the commands it runs); "× sessile-node" ' +
      "is the median same-round ratio of requests per second.",
  );
  p();
  p(
    "| contender | scenario | req/s | × sessile-node | app µs | Redis µs/request | Redis µs/call by command |",
  );
  p("|---|---|---:|---:|---:|---:|---|");
  for (const s of a.scenarios) {
    for (const c of rows) {
      const f = c.scenarios[s.id];
      if (!f) continue;
      const per = Object.entries(f.usecPerCall ?? {})
        .filter(([n]) => (f.commandsPerRequest[n] ?? 0) >= 0.005)
        .map(([n, v]) => `${n.toUpperCase()} ${v === null ? "—" : v.toFixed(2)}`)
        .join(", ");
      const ratio = c.id === "sessile-node" ? "1" : fmtX(a.writeRatios?.[c.id]?.[s.id], 3);
      p(
        `| ${c.short} | ${label[s.id]} | ${fmtInt(f.rps)} | ${ratio} | ${fmtInt(f.appMicros)} | ` +
          `${f.redisMicros === null ? "—" : f.redisMicros.toFixed(1)} | ${per || "none"} |`,
      );
    }
  }
  p();
}

/** The app µs of `c` on `scenario` and its ratio to the bare framework's in the same figures. */
function cpuCell(micros, c, scenario) {
  const own = micros[c.id]?.[scenario];
  if (own === undefined || own === null) return null;
  const bare = micros[`${c.framework}`]?.[scenario];
  return `${fmtInt(own)}${bare ? ` (${fmtX(own / bare)})` : ""}`;
}

/** Issue 9: the app's CPU per request for every sessile adapter, beside the previous results.json's. */
function renderAppCpu(a, label, p) {
  const rows = a.contenders.filter((c) => c.role === "sessile" && !c.variant && c.status === "ok");
  if (rows.length === 0) return;
  const now = Object.fromEntries(
    a.contenders.map((c) => [
      c.id,
      Object.fromEntries(Object.entries(c.scenarios).map(([s, f]) => [s, f.appMicros])),
    ]),
  );
  const before = a.previous?.appMicros ?? {};
  p("## App CPU per request by adapter");
  p();
  p(
    "CPU time of the app process per request, µs (median over rounds), with its ratio to the same framework without " +
      "sessions in the same run; after the arrow the same figures from the previous results.json" +
      `${a.previous ? ` (${a.previous.date.slice(0, 10)})` : " (none found)"}. On a shared machine the absolute µs move ` +
      "with the load of other processes; the ratio to the bare framework moves much less.",
  );
  p();
  p(`| adapter | ${a.scenarios.map((s) => label[s.id]).join(" | ")} |`);
  p(`|---|${a.scenarios.map(() => "---|").join("")}`);
  for (const c of rows) {
    const cells = a.scenarios.map((s) => {
      const was = cpuCell(before, c, s.id);
      return `${cpuCell(now, c, s.id) ?? "—"}${was === null ? "" : ` ← ${was}`}`;
    });
    p(`| ${c.label} | ${cells.join(" | ")} |`);
  }
  p();
}

/** App µs per request by contender and scenario, from an earlier `analyse()` result (results.json). */
export function previousFigures(old) {
  if (!old?.contenders) return null;
  const appMicros = {};
  for (const c of old.contenders) {
    if (c.status !== "ok") continue;
    appMicros[c.id] = Object.fromEntries(
      Object.entries(c.scenarios).map(([s, f]) => [s, f.appMicros ?? null]),
    );
  }
  return { date: old.meta?.date ?? "unknown", appMicros };
}

/** Pads every Markdown table to aligned columns, the way Biome formats them, so `npm run lint` passes. */
function alignTables(lines) {
  const out = [];
  let i = 0;
  while (i < lines.length) {
    if (!lines[i].startsWith("|")) {
      out.push(lines[i++]);
      continue;
    }
    const block = [];
    while (i < lines.length && lines[i].startsWith("|")) block.push(lines[i++]);
    const rows = block.map((line) =>
      line
        .slice(1, -1)
        .split("|")
        .map((cell) => cell.trim()),
    );
    const right = rows[1].map((cell) => cell.endsWith(":"));
    const width = (text) => [...text].length;
    const widths = rows[0].map((_, col) =>
      Math.max(3, ...rows.filter((_, r) => r !== 1).map((row) => width(row[col] ?? ""))),
    );
    for (const [r, row] of rows.entries()) {
      const cells = widths.map((w, col) => {
        if (r === 1) return right[col] ? `${"-".repeat(w - 1)}:` : "-".repeat(w);
        const text = row[col] ?? "";
        const pad = " ".repeat(w - width(text));
        return right[col] ? pad + text : text + pad;
      });
      out.push(`| ${cells.join(" | ")} |`);
    }
  }
  return out;
}
