/**
 * The store's methods as they were before the contract was split into roles (`store.get(id)`,
 * `store.getPolicy(t)`, …), kept for existing callers: one table maps each old name to its
 * role and method, and every built-in store forwards through it. Deprecated: call the role
 * (`store.sessions.get(id)`, `store.policies.get(t)`).
 */
import type { Store } from "./index.js";

type Roles = Omit<Store, "migrate" | "ping" | "close">;
type Route = { [R in keyof Roles]: readonly [R, keyof Roles[R]] }[keyof Roles];

/** Old name → [role, method]. */
const FLAT_METHODS = {
  insert: ["sessions", "insert"],
  get: ["sessions", "get"],
  update: ["sessions", "update"],
  recordActivity: ["sessions", "recordActivity"],
  list: ["sessions", "list"],
  endMany: ["sessions", "endMany"],
  activities: ["sessions", "activities"],
  users: ["sessions", "users"],
  stats: ["sessions", "stats"],
  sweep: ["sessions", "sweep"],
  getPolicy: ["policies", "get"],
  putPolicy: ["policies", "put"],
  insertApiKey: ["apiKeys", "insert"],
  getApiKey: ["apiKeys", "get"],
  listApiKeys: ["apiKeys", "list"],
  revokeApiKey: ["apiKeys", "revoke"],
  insertSigningKey: ["signingKeys", "insert"],
  listSigningKeys: ["signingKeys", "list"],
  retireSigningKey: ["signingKeys", "retire"],
  deleteSigningKey: ["signingKeys", "delete"],
  putTemplate: ["templates", "put"],
  getTemplate: ["templates", "get"],
  listTemplates: ["templates", "list"],
  deleteTemplate: ["templates", "delete"],
  countHits: ["counters", "add"],
  watchChanges: ["changes", "watch"],
} as const satisfies Record<string, Route>;

type Table = typeof FLAT_METHODS;

/**
 * The old flat methods, each the role method it forwards to.
 * @deprecated call the role instead: `store.sessions.get(id)` for `store.get(id)`, `store.policies.get(t)` for `store.getPolicy(t)`, `store.counters.add(…)` for `store.countHits(…)`, `store.changes.watch(l)` for `store.watchChanges(l)`.
 */
export type FlatMethods = {
  -readonly [K in keyof Table]: Table[K] extends readonly [infer R extends keyof Roles, infer M] ? (M extends keyof Roles[R] ? Roles[R][M] : never) : never;
};

/**
 * The whole store as one 29-method interface, what `SessionStore` meant before the roles.
 * @deprecated use {@link Store} (and its roles; `SessionStore` now names the session role).
 */
export type FlatSessionStore = FlatMethods & Pick<Store, "migrate" | "ping" | "close">;

function forwarder(): abstract new () => FlatMethods {
  abstract class Forwarder {}
  for (const [name, [role, method]] of Object.entries(FLAT_METHODS))
    Object.defineProperty(Forwarder.prototype, name, {
      value: function (this: Roles, ...args: unknown[]): unknown {
        const target = this[role] as unknown as Record<string, (...a: unknown[]) => unknown>;
        return target[method]!(...args);
      },
      writable: true,
      configurable: true,
    });
  return Forwarder as unknown as abstract new () => FlatMethods;
}

/**
 * The base of every built-in store class: gives it the old flat methods (deprecated), each
 * forwarding to the role the table names. A store's own behaviour lives in its roles.
 */
export const FlatMethodForwarder = forwarder();

/**
 * A {@link Store} over an object with the old flat methods (a custom store written before the roles).
 * @deprecated implement the roles of {@link Store} instead.
 */
export function fromFlatStore(flat: FlatSessionStore): Store {
  const roles: Record<string, Record<string, unknown>> = {};
  const methods = flat as unknown as Record<string, (...a: unknown[]) => unknown>;
  for (const [name, [role, method]] of Object.entries(FLAT_METHODS)) (roles[role] ??= {})[method] = (...args: unknown[]) => methods[name]!.apply(flat, args);
  return { ...roles, migrate: (onStep) => flat.migrate(onStep), ping: () => flat.ping(), close: () => flat.close() } as Store;
}

/** The store a caller handed over: a {@link Store} as it is, an old flat one (deprecated) wrapped by {@link fromFlatStore}. */
export function asStore(store: Store | FlatSessionStore): Store {
  return isStore(store) ? store : fromFlatStore(store);
}

function isStore(store: Store | FlatSessionStore): store is Store {
  return typeof (store as Partial<Store>).sessions === "object";
}
