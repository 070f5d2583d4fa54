import { registerBehaviourSpec } from "./behaviour.js";
import { nodeSpecApp } from "./node-app.js";

registerBehaviourSpec("node", nodeSpecApp, { client: "ioredis" });
