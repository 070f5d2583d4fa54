import { registerBehaviourSpec } from "./behaviour.js";
import { fetchSpecApp } from "./fetch-app.js";

registerBehaviourSpec("fetch", fetchSpecApp, { client: "node-redis" });
