/**
 * A configuration problem, naming every bad setting. Its own module, without the config
 * schema: `openStore` (reachable from `import "sessiond"`) throws it, and must not load TypeBox.
 */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join("\n  ")}`);
    this.name = "ConfigError";
  }
}
