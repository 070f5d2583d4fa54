import { subscribe, unsubscribe } from "node:diagnostics_channel";
import type { TraceContext } from "../core/trace.js";

/** Bucket bounds of the duration histograms, in seconds. */
const SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
/** Bucket bounds of the payload size histogram, in bytes. */
const BYTES = [64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 65536];

type Labels = Readonly<Record<string, string>>;

function labelText(labels: Labels): string {
  const pairs = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, "_")}"`);
  return pairs.length === 0 ? "" : `{${pairs.join(",")}}`;
}

/** A Prometheus counter with labels. */
class Counter {
  readonly #values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  inc(labels: Labels = {}): void {
    const key = labelText(labels);
    this.#values.set(key, (this.#values.get(key) ?? 0) + 1);
  }
  text(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const [labels, value] of this.#values) lines.push(`${this.name}${labels} ${value}`);
    return lines.join("\n");
  }
}

/** A Prometheus histogram with labels. */
class Histogram {
  readonly #series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly bounds: readonly number[],
  ) {}
  observe(value: number, labels: Labels = {}): void {
    const key = labelText(labels);
    let series = this.#series.get(key);
    if (series === undefined) {
      series = { labels, counts: this.bounds.map(() => 0), sum: 0, count: 0 };
      this.#series.set(key, series);
    }
    this.bounds.forEach((bound, i) => {
      if (value <= bound) (series.counts[i] as number)++;
    });
    series.sum += value;
    series.count++;
  }
  text(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const { labels, counts, sum, count } of this.#series.values()) {
      this.bounds.forEach((bound, i) => {
        lines.push(`${this.name}_bucket${labelText({ ...labels, le: String(bound) })} ${counts[i]}`);
      });
      lines.push(`${this.name}_bucket${labelText({ ...labels, le: "+Inf" })} ${count}`);
      lines.push(
        `${this.name}_sum${labelText(labels)} ${sum}`,
        `${this.name}_count${labelText(labels)} ${count}`,
      );
    }
    return lines.join("\n");
  }
}

/** Prometheus metrics of every sessile factory in the process. */
export interface SessileMetrics {
  /** The metrics in the Prometheus text exposition format (version 0.0.4). */
  text(): string;
  /** Stops listening; the figures so far stay readable. */
  close(): void;
}

/** Whether a store failure was a timeout, from what the client threw (the `StoreError`'s cause). */
function isTimeout(error: unknown): boolean {
  const cause = error instanceof Error ? error.cause : undefined;
  const text =
    cause instanceof Error
      ? `${cause.name} ${cause.message} ${String((cause as { code?: unknown }).code)}`
      : "";
  return /timed? ?out|timeout|ETIMEDOUT/i.test(text);
}

function metricSet() {
  return {
    commands: new Counter("sessile_store_commands_total", "Store commands sent, by command"),
    commandSeconds: new Histogram("sessile_store_command_seconds", "Store command duration", SECONDS),
    loads: new Counter("sessile_loads_total", "Session loads, by outcome"),
    loadSeconds: new Histogram("sessile_load_seconds", "Session load duration", SECONDS),
    writes: new Counter("sessile_writes_total", "Commit writes, by kind"),
    commitSeconds: new Histogram("sessile_commit_seconds", "Session commit duration", SECONDS),
    refreshes: new Counter("sessile_refreshes_total", "Stored expiries extended"),
    payload: new Histogram("sessile_payload_bytes", "Payload bytes written", BYTES),
    events: new Counter("sessile_events_total", "Lifecycle events, by event"),
    conflicts: new Counter("sessile_conflicts_total", "Concurrent writes merged with a conflict"),
    invalid: new Counter("sessile_invalid_total", "Presented sessions not used, by reason"),
    invalidated: new Counter("sessile_invalidated_total", "Sessions ended, by cause"),
    storeErrors: new Counter(
      "sessile_store_errors_total",
      "Failed loads and commits, by operation and timeout",
    ),
  };
}

/**
 * Counts what the `sessile:load`, `sessile:commit` and `sessile:event` channels carry, for every factory
 * of the process, and renders it for a Prometheus scrape. Only ever sees handles-free figures: no
 * label holds an id, a handle, a user id or a cookie value.
 */
export function createMetrics(): SessileMetrics {
  const m = metricSet();
  const started = new WeakMap<object, number>();
  const onStart = (context: unknown) => started.set(context as object, performance.now());
  const onEnd = (context: unknown) => {
    const trace = context as TraceContext;
    const seconds = (performance.now() - (started.get(trace) ?? performance.now())) / 1000;
    for (const { command, ms } of trace.commands) {
      m.commands.inc({ command });
      m.commandSeconds.observe(ms / 1000, { command });
    }
    const failed = trace.error !== undefined;
    if (trace.operation === "load") {
      m.loads.inc({ outcome: failed ? "error" : (trace.outcome ?? "none") });
      m.loadSeconds.observe(seconds);
      return;
    }
    m.commitSeconds.observe(seconds);
    m.writes.inc({ kind: failed ? "error" : (trace.write ?? "none") });
    if (trace.refreshed === true) m.refreshes.inc();
    if (trace.payloadBytes !== undefined) m.payload.observe(trace.payloadBytes);
  };
  const onError = (context: unknown) => {
    const trace = context as TraceContext;
    m.storeErrors.inc({ operation: trace.operation, timeout: String(isTimeout(trace.error)) });
  };
  const onEvent = (message: unknown) => {
    const { name, event } = message as { name: string; event: Record<string, unknown> };
    m.events.inc({ event: name });
    if (name === "conflict") m.conflicts.inc();
    if (name === "invalid") m.invalid.inc({ reason: String(event.reason) });
    if (name === "invalidated") m.invalidated.inc({ cause: String(event.cause) });
  };
  const subscriptions: [string, (message: unknown) => void][] = [["sessile:event", onEvent]];
  for (const op of ["load", "commit"]) {
    subscriptions.push(
      [`tracing:sessile:${op}:start`, onStart],
      [`tracing:sessile:${op}:asyncEnd`, onEnd],
      [`tracing:sessile:${op}:error`, onError],
    );
  }
  for (const [name, listener] of subscriptions) subscribe(name, listener);
  return {
    text: () =>
      `${Object.values(m)
        .map((metric) => metric.text())
        .join("\n")}\n`,
    close() {
      for (const [name, listener] of subscriptions) unsubscribe(name, listener);
    },
  };
}
