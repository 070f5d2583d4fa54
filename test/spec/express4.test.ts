// Express 4 (installed as the alias "express4"), driven by the same spec app as Express 5.

import type express from "express";
import express4 from "express4";
import { registerBehaviourSpec } from "./behaviour.js";
import { expressSpecApp } from "./express-app.js";

registerBehaviourSpec("express (Express 4)", expressSpecApp(express4 as unknown as typeof express), {
  client: "ioredis",
});
