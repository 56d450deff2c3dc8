/**
 * Proof that a load with activity due on every request really recorded an activity for each
 * verify: after the load, every token's session is asked for its newest activities through the
 * server that verified (GET /v1/sessions/{id}/activities, so writes still pending there count,
 * as the read-your-writes rule promises), and those must be the addresses its latest verifies
 * sent, newest first. A server that skipped, sampled or merged activity writes shows here as
 * fewer written than verified. Where the server counts its activity writes on /metrics, that
 * count is compared with the verifies sent as well (in the notes).
 */
import { addressOf } from "./addresses.mjs";
import type { Context, Measurement } from "./context.js";
import { inParallel } from "./load.js";
import type { Server } from "./processes.js";
import { ROOT_KEY, activityDueVerify, verifyRequests } from "./serve.js";
import { type Check, check } from "./table.js";

/** Activities a session keeps by default (SESSIOND_ACTIVITY_HISTORY_LIMIT): the newest ones are compared. */
const HISTORY = 20;
/**
 * The newest stored activity may be one of a token's last few requests rather than its last:
 * the requests in flight when the load generator stopped were sent but may not have been served.
 */
const IN_FLIGHT_SLACK = 2;

export interface ActivityCheck {
  /** Sessions whose activities were compared. */
  sessions: number;
  /** Verifies compared (each session's latest, up to HISTORY) and how many of them left an activity. */
  compared: number;
  written: number;
}

/**
 * `tokens` as cycled by the load (request n verified token n mod T from `addressOf(n)`), and the
 * cursor range [from, to) of the run just made on `server`.
 */
export async function checkActivityWritten(server: Server, tokens: string[], range: { from: number; to: number }): Promise<ActivityCheck> {
  const results = await inParallel(tokens.length, 8, async (t) => {
    // The addresses token t was verified from in this run, newest first.
    const sent: string[] = [];
    const last = range.to - 1 - ((((range.to - 1 - t) % tokens.length) + tokens.length) % tokens.length);
    for (let n = last; n >= range.from && sent.length < HISTORY + IN_FLIGHT_SLACK; n -= tokens.length) sent.push(addressOf(n));
    const id = tokens[t]!.slice(0, tokens[t]!.indexOf("."));
    const response = await fetch(`${server.url}/v1/sessions/${id}/activities?limit=${HISTORY}`, { headers: { authorization: `Bearer ${ROOT_KEY}` } });
    if (!response.ok) throw new Error(`GET activities of a bench session answered ${response.status}: ${(await response.text()).slice(0, 200)}`);
    const stored = ((await response.json()) as { data: { ip_address: string | null }[] }).data.map((a) => a.ip_address);
    const newest = sent.indexOf(stored[0] ?? "");
    const skip = newest >= 0 && newest <= IN_FLIGHT_SLACK ? newest : 0;
    const window = sent.slice(skip, skip + HISTORY);
    const found = new Set(stored);
    return { compared: window.length, written: window.filter((address) => found.has(address)).length };
  });
  return {
    sessions: tokens.length,
    compared: results.reduce((sum, r) => sum + r.compared, 0),
    written: results.reduce((sum, r) => sum + r.written, 0),
  };
}

export interface ActivityDueRun {
  measurement: Measurement;
  written: ActivityCheck;
}

/** A counter's value on the server's /metrics, NaN when it exports none by that name. */
export async function metric(server: Server, name: string): Promise<number> {
  const text = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${ROOT_KEY}` } }).then((r) => (r.ok ? r.text() : ""));
  const line = text.split("\n").find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line === undefined ? NaN : Number(line.slice(line.lastIndexOf(" ") + 1));
}

/** The server's count of activity writes, where it exports one (sessiond_activity_writes_total). */
export const WRITES = "sessiond_activity_writes_total";

/**
 * Verify with activity due on every request, on a running server at each of
 * `options.connections`, each load followed by {@link checkActivityWritten}; where the server
 * counts its activity writes on /metrics, the note compares that count with the verifies sent.
 */
export async function measureActivityDue(ctx: Context, scenario: string, variant: string, server: Server, tokens: string[]): Promise<ActivityDueRun[]> {
  const vary = activityDueVerify(tokens);
  const runs: ActivityDueRun[] = [];
  for (const connections of ctx.options.connections) {
    const before = await metric(server, WRITES);
    const measurement = await ctx.measure(scenario, variant, server, verifyRequests(tokens), { connections, vary });
    const written = await checkActivityWritten(server, tokens, measurement.varied!);
    const { from, to } = measurement.varied!;
    const counted = (await metric(server, WRITES)) - before;
    // The probe before the load is one more verify with activity due (from the socket's address).
    const sent = to - from + 1;
    const byMetric = Number.isNaN(counted)
      ? ""
      : `; ${WRITES} grew by ${counted.toLocaleString("en")} while ${sent.toLocaleString("en")} such verifies were sent (warm-up included; those in flight at the end may not have been served)`;
    ctx.notes.push(`Activity due, ${connections} connections: ${writtenText(written)} (GET /v1/sessions/{id}/activities after the load)${byMetric}.`);
    runs.push({ measurement, written });
  }
  return runs;
}

/** The check's row target: at least 99 % of the compared verifies left their activity. */
export function writtenCheck(c: ActivityCheck): Check {
  return check("activity written per verify", (c.written / c.compared) * 100, "≥", 99, " %");
}

export const writtenText = (c: ActivityCheck): string =>
  `activity stored for ${c.written.toLocaleString("en")} of the ${c.compared.toLocaleString("en")} latest verifies of its ${c.sessions.toLocaleString("en")} sessions`;
