/**
 * The public entry of sessiond (what `import "sessiond"` resolves to in an app). The bench
 * reaches it by path: bench/package.json (the peers' manifest) makes bench its own package
 * scope, so the package's self-reference no longer resolves from here.
 */
export * from "../../dist/index.js";
