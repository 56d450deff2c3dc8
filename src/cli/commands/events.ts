/** `sessiond events list`: the event feed (SPEC §9), oldest first, as `GET /v1/events` pages it. */
import type { Command } from "commander";
import { definedOnly } from "../../core/defined-only.js";
import type { Event } from "../../core/events.js";
import { wireEvent } from "../../http/wire.js";
import { action, integerArg, withRuntime } from "../command.js";
import { withConfigFlags } from "../config-flags.js";
import { isoTime, print, table } from "../output.js";

interface ListOptions {
  after?: string;
  type: string[];
  user?: string;
  tenant?: string;
  limit?: string;
}

export function registerEvents(program: Command): void {
  const events = program.command("events").description("the event feed: every change of a session, in commit order");

  withConfigFlags(
    events
      .command("list")
      .description("list events oldest first; continue with --after and the printed cursor (it never runs out: poll with it)")
      .option("--after <position>", "an event id or a next_cursor: only events after it (default: the oldest retained)")
      .option(
        "--type <type>",
        "only this event type, e.g. session.revoked (repeat for more)",
        (value: string, previous: string[]) => [...previous, value],
        [] as string[],
      )
      .option("--user <id>", "only this user's events")
      .option("--tenant <id>", "only this tenant's events (default: every tenant)")
      .option("--limit <n>", "page size, 1 to 500 (default 100)"),
  ).action(
    action(async (options: ListOptions, command: Command) => {
      const request = definedOnly({
        after: options.after,
        types: options.type.length > 0 ? options.type : undefined,
        userId: options.user,
        tenantId: options.tenant,
        limit: integerArg("limit", options.limit),
      });
      const page = await withRuntime(command, (runtime) => runtime.sessions.events.list(request), { mustExist: true });
      print(command, { data: page.data.map(wireEvent), next_cursor: page.nextCursor }, () => {
        const next = `next: --after ${page.nextCursor}`;
        return page.data.length === 0 ? `no events\n${next}` : `${eventTable(page.data)}\n${next}`;
      });
    }),
  );
}

function eventTable(list: Event[]): string {
  return table(
    ["ID", "TYPE", "TENANT", "USER", "SESSION", "AT", "BY"],
    list.map((e) => [
      e.id,
      e.type,
      e.tenantId,
      e.data.userId,
      e.data.id,
      isoTime(e.timestamp),
      e.initiatedBy.id === null ? e.initiatedBy.type : `${e.initiatedBy.type} ${e.initiatedBy.id}`,
    ]),
  );
}
