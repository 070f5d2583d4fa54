// CPU per request of load + change + commit on memoryStore (no network), for issue 16's overhead figures:
// node bench/observe.js [dist-dir] [none|metrics|otel]. Runs ROUNDS alternating rounds and prints the median.
import { performance } from "node:perf_hooks";

const dist = process.argv[2] ?? new URL("../dist", import.meta.url).pathname;
const mode = process.argv[3] ?? "none";
const { createSessions, memoryStore } = await import(`${dist}/index.js`);
const N = 20000;
const ROUNDS = 7;

if (mode === "metrics") {
  const { createMetrics } = await import(`${dist}/metrics/index.js`);
  createMetrics();
} else if (mode === "otel") {
  const { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } = await import(
    "@opentelemetry/sdk-trace-base"
  );
  const { MeterProvider } = await import("@opentelemetry/sdk-metrics");
  const { instrumentSessile } = await import("../examples/otel/instrument.js");
  const exporter = new InMemorySpanExporter();
  const tracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }).getTracer(
    "b",
  );
  instrumentSessile({ tracer, meter: new MeterProvider().getMeter("b") });
  setInterval(() => exporter.reset(), 100).unref();
}

const factory = createSessions({ store: memoryStore(), secret: "x".repeat(32), touchInterval: 0 });
const first = await factory.load(undefined);
first.data.n = 0;
const header = (await factory.commit(first)).setCookie.split(";")[0];

async function round() {
  const started = performance.now();
  for (let i = 0; i < N; i++) {
    const session = await factory.load(header);
    session.data.n = i;
    await factory.commit(session);
  }
  return ((performance.now() - started) * 1000) / N;
}

await round();
const times = [];
for (let r = 0; r < ROUNDS; r++) times.push(await round());
times.sort((a, b) => a - b);
console.log(
  `${mode}: ${times[Math.floor(ROUNDS / 2)].toFixed(2)} µs per request (median of ${ROUNDS} × ${N})`,
);
