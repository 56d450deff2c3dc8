/** `sessiond sessions list|show|revoke|revoke-user`: find and end sessions, as an admin would over REST. */
import type { Command } from "commander";
import { definedOnly } from "../../core/defined-only.js";
import type { Session } from "../../core/model.js";
import type { ListRequest } from "../../core/service.js";
import { wireSession } from "../../http/wire.js";
import { action, integerArg, withRuntime } from "../command.js";
import { withConfigFlags } from "../config-flags.js";
import { isoTime, print, table } from "../output.js";

interface ListOptions {
  tenant?: string;
  user?: string;
  client?: string;
  workspace?: string;
  status?: string;
  limit?: string;
  cursor?: string;
  offset?: string;
}

export function registerSessions(program: Command): void {
  const sessions = program.command("sessions").description("list, show and revoke sessions");

  withConfigFlags(
    sessions
      .command("list")
      .description("list sessions, newest first (deleted ones are left out)")
      .option("--tenant <id>", "only this tenant (default: all tenants)")
      .option("--user <id>", "only this user's sessions")
      .option("--client <id>", "only sessions of this client")
      .option("--workspace <id>", "only sessions in this workspace")
      .option("--status <status>", "only sessions in this status (pending, active, ended, revoked, expired, abandoned, removed, replaced)")
      .option("--limit <n>", "page size, 1 to 500 (default 10)")
      .option("--cursor <cursor>", "continue after the page that returned this next_cursor")
      .option("--offset <n>", "skip this many sessions"),
  ).action(
    action(async (options: ListOptions, command: Command) => {
      const request = listRequest(options);
      const page = await withRuntime(command, (runtime) => runtime.sessions.list(request), { mustExist: true });
      print(command, { data: page.data.map(wireSession), total_count: page.totalCount, next_cursor: page.nextCursor }, () => {
        const summary = `${page.data.length} of ${page.totalCount} session(s)`;
        const next = page.nextCursor === null ? "" : `\nmore: --cursor ${page.nextCursor}`;
        return page.data.length === 0 ? summary : `${sessionTable(page.data)}\n${summary}${next}`;
      });
    }),
  );

  withConfigFlags(
    sessions.command("show").description("show one session, deleted and ended ones too").argument("<session_id>", "the session's id (sess_…)"),
  ).action(
    action(async (id: string, _options: unknown, command: Command) => {
      const session = await withRuntime(command, (runtime) => runtime.sessions.get(id), { mustExist: true });
      print(command, wireSession(session), () => describe(session));
    }),
  );

  withConfigFlags(
    sessions
      .command("revoke")
      .description("revoke one session: its tokens stop working")
      .argument("<session_id>", "the session's id (sess_…)")
      .option("--reason <reason>", "why, kept as end_reason (default: revoked)"),
  ).action(
    action(async (id: string, options: { reason?: string }, command: Command) => {
      const session = await withRuntime(command, (runtime) => runtime.sessions.revoke(id, definedOnly({ reason: options.reason })), { mustExist: true });
      print(command, wireSession(session), () => `revoked ${session.id} of user ${session.userId} (reason: ${session.endReason ?? "-"})`);
    }),
  );

  withConfigFlags(
    sessions
      .command("revoke-user")
      .description("revoke every live session of one user")
      .argument("<user_id>", "the user whose sessions end")
      .option("--tenant <id>", "the user's tenant (default: default)")
      .option("--except <session_id>", "keep this session (e.g. the one the user is using)")
      .option("--reason <reason>", "why, kept as end_reason (default: revoked)"),
  ).action(
    action(async (userId: string, options: { tenant?: string; except?: string; reason?: string }, command: Command) => {
      const { revokedCount } = await withRuntime(
        command,
        (runtime) => runtime.sessions.revokeUser(userId, definedOnly({ tenantId: options.tenant, exceptSessionId: options.except, reason: options.reason })),
        { mustExist: true },
      );
      print(command, { revoked_count: revokedCount }, () => `revoked ${revokedCount} session(s) of user ${userId}`);
    }),
  );
}

function listRequest(o: ListOptions): ListRequest {
  return definedOnly({
    tenantId: o.tenant,
    userId: o.user,
    clientId: o.client,
    workspaceId: o.workspace,
    // The service checks the status against the list of statuses, so a typo is request_invalid, not an empty list.
    status: o.status as ListRequest["status"],
    limit: integerArg("limit", o.limit),
    offset: integerArg("offset", o.offset),
    cursor: o.cursor,
  });
}

function sessionTable(list: Session[]): string {
  return table(
    ["ID", "USER", "STATUS", "LAST ACTIVE", "EXPIRES", "WHERE"],
    list.map((s) => [s.id, s.userId, s.status, isoTime(s.lastActiveAt), isoTime(s.expireAt), [s.location, s.ip].filter((v) => v !== null).join(" / ") || "-"]),
  );
}

/** `key: value` lines of the wire form, instants as ISO so they read at a glance. */
function describe(session: Session): string {
  const entries = Object.entries(wireSession(session)).filter(([key]) => key !== "object");
  const width = Math.max(...entries.map(([key]) => key.length));
  return entries.map(([key, value]) => `${`${key}:`.padEnd(width + 2)}${shown(key, value)}`).join("\n");
}

function shown(key: string, value: unknown): string {
  if (value === null) return "-";
  if (typeof value === "number" && key.endsWith("_at")) return isoTime(value);
  return typeof value === "string" ? value : JSON.stringify(value);
}
