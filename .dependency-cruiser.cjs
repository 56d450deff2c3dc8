/**
 * The import boundaries of docs/architecture.md, checked by `npm run lint` and by
 * test/architecture/boundaries.test.ts: a forbidden import fails the build.
 * The composition roots (src/cli, src/server, src/stores/open.ts, src/index.ts, src/entries) may import anything but the CLI.
 */
const NODE_BUILTIN = "^node:";
module.exports = {
  forbidden: [
    {
      name: "core-is-pure",
      comment: "src/core is domain logic: it imports only itself and Node's own modules (no driver, no framework, no config).",
      severity: "error",
      from: { path: "^src/core/" },
      to: { pathNot: ["^src/core/", NODE_BUILTIN], dependencyTypesNot: ["core"] },
    },
    {
      name: "stores-see-only-core",
      comment: "A store implements the core's contract with its own driver; it knows nothing of HTTP, the CLI or other layers.",
      severity: "error",
      from: { path: "^src/stores/", pathNot: "^src/stores/open\\.ts$" },
      to: { path: "^src/", pathNot: ["^src/core/", "^src/stores/", "^src/files/"] },
    },
    {
      name: "enrich-sees-only-core",
      severity: "error",
      from: { path: "^src/enrich/" },
      to: { path: "^src/", pathNot: ["^src/core/", "^src/enrich/"] },
    },
    {
      name: "jwt-sees-only-core",
      severity: "error",
      from: { path: "^src/jwt/" },
      to: { path: "^src/", pathNot: ["^src/core/", "^src/jwt/", "^src/files/"] },
    },
    {
      name: "webhooks-see-core-jwt-and-wire",
      comment:
        "The dispatcher does network I/O, so it lives outside the core; it sees the core, the JWT keys (logout tokens), files and the wire form of events only, never a concrete store, HTTP routes, the CLI or the server.",
      severity: "error",
      from: { path: "^src/webhooks/" },
      to: { path: "^src/", pathNot: ["^src/core/", "^src/jwt/", "^src/files/", "^src/webhooks/", "^src/http/wire\\.ts$"] },
    },
    {
      name: "http-is-handed-services",
      comment: "The REST edge is handed a service; it never builds or reaches a concrete store, and never the CLI or the server's start-up.",
      severity: "error",
      from: { path: "^src/http/" },
      to: { path: ["^src/stores/", "^src/cli/", "^src/server/", "^src/entries/"] },
    },
    {
      name: "middleware-runs-in-the-app",
      comment:
        "The middleware runs inside the app's process: core types and the JWT verifier only (for now also the error body and the wire session type from src/http, until a client package of its own holds them).",
      severity: "error",
      from: { path: "^src/middleware/" },
      to: { path: "^src/", pathNot: ["^src/core/", "^src/jwt/", "^src/middleware/", "^src/http/errors\\.ts$", "^src/http/schemas\\.ts$"] },
    },
    {
      name: "nothing-imports-the-cli",
      severity: "error",
      from: { pathNot: "^src/cli/" },
      to: { path: "^src/cli/" },
    },
    {
      name: "no-cycles",
      comment: "Modules that need each other at run time are one concept in two files; a cycle through types only is harmless.",
      severity: "error",
      from: { path: "^src/" },
      to: { circular: true, viaOnly: { dependencyTypesNot: ["type-only"] } },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "\\.test\\.ts$" },
    tsConfig: { fileName: "tsconfig.json" },
    tsPreCompilationDeps: true,
  },
};
