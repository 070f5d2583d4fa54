// Koa 2 (installed as the alias "koa2"), driven by the same spec app as Koa 3.
import type Koa from "koa";
import Koa2 from "koa2";
import { registerBehaviourSpec } from "./behaviour.js";
import { koaSpecApp } from "./koa-app.js";

registerBehaviourSpec("koa (Koa 2)", koaSpecApp(Koa2 as unknown as typeof Koa), { client: "ioredis" });
