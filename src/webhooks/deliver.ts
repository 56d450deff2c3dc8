/**
 * One delivery attempt: a POST to the endpoint, judged by its status only. Redirects are not
 * followed, the response body is read up to a small cap and the connection dropped, and every
 * failure (refused, reset, timeout, DNS, a refused address) is an answer, never a throw.
 */
import { lookup as dnsLookup } from "node:dns/promises";
import { Agent as HttpAgent, type IncomingMessage, request as httpRequest } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { isIP } from "node:net";
import { isForbiddenAddress } from "./address-guard.js";

/** A receiver's answer is read this far (for nothing but draining); a huge body costs no more. */
export const RESPONSE_CAP_BYTES = 4096;
export const DELIVERY_TIMEOUT_MS = 15_000;

/**
 * Connections are kept between attempts: a new one per attempt costs a third of an attempt's CPU
 * and, at a thousand events a second, runs the machine out of ports in TIME_WAIT. A pooled
 * connection was made to an address that passed the guard, and the guard still runs before every
 * attempt. An idle one is dropped after 2 s, before receivers drop it (Node's 5 s, nginx's 75 s),
 * so an attempt rarely meets a connection closed under it.
 */
const KEEP_ALIVE = { keepAlive: true, timeout: 2_000, maxSockets: 64, maxFreeSockets: 64 };
const httpAgent = new HttpAgent(KEEP_ALIVE);
const httpsAgent = new HttpsAgent(KEEP_ALIVE);

export interface DeliveryRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  /** Whole attempt, from the DNS lookup to the status. */
  timeoutMs: number;
  allowPrivate: boolean;
  /** Aborts the attempt (a stopping dispatcher). */
  signal?: AbortSignal;
  /** Resolves a host name to its addresses (default: the system resolver, as `dns.lookup`). */
  resolve?: Resolver;
}

export type Resolver = (hostname: string) => Promise<{ address: string; family: number }[]>;

const systemResolver: Resolver = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

export interface DeliveryResult {
  ok: boolean;
  /** The receiver's status, null when none came. */
  status: number | null;
  durationMs: number;
  /** Why it failed without a status: a short code, never the URL or a header. */
  error: string | null;
}

/**
 * The address to connect to: the first resolved one allowed. The connection is made to this very
 * address (the request names the address, the Host header and TLS name the host), so DNS
 * rebinding cannot swap it after the check, and pooled connections are kept per address.
 */
async function resolveAllowed(hostname: string, allowPrivate: boolean, resolve: Resolver): Promise<{ address: string; family: number } | string> {
  const bare = hostname.startsWith("[") ? hostname.slice(1, -1) : hostname;
  const family = isIP(bare);
  const candidates = family !== 0 ? [{ address: bare, family }] : await resolve(bare);
  const allowed = candidates.find((c) => allowPrivate || !isForbiddenAddress(c.address));
  return allowed ?? "address_not_allowed";
}

function errorCode(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (typeof code === "string") return code.toLowerCase();
  const message = error instanceof Error ? error.message : String(error);
  return message.slice(0, 80);
}

/** Sends one attempt; resolves with how it went (never rejects). */
export async function deliver(req: DeliveryRequest): Promise<DeliveryResult> {
  const started = performance.now();
  const done = (status: number | null, error: string | null): DeliveryResult => ({
    ok: status !== null && status >= 200 && status < 300,
    status,
    durationMs: Math.round(performance.now() - started),
    error,
  });
  let url: URL;
  try {
    url = new URL(req.url);
  } catch {
    return done(null, "invalid_url");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return done(null, "unsupported_scheme");
  const timeout = AbortSignal.timeout(req.timeoutMs);
  const signal = req.signal === undefined ? timeout : AbortSignal.any([timeout, req.signal]);
  try {
    const target = await raceAbort(resolveAllowed(url.hostname, req.allowPrivate, req.resolve ?? systemResolver), signal);
    if (typeof target === "string") return done(null, target);
    const status = await post(url, target, req, signal);
    return done(status, null);
  } catch (error) {
    return done(null, timeout.aborted ? "timeout" : req.signal?.aborted ? "aborted" : errorCode(error));
  }
}

function raceAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

function post(url: URL, target: { address: string; family: number }, req: DeliveryRequest, signal: AbortSignal): Promise<number> {
  const [send, agent] = url.protocol === "https:" ? [httpsRequest, httpsAgent] : [httpRequest, httpAgent];
  const body = Buffer.from(req.body);
  return new Promise<number>((resolve, reject) => {
    const hostname = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
    const request = send({
      protocol: url.protocol,
      host: target.address,
      family: target.family,
      port: url.port === "" ? undefined : Number(url.port),
      path: `${url.pathname}${url.search}`,
      method: "POST",
      headers: { ...req.headers, host: url.host, "content-length": String(body.length), "user-agent": "sessiond-webhooks" },
      ...(isIP(hostname) === 0 ? { servername: hostname } : {}),
      agent,
      signal,
    });
    request.on("error", reject);
    request.on("response", (res: IncomingMessage) => {
      // The status is the answer. A short body is read to its end, so the connection can serve
      // the next attempt; past the cap the connection is dropped instead of reading on.
      resolve(res.statusCode ?? 0);
      let read = 0;
      res.on("data", (chunk: Buffer) => {
        read += chunk.length;
        if (read >= RESPONSE_CAP_BYTES) res.destroy();
      });
      res.on("error", () => undefined);
    });
    request.end(body);
  });
}
