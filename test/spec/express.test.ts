import express from "express";
import { registerBehaviourSpec } from "./behaviour.js";
import { expressSpecApp } from "./express-app.js";

registerBehaviourSpec("express", expressSpecApp(express), { client: "node-redis" });
