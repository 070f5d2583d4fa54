// A visit counter whose sessions are traced and measured with OpenTelemetry: spans and metrics are
// printed to the console. Run: npm run build && REDIS_URL=redis://127.0.0.1:6379 node examples/otel/server.js
import { randomBytes } from "node:crypto";
import http from "node:http";
import {
  ConsoleMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from "@opentelemetry/sdk-metrics";
import { BasicTracerProvider, ConsoleSpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { createClient } from "redis";
import { createSessions, redisStore } from "sessile";
import { sessions } from "sessile/node";
import { instrumentSessile } from "./instrument.js";

const tracerProvider = new BasicTracerProvider({
  spanProcessors: [new SimpleSpanProcessor(new ConsoleSpanExporter())],
});
const meterProvider = new MeterProvider({
  readers: [
    new PeriodicExportingMetricReader({ exporter: new ConsoleMetricExporter(), exportIntervalMillis: 10000 }),
  ],
});
instrumentSessile({ tracer: tracerProvider.getTracer("sessile"), meter: meterProvider.getMeter("sessile") });

const client = createClient({ url: process.env.REDIS_URL ?? "redis://127.0.0.1:6379" });
await client.connect();
const factory = createSessions({
  store: redisStore(client),
  secret: process.env.SESSION_SECRET ?? randomBytes(32).toString("base64url"),
});
http
  .createServer(
    sessions(factory, (req, res) => {
      req.session.data.views = Number(req.session.data.views ?? 0) + 1;
      res.end(`views: ${req.session.data.views}\n`);
    }),
  )
  .listen(Number(process.env.PORT ?? 3000), "127.0.0.1");
