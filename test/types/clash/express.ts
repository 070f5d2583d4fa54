// Expected NOT to compile: sessile/express declares `req.session` as sessile's Session, express-session
// declares it as its own; one program cannot hold both declarations. side-by-side/ shows the way out.
import express from "express";
import session from "express-session";
import { sessions } from "../../../src/adapters/express.js";
import { createSessions, memoryStore } from "../../../src/index.js";

const app = express();
app.use(session({ secret: "legacy secret", resave: false, saveUninitialized: false }));
app.use(sessions(createSessions({ store: memoryStore(), secret: "x".repeat(32) }), { name: "sessile" }));
