/** Paging keys every store hands out in the same form, so a cursor means the same on each. */
import { SessiondError } from "../core/errors.js";
import type { Page, PageRequest, UserSessions } from "../core/store/index.js";

/** Position in the who-is-online order (last activity desc, user id asc). */
export function userKey(u: Pick<UserSessions, "lastActiveAt" | "userId">): string {
  return `${u.lastActiveAt}:${u.userId}`;
}

/** Reads a key made by {@link userKey}; anything else is a bad cursor. */
export function parseUserKey(key: string): { lastActiveAt: number; userId: string } {
  const colon = key.indexOf(":");
  const lastActiveAt = Number(key.slice(0, colon));
  if (colon < 1 || !Number.isSafeInteger(lastActiveAt)) throw new SessiondError("request_invalid", "cursor is not valid here");
  return { lastActiveAt, userId: key.slice(colon + 1) };
}

/**
 * One page of records a store loaded itself (memory, Redis), given newest first by id: those
 * after `afterKey`, past `offset`, with the last one's id as `nextKey` when more follow.
 */
export function pageById<T extends { id: string }>(newestFirst: readonly T[], page: PageRequest): Page<T> {
  const start = page.afterKey === undefined ? 0 : newestFirst.findIndex((r) => r.id < page.afterKey!);
  const from = (start === -1 ? newestFirst.length : start) + (page.offset ?? 0);
  const items = newestFirst.slice(from, from + page.limit);
  return { items, nextKey: from + page.limit < newestFirst.length ? items[items.length - 1]!.id : null };
}
