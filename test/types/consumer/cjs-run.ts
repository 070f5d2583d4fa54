// A CommonJS program that requires the packed package at run time (Node's require of an ES module).
import { createSessions, memoryStore } from "sessile";

const factory = createSessions({ store: memoryStore(), secret: "x".repeat(32) });
console.log(`sessile from CommonJS: ${typeof factory.load}`);
