import type { Meter, Tracer } from "@opentelemetry/api";

/** Subscribes sessile's channels to a tracer and a meter; returns a function that unsubscribes. */
export function instrumentSessile(options: { tracer: Tracer; meter: Meter }): () => void;
