import { registerBehaviourSpec } from "./behaviour.js";
import { honoSpecApp } from "./hono-app.js";

registerBehaviourSpec("hono", honoSpecApp, { client: "ioredis" });
