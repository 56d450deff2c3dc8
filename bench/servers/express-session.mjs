/**
 * Peer: express-session with connect-redis (node-redis) at BENCH_REDIS_URL under BENCH_REDIS_PREFIX.
 * POST /login stores a session (a user and device record about the size of a sessiond session);
 * GET /session loads it (store read per request) and answers it as JSON. BENCH_PORT.
 */
import express from "express";
import session from "express-session";
import { RedisStore } from "connect-redis";
import { createClient } from "redis";

const client = await createClient({ url: process.env.BENCH_REDIS_URL }).connect();
const app = express();
app.use(express.json());
app.use(
  session({
    store: new RedisStore({ client, prefix: process.env.BENCH_REDIS_PREFIX }),
    secret: "bench-secret-bench-secret-bench-secret-0123",
    resave: false,
    saveUninitialized: false,
    cookie: { maxAge: 7 * 86_400_000 },
  }),
);
app.post("/login", (req, res) => {
  req.session.user = req.body;
  res.json({ ok: true });
});
app.get("/session", (req, res) => {
  if (req.session.user === undefined) return res.status(401).json({ code: "token_invalid" });
  res.json({ object: "session", id: req.sessionID, ...req.session.user });
});
const server = app.listen(Number(process.env.BENCH_PORT), "127.0.0.1");
server.keepAliveTimeout = 60_000;
