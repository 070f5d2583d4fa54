import { registerBehaviourSpec } from "./behaviour.js";
import { h3SpecApp } from "./h3-app.js";

registerBehaviourSpec("h3", h3SpecApp, { client: "ioredis" });
