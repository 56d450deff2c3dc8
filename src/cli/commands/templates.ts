/** `sessiond templates list|show|set|delete`: a tenant's JWT templates. */
import type { Command } from "commander";
import { DEFAULT_TENANT_ID } from "../../core/defaults.js";
import { definedOnly, ifGiven } from "../../core/defined-only.js";
import { SessiondError } from "../../core/errors.js";
import type { JwtTemplateRecord } from "../../core/store/index.js";
import { wireTemplate } from "../../http/wire.js";
import { action, integerArg, withRuntime } from "../command.js";
import { withConfigFlags } from "../config-flags.js";
import { isoTime, print, table } from "../output.js";

const describe = (t: JwtTemplateRecord) =>
  [
    `template ${t.name} (tenant ${t.tenantId})`,
    `  claims:         ${JSON.stringify(t.claims)}`,
    `  session fields: ${t.sessionFields.join(", ") || "-"}`,
    `  lifetime:       ${t.lifetimeSeconds === null ? "default" : `${t.lifetimeSeconds} s`}`,
    `  updated:        ${isoTime(t.updatedAt)}`,
  ].join("\n");

/** `a, b,c` → `["a", "b", "c"]`. */
function listArg(raw: string): string[] {
  return raw
    .split(",")
    .map((f) => f.trim())
    .filter((f) => f !== "");
}

function claimsArg(raw: string | undefined): Record<string, unknown> | undefined {
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(raw) as Record<string, unknown>;
  } catch {
    throw new SessiondError("request_invalid", '--claims must be a JSON object, e.g. \'{"role":"user"}\'', { details: { field: "claims" } });
  }
}

export function registerTemplates(program: Command): void {
  const templates = program.command("templates").description("a tenant's JWT templates: named claim sets for /v1/sessions/{id}/tokens/{template}");
  const tenantOption = (command: Command) => command.option("--tenant <id>", "the tenant", DEFAULT_TENANT_ID);

  withConfigFlags(tenantOption(templates.command("list").description("list a tenant's JWT templates"))).action(
    action(async (options: { tenant: string }, command: Command) => {
      const list = await withRuntime(command, (runtime) => runtime.sessions.templates.list(options.tenant), { mustExist: true });
      print(command, { data: list.map(wireTemplate) }, () =>
        list.length === 0
          ? "no JWT templates"
          : table(
              ["NAME", "SESSION FIELDS", "LIFETIME", "UPDATED"],
              list.map((t) => [
                t.name,
                t.sessionFields.join(",") || "-",
                t.lifetimeSeconds === null ? "default" : `${t.lifetimeSeconds}s`,
                isoTime(t.updatedAt),
              ]),
            ),
      );
    }),
  );

  withConfigFlags(tenantOption(templates.command("show").description("show one JWT template").argument("<name>"))).action(
    action(async (name: string, options: { tenant: string }, command: Command) => {
      const template = await withRuntime(command, (runtime) => runtime.sessions.templates.get(options.tenant, name), { mustExist: true });
      print(command, wireTemplate(template), () => describe(template));
    }),
  );

  withConfigFlags(
    tenantOption(
      templates
        .command("set")
        .description("create or replace a JWT template")
        .argument("<name>")
        .option("--claims <json>", "static claims as a JSON object")
        .option("--session-fields <list>", "comma-separated session fields to copy (username, metadata, country, …)")
        .option("--lifetime <seconds>", "JWT lifetime for this template (30–3600)"),
    ),
  ).action(
    action(async (name: string, options: { tenant: string; claims?: string; sessionFields?: string; lifetime?: string }, command: Command) => {
      const claims = claimsArg(options.claims);
      const lifetimeSeconds = integerArg("lifetime", options.lifetime);
      const template = await withRuntime(command, (runtime) =>
        runtime.sessions.templates.put(options.tenant, name, definedOnly({ claims, sessionFields: ifGiven(options.sessionFields, listArg), lifetimeSeconds })),
      );
      print(command, wireTemplate(template), () => `saved ${describe(template)}`);
    }),
  );

  withConfigFlags(tenantOption(templates.command("delete").description("delete a JWT template").argument("<name>"))).action(
    action(async (name: string, options: { tenant: string }, command: Command) => {
      const template = await withRuntime(command, (runtime) => runtime.sessions.templates.delete(options.tenant, name), { mustExist: true });
      print(command, wireTemplate(template), () => `deleted template ${template.name} of tenant ${template.tenantId}`);
    }),
  );
}
