import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { MeterProvider, MetricReader } from "@opentelemetry/sdk-metrics";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { afterAll, describe, expect, it } from "vitest";
import { instrumentSessile } from "../examples/otel/instrument.js";
import { sessions } from "../src/adapters/node.js";
import { cookiePair, useRedis } from "./helpers/sessions.js";

/** A reader the test collects from on demand. */
class TestReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

let server: Server | undefined;
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
});

describe("examples/otel with the OpenTelemetry SDK", () => {
  const f = useRedis("node-redis");

  it("makes a span per load and commit with the store commands, and metrics by outcome, kind and command", async () => {
    const exporter = new InMemorySpanExporter();
    const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const reader = new TestReader();
    const meterProvider = new MeterProvider({ readers: [reader] });
    const stop = instrumentSessile({
      tracer: tracerProvider.getTracer("test"),
      meter: meterProvider.getMeter("test"),
    });
    let cookie = "";
    try {
      server = createServer(
        sessions(f.sessions(), (req, res) => {
          req.session.data.views = Number(req.session.data.views ?? 0) + 1;
          res.end("ok");
        }),
      );
      server.listen(0, "127.0.0.1");
      await once(server, "listening");
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      const first = await fetch(url);
      cookie = cookiePair(first.headers.getSetCookie()[0]);
      await (await fetch(url, { headers: { cookie } })).text();
    } finally {
      stop();
    }
    const spans = exporter.getFinishedSpans();
    expect(
      spans.map((s) => [s.name, s.attributes["sessile.outcome"] ?? s.attributes["sessile.write"]]),
    ).toEqual([
      ["sessile.load", "none"],
      ["sessile.commit", "create"],
      ["sessile.load", "loaded"],
      ["sessile.commit", "update"],
    ]);
    expect(spans.map((s) => s.events.map((e) => e.name))).toEqual([[], ["create"], ["get"], ["update"]]);
    for (const span of spans)
      for (const event of span.events) expect(event.attributes?.["sessile.duration_ms"]).toBeGreaterThan(0);
    const id = cookie.split("=")[1]?.split(".")[0] as string;
    expect(JSON.stringify(spans.map((s) => [s.attributes, s.events]))).not.toContain(id);

    const { resourceMetrics } = await reader.collect();
    const metrics = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics);
    const points = (name: string) =>
      metrics
        .find((m) => m.descriptor.name === name)
        ?.dataPoints.map((p) => [
          JSON.stringify(p.attributes),
          typeof p.value === "number" ? p.value : (p.value as { count: number }).count,
        ]);
    expect(points("sessile.loads")).toEqual([
      ['{"outcome":"none"}', 1],
      ['{"outcome":"loaded"}', 1],
    ]);
    expect(points("sessile.writes")).toEqual([
      ['{"kind":"create"}', 1],
      ['{"kind":"update"}', 1],
    ]);
    expect(points("sessile.store.command.duration")).toEqual([
      ['{"command":"create"}', 1],
      ['{"command":"get"}', 1],
      ['{"command":"update"}', 1],
    ]);
    expect(points("sessile.events")).toEqual([['{"event":"created"}', 1]]);
  });
});
