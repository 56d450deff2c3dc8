/** `sessiond webhooks create|list|delete|test|deliveries`: webhook endpoints (SPEC §9), as the root key manages them over REST. */
import type { Command } from "commander";
import { definedOnly } from "../../core/defined-only.js";
import type { WebhookDelivery, WebhookEndpoint, WebhookFormat } from "../../core/webhooks.js";
import { wireWebhookDelivery, wireWebhookEndpoint, wireWebhookEndpointWithSecret } from "../../http/wire.js";
import { action, integerArg, withRuntime } from "../command.js";
import { withConfigFlags } from "../config-flags.js";
import { isoTime, print, table } from "../output.js";

interface CreateOptions {
  tenant?: string;
  type: string[];
  description?: string;
  format?: string;
  audience?: string;
}

/** The key that seals secrets is needed to create one: its flags show in the command's help. */
const SEALING_FLAGS = ["keyEncryptionKeyFile", "keyEncryptionKey"];

export function registerWebhooks(program: Command): void {
  const webhooks = program.command("webhooks").description("webhook endpoints: create, list, delete, test, deliveries");

  withConfigFlags(
    webhooks
      .command("create")
      .description("create a webhook endpoint; it gets events from now on, and its signing secret is shown only this once")
      .argument("<url>", "where events are POSTed (http or https, no user name or password)")
      .option("--tenant <id>", "only this tenant's events (default: every tenant's)")
      .option(
        "--type <type>",
        "an event type to send, e.g. session.revoked (repeat for more; default: every type)",
        (value: string, previous: string[]) => [...previous, value],
        [] as string[],
      )
      .option("--description <text>", "what the endpoint is for")
      .option("--format <format>", "standard_webhooks (default) or oidc_backchannel_logout (back-channel logout tokens; needs --audience)")
      .option("--audience <aud>", "the aud of back-channel logout tokens: the relying party's client id"),
    SEALING_FLAGS,
  ).action(
    action(async (url: string, options: CreateOptions, command: Command) => {
      const request = {
        url,
        ...definedOnly({
          tenantId: options.tenant,
          eventTypes: options.type.length > 0 ? options.type : undefined,
          description: options.description,
          format: options.format as WebhookFormat | undefined,
          audience: options.audience,
        }),
      };
      const created = await withRuntime(command, (runtime) => runtime.sessions.webhooks.create(request));
      print(
        command,
        wireWebhookEndpointWithSecret(created),
        () =>
          `created webhook endpoint ${created.id} for ${created.tenantId === null ? "every tenant" : `tenant ${created.tenantId}`}: ${created.url}\n` +
          `Its signing secret is shown only this once; store it now:\n\n  ${created.secret}\n`,
      );
    }),
  );

  withConfigFlags(webhooks.command("list").description("list webhook endpoints").option("--tenant <id>", "only this tenant's endpoints")).action(
    action(async (options: { tenant?: string }, command: Command) => {
      const list = await withRuntime(command, (runtime) => runtime.sessions.webhooks.list(definedOnly({ tenantId: options.tenant })), { mustExist: true });
      print(command, { data: list.map(wireWebhookEndpoint) }, () => (list.length === 0 ? "no webhook endpoints" : endpointTable(list)));
    }),
  );

  withConfigFlags(
    webhooks.command("delete").description("delete a webhook endpoint with its queue and delivery log").argument("<endpoint_id>", "the endpoint's id (whe_…)"),
  ).action(
    action(async (id: string, _options: unknown, command: Command) => {
      const deleted = await withRuntime(command, (runtime) => runtime.sessions.webhooks.delete(id), { mustExist: true });
      print(command, wireWebhookEndpoint(deleted), () => `deleted webhook endpoint ${deleted.id} (${deleted.url})`);
    }),
  );

  withConfigFlags(
    webhooks
      .command("test")
      .description("send a webhook.test event to the endpoint now and show the attempt")
      .argument("<endpoint_id>", "the endpoint's id (whe_…)"),
    SEALING_FLAGS,
  ).action(
    action(async (id: string, _options: unknown, command: Command) => {
      const delivery = await withRuntime(command, (runtime) => runtime.sessions.webhooks.test(id), { mustExist: true });
      print(command, wireWebhookDelivery(delivery), () => `test event ${delivery.eventId} to ${id}: ${outcome(delivery)}`);
    }),
  );

  withConfigFlags(
    webhooks
      .command("deliveries")
      .description("the endpoint's delivery log: one line per attempt, newest first")
      .argument("<endpoint_id>", "the endpoint's id (whe_…)")
      .option("--limit <n>", "page size, 1 to 500 (default 10)")
      .option("--cursor <cursor>", "continue after the page that returned this next_cursor"),
  ).action(
    action(async (id: string, options: { limit?: string; cursor?: string }, command: Command) => {
      const paging = definedOnly({ limit: integerArg("limit", options.limit), cursor: options.cursor });
      const page = await withRuntime(command, (runtime) => runtime.sessions.webhooks.deliveries(id, paging), { mustExist: true });
      print(command, { data: page.data.map(wireWebhookDelivery), next_cursor: page.nextCursor }, () => {
        if (page.data.length === 0) return "no delivery attempts";
        const rows = page.data.map((d) => [
          isoTime(d.at),
          d.eventId,
          String(d.attempt),
          d.status,
          d.responseStatus === null ? "-" : String(d.responseStatus),
          String(d.durationMs),
          isoTime(d.nextAttemptAt),
        ]);
        const next = page.nextCursor === null ? "" : `\nmore: --cursor ${page.nextCursor}`;
        return table(["AT", "EVENT", "ATTEMPT", "STATUS", "HTTP", "MS", "NEXT ATTEMPT"], rows) + next;
      });
    }),
  );
}

function endpointTable(list: WebhookEndpoint[]): string {
  return table(
    ["ID", "TENANT", "URL", "TYPES", "FORMAT", "STATE", "CREATED"],
    list.map((e) => [
      e.id,
      e.tenantId ?? "(all)",
      e.url,
      e.eventTypes.length === 0 ? "(all)" : e.eventTypes.join(","),
      e.format,
      e.disabled ? "disabled" : "enabled",
      isoTime(e.createdAt),
    ]),
  );
}

function outcome(d: WebhookDelivery): string {
  const answer = d.responseStatus === null ? "no answer" : `HTTP ${d.responseStatus}`;
  return `${d.status} (${answer}, ${d.durationMs} ms)`;
}
