/**
 * The core's half of the outbox (SPEC §9): who caused a write and what was new about the
 * device, stamped on the write so the store can store the events in the same atomic step.
 */
import type { ServiceContext, Scope } from "./context.js";
import { type EventStamp, type InitiatedBy, type Signals, newEventStamp } from "./events.js";
import type { ActivityRecord, SessionRecord } from "./model.js";
import type { Seen } from "./store/index.js";

/** How many of the user's sessions (newest first) a sign-in is compared with. */
const SIGNAL_SESSIONS = 100;

/** The library's caller, when a call names no one: it acts with the app's own rights, as an API key would. */
const APP: InitiatedBy = Object.freeze({ type: "api_key", id: null });

export function initiatorOf(scope: Scope | undefined): InitiatedBy {
  return scope?.initiatedBy ?? APP;
}

/** The end user themself: a verify, a refresh, a one-time use. */
export function userOf(record: Pick<SessionRecord, "userId">): InitiatedBy {
  return { type: "user", id: record.userId };
}

/** The stamp of one write, or undefined when this service writes no events. */
export function stampFor(ctx: ServiceContext, by: InitiatedBy, signals?: Signals): EventStamp | undefined {
  return ctx.events ? newEventStamp(ctx.random, ctx.clock.now(), by, signals) : undefined;
}

const deviceOf = (a: ActivityRecord) => `${a.deviceType}\u0000${a.osName}\u0000${a.browserName}`;

/**
 * Whether `activity` shows a device (type + OS + browser), a country or a browser that none of
 * the user's other retained sessions (their latest activity) and none of `earlier` showed. An
 * unknown value is never "new": nothing can be said about it.
 */
export async function signalsFor(
  ctx: ServiceContext,
  session: Pick<SessionRecord, "id" | "tenantId" | "userId">,
  activity: ActivityRecord | null,
  earlier: ActivityRecord | null = null,
): Promise<Signals | undefined> {
  if (!ctx.events) return undefined;
  if (activity === null) return { newDevice: false, newCountry: false, newBrowser: false };
  const others = await seenByOthers(ctx, session, activity);
  const mine = earlier === null ? { device: false, country: false, browser: false } : seenIn([earlier], activity);
  const known = (value: string | null) => value !== null;
  return {
    newDevice: (known(activity.deviceType) || known(activity.osName) || known(activity.browserName)) && !others.device && !mine.device,
    newCountry: known(activity.country) && !others.country && !mine.country,
    newBrowser: known(activity.browserName) && !others.browser && !mine.browser,
  };
}

/** The store's few index seeks where it has them, else a list of the user's newest sessions. */
async function seenByOthers(ctx: ServiceContext, session: Pick<SessionRecord, "id" | "tenantId" | "userId">, activity: ActivityRecord): Promise<Seen> {
  const { deviceType, osName, browserName, country } = activity;
  if (ctx.sessions.seenBefore !== undefined)
    return ctx.sessions.seenBefore({ tenantId: session.tenantId, userId: session.userId, exceptId: session.id, deviceType, osName, browserName, country });
  const page = await ctx.sessions.list({ tenantId: session.tenantId, userId: session.userId, nowMs: ctx.clock.now() }, { limit: SIGNAL_SESSIONS });
  return seenIn(
    page.items.filter((s) => s.id !== session.id && s.latestActivity !== null).map((s) => s.latestActivity!),
    activity,
  );
}

function seenIn(activities: readonly ActivityRecord[], activity: ActivityRecord): Seen {
  return {
    device: activities.some((a) => deviceOf(a) === deviceOf(activity)),
    country: activity.country !== null && activities.some((a) => a.country === activity.country),
    browser: activity.browserName !== null && activities.some((a) => a.browserName === activity.browserName),
  };
}
