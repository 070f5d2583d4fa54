// Wires sessile's diagnostics channels to OpenTelemetry: a span per load and per commit (with one span
// event per store command, timed), and metrics through a meter. Nothing in sessile is patched.
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { SpanStatusCode } from "@opentelemetry/api";

/**
 * Subscribes to `sessile:load`, `sessile:commit` and `sessile:event`; returns a function that
 * unsubscribes. No attribute ever holds an id or a cookie value (sessile never puts one in a context).
 */
export function instrumentSessile({ tracer, meter }) {
  const spans = new WeakMap();
  const commandDuration = meter.createHistogram("sessile.store.command.duration", {
    unit: "ms",
    description: "Duration of each store command sessile sent",
  });
  const loads = meter.createCounter("sessile.loads", { description: "Session loads, by outcome" });
  const writes = meter.createCounter("sessile.writes", { description: "Commit writes, by kind" });
  const events = meter.createCounter("sessile.events", { description: "Lifecycle events, by name" });

  const start = (context) => {
    spans.set(
      context,
      tracer.startSpan(`sessile.${context.operation}`, {
        attributes: { "sessile.cookie": context.cookieName },
      }),
    );
  };
  const error = (context) => {
    const span = spans.get(context);
    span?.recordException(context.error);
    span?.setStatus({ code: SpanStatusCode.ERROR, message: String(context.error?.message ?? context.error) });
  };
  const asyncEnd = (context) => {
    const span = spans.get(context);
    const failed = context.error !== undefined;
    for (const { command, ms, failed: commandFailed } of context.commands) {
      span?.addEvent(command, { "sessile.duration_ms": ms, "sessile.failed": commandFailed });
      commandDuration.record(ms, { command });
    }
    if (context.operation === "load") {
      const outcome = failed ? "error" : (context.outcome ?? "none");
      span?.setAttribute("sessile.outcome", outcome);
      loads.add(1, { outcome });
    } else {
      const kind = failed ? "error" : (context.write ?? "none");
      span?.setAttribute("sessile.write", kind);
      if (context.payloadBytes !== undefined)
        span?.setAttribute("sessile.payload_bytes", context.payloadBytes);
      writes.add(1, { kind });
    }
    span?.setAttribute("sessile.commands", context.commands.length);
    span?.end();
    spans.delete(context);
  };
  const onEvent = ({ name }) => events.add(1, { event: name });

  const subscriptions = [["sessile:event", onEvent]];
  for (const op of ["load", "commit"]) {
    subscriptions.push([`tracing:sessile:${op}:start`, start]);
    subscriptions.push([`tracing:sessile:${op}:error`, error]);
    subscriptions.push([`tracing:sessile:${op}:asyncEnd`, asyncEnd]);
  }
  for (const [name, listener] of subscriptions) subscribe(name, listener);
  return () => {
    for (const [name, listener] of subscriptions) unsubscribe(name, listener);
  };
}
