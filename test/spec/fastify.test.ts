import { registerBehaviourSpec } from "./behaviour.js";
import { fastifySpecApp } from "./fastify-app.js";

registerBehaviourSpec("fastify", fastifySpecApp, { client: "ioredis" });
