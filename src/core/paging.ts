/** Paging of the service's listings: the page they answer, and limit, offset or cursor, checked before any store call. */
import { SessiondError } from "./errors.js";
import { definedOnly } from "./defined-only.js";
import * as input from "./input.js";
import type { PageRequest } from "./store/index.js";

/** One page of results; `nextCursor` is null on the last page. */
export interface Paged<T> {
  data: T[];
  nextCursor: string | null;
}

/** A page request; a cursor must hold a position of the listing it is used on (`keyShape`). */
export function pageRequest(req: { limit?: number; offset?: number; cursor?: string }, keyShape?: RegExp): PageRequest {
  const afterKey = input.decodeCursor(req.cursor);
  if (afterKey !== undefined && keyShape !== undefined && !keyShape.test(afterKey))
    throw new SessiondError("request_invalid", "cursor is not valid here", { details: { field: "cursor" } });
  const offset = input.offset(req.offset);
  if (afterKey !== undefined && offset > 0) throw new SessiondError("request_invalid", "use either offset or cursor, not both");
  return { limit: input.pageLimit(req.limit), offset, ...definedOnly({ afterKey }) };
}
