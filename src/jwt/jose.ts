/**
 * jose, loaded on first use rather than with `import "sessiond"`: an app that never signs or
 * checks a JWT does not pay for it. jose 6 is ESM-only; every caller is async already, so a
 * dynamic import works on every supported Node (require of ESM is not needed).
 */
export type Jose = typeof import("jose");

let loading: Promise<Jose> | undefined;

export function loadJose(): Promise<Jose> {
  loading ??= import("jose");
  return loading;
}
