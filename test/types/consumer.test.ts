/**
 * The published declarations compile in a strict consumer project (`skipLibCheck: false`)
 * that has what `npm install sessiond` gives it — the package, its dependencies, the optional
 * framework peers and @types/node — but not this repository's devDependencies such as
 * @types/pg or @types/better-sqlite3: driver types must not leak into the public surface.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const TSC = join(ROOT, "node_modules/typescript/bin/tsc");
const manifest = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
  dependencies: Record<string, string>;
  optionalDependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
};
/** Type packages a consumer installs beside a peer that ships no types of its own. */
const PEER_TYPES = ["@types/express"];

const CONSUMER = `
import { createSessions, memoryStore, openStore, postgresStore, redisStore, sqliteStore, SqliteStore, PostgresStore, RedisStore, SessiondError, createJwtVerifier,
  type Session, type Store, type VerifyResult } from "sessiond";
import { sessiondExpress } from "sessiond/express";
import { sessiondFastify } from "sessiond/fastify";
import { sessiondHono } from "sessiond/hono";
import { sqliteStore as sqliteOnly, SqliteStore as SqliteOnly, type SqliteOptions } from "sessiond/sqlite";
import { postgresStore as postgresOnly, PostgresStore as PostgresOnly, type PostgresOptions } from "sessiond/postgres";
import { redisStore as redisOnly, RedisStore as RedisOnly, type RedisStoreOptions } from "sessiond/redis";
import { loadConfig, startServer, type RunningServer } from "sessiond/server";

const stores: Store[] = [memoryStore(), sqliteStore({ path: "./s.db" }), await openStore("postgres://db/app")];
const sessions = createSessions({ store: stores[0]! });
export async function check(token: string): Promise<string> {
  const result: VerifyResult = await sessions.verify(token, { ip: "203.0.113.7", userAgent: "Mozilla/5.0" });
  if (!result.valid) return result.code;
  const session: Session = result.session;
  return session.userId;
}
// One entry per store: the same factories and classes as the main entry's, with their options types.
const sqliteOptions: SqliteOptions = { path: "./s.db", busyTimeoutMs: 2000 };
const postgresOptions: PostgresOptions = { url: "postgres://db/app", schema: "sessiond" };
const redisOptions: RedisStoreOptions = { url: "redis://cache:6379", retentionMs: 86_400_000 };
export const ownEntries: Store[] = [sqliteOnly(sqliteOptions), await postgresOnly(postgresOptions), redisOnly(redisOptions)];
export const sameClasses: [typeof SqliteStore, typeof PostgresStore, typeof RedisStore] = [SqliteOnly, PostgresOnly, RedisOnly];
export const parts = [postgresStore, redisStore, SqliteStore, PostgresStore, RedisStore, SessiondError, createJwtVerifier, sessiondExpress, sessiondFastify, sessiondHono];
// Code written before the store roles still compiles: the old flat methods (deprecated) and a custom flat store.
export const server: Promise<RunningServer> = startServer(loadConfig({ env: {} }));
export const legacy = async (custom: import("sessiond").FlatSessionStore) => [createSessions({ store: custom }), await memoryStore().getPolicy("acme")];
`;

function tsc(args: string[], cwd = ROOT): void {
  const result = spawnSync(process.execPath, [TSC, ...args], { cwd, encoding: "utf8" });
  assert.equal(result.status, 0, `tsc ${args.join(" ")}\n${result.stdout}${result.stderr}`);
}

/** node_modules/<name> pointing at the repository's copy: what npm would install beside the package. */
function link(modules: string, name: string): void {
  mkdirSync(dirname(join(modules, name)), { recursive: true });
  symlinkSync(join(ROOT, "node_modules", name), join(modules, name), "dir");
}

describe("published type declarations", () => {
  const dir = mkdtempSync(join(tmpdir(), "sessiond-consumer-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("compile in a strict consumer without the drivers' @types", () => {
    const modules = join(dir, "node_modules");
    const pkg = join(modules, "sessiond");
    // Built here, not into dist/: other tests run the dist/ binary meanwhile. Declarations only,
    // without type-checking the sources again (npm test does that first): the same .d.ts, 4× faster.
    tsc(["-p", "tsconfig.build.json", "--outDir", join(pkg, "dist"), "--emitDeclarationOnly", "--noCheck", "--sourceMap", "false", "--incremental", "false"]);
    cpSync(join(ROOT, "package.json"), join(pkg, "package.json"));
    // Copies, not links: from a link into the repository, the repository's @types would be found.
    for (const name of ["@types/node", "undici-types"]) cpSync(join(ROOT, "node_modules", name), join(modules, name), { recursive: true, dereference: true });
    for (const name of [
      ...Object.keys(manifest.dependencies),
      ...Object.keys(manifest.optionalDependencies),
      ...Object.keys(manifest.peerDependencies),
      ...PEER_TYPES,
    ])
      link(modules, name);
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
    writeFileSync(join(dir, "index.ts"), CONSUMER);
    writeFileSync(
      join(dir, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          module: "NodeNext",
          moduleResolution: "NodeNext",
          target: "ES2022",
          skipLibCheck: false,
          noEmit: true,
          types: ["node"],
        },
        include: ["index.ts"],
      }),
    );
    tsc(["-p", dir]);
  });
});
