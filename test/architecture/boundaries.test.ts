/**
 * The import boundaries of docs/architecture.md (rules in .dependency-cruiser.cjs): core imports
 * nothing outside itself, stores see only the core, nothing imports the CLI, no run-time cycles.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { cruise, type IReporterOutput } from "dependency-cruiser";

const rules = createRequire(import.meta.url)("../../.dependency-cruiser.cjs") as { forbidden: unknown[]; options: Record<string, unknown> };

async function violations(paths: string[], baseDir?: string): Promise<string[]> {
  const options = { ...rules.options, ruleSet: { forbidden: rules.forbidden }, validate: true, ...(baseDir === undefined ? {} : { baseDir }) };
  const result = (await cruise(paths, options as never)) as IReporterOutput;
  const output = result.output as { summary: { violations: { rule: { name: string }; from: string; to: string }[] } };
  return output.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`);
}

describe("import boundaries", () => {
  const scratch = mkdtempSync(join(tmpdir(), "sessiond-boundaries-"));
  after(() => rmSync(scratch, { recursive: true, force: true }));

  it("hold across src/", async () => {
    assert.deepEqual(await violations(["src"]), []);
  });

  it("are enforced: a core module importing the REST edge and a store importing the CLI are refused", async () => {
    for (const [path, text] of Object.entries({
      "src/core/model.ts": 'import { x } from "../http/app.js";\nexport const y = x;\n',
      "src/http/app.ts": "export const x = 1;\n",
      "src/stores/memory/index.ts": 'import { z } from "../../cli/main.js";\nexport const w = z;\n',
      "src/cli/main.ts": "export const z = 1;\n",
    })) {
      mkdirSync(join(scratch, path, ".."), { recursive: true });
      writeFileSync(join(scratch, path), text);
    }
    writeFileSync(join(scratch, "tsconfig.json"), JSON.stringify({ compilerOptions: { module: "NodeNext", moduleResolution: "NodeNext" } }));
    const found = await violations(["src"], scratch);
    assert.ok(found.includes("core-is-pure: src/core/model.ts → src/http/app.ts"), found.join("\n"));
    assert.ok(found.includes("stores-see-only-core: src/stores/memory/index.ts → src/cli/main.ts"), found.join("\n"));
    assert.ok(
      found.some((v) => v.startsWith("nothing-imports-the-cli:")),
      found.join("\n"),
    );
  });
});
