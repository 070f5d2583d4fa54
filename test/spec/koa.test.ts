import Koa from "koa";
import { registerBehaviourSpec } from "./behaviour.js";
import { koaSpecApp } from "./koa-app.js";

registerBehaviourSpec("koa", koaSpecApp(Koa), { client: "node-redis" });
