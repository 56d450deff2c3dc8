/**
 * The store's methods as they were before the contract was split into roles (`store.get(id)`,
 * `store.getPolicy(t)`, …), kept for existing callers: one table maps each old name to its
 * role and method, and every built-in store forwards through it. Deprecated: call the role
 * (`store.sessions.get(id)`, `store.policies.get(t)`).
 */
import type { Store } from "./index.js";

type Roles = Omit<Store, "migrate" | "ping" | "close">;
type Route = { [R in keyof Roles]: readonly [R, keyof Roles[R]] }[keyof Roles];

/** Old name → [role, method]; each entry's note is what editors show where the old name is used. */
const FLAT_METHODS = {
  /** @deprecated use `store.sessions.insert` */
  insert: ["sessions", "insert"],
  /** @deprecated use `store.sessions.get` */
  get: ["sessions", "get"],
  /** @deprecated use `store.sessions.update` */
  update: ["sessions", "update"],
  /** @deprecated use `store.sessions.recordActivity` */
  recordActivity: ["sessions", "recordActivity"],
  /** @deprecated use `store.sessions.list` */
  list: ["sessions", "list"],
  /** @deprecated use `store.sessions.endMany` */
  endMany: ["sessions", "endMany"],
  /** @deprecated use `store.sessions.activities` */
  activities: ["sessions", "activities"],
  /** @deprecated use `store.sessions.users` */
  users: ["sessions", "users"],
  /** @deprecated use `store.sessions.stats` */
  stats: ["sessions", "stats"],
  /** @deprecated use `store.sessions.sweep` */
  sweep: ["sessions", "sweep"],
  /** @deprecated use `store.policies.get` */
  getPolicy: ["policies", "get"],
  /** @deprecated use `store.policies.put` */
  putPolicy: ["policies", "put"],
  /** @deprecated use `store.apiKeys.insert` */
  insertApiKey: ["apiKeys", "insert"],
  /** @deprecated use `store.apiKeys.get` */
  getApiKey: ["apiKeys", "get"],
  /** @deprecated use `store.apiKeys.list` */
  listApiKeys: ["apiKeys", "list"],
  /** @deprecated use `store.apiKeys.revoke` */
  revokeApiKey: ["apiKeys", "revoke"],
  /** @deprecated use `store.signingKeys.insert` */
  insertSigningKey: ["signingKeys", "insert"],
  /** @deprecated use `store.signingKeys.list` */
  listSigningKeys: ["signingKeys", "list"],
  /** @deprecated use `store.signingKeys.retire` */
  retireSigningKey: ["signingKeys", "retire"],
  /** @deprecated use `store.signingKeys.delete` */
  deleteSigningKey: ["signingKeys", "delete"],
  /** @deprecated use `store.templates.put` */
  putTemplate: ["templates", "put"],
  /** @deprecated use `store.templates.get` */
  getTemplate: ["templates", "get"],
  /** @deprecated use `store.templates.list` */
  listTemplates: ["templates", "list"],
  /** @deprecated use `store.templates.delete` */
  deleteTemplate: ["templates", "delete"],
  /** @deprecated use `store.counters.add` */
  countHits: ["counters", "add"],
  /** @deprecated use `store.changes.watch` */
  watchChanges: ["changes", "watch"],
} as const satisfies Record<string, Route>;

type Table = typeof FLAT_METHODS;

/** The old flat methods, each typed as the role method it forwards to (and deprecated, see the table). */
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
  for (const [name, [role, method]] of Object.entries(FLAT_METHODS)) {
    const group = roles[role] ?? {};
    roles[role] = group;
    group[method] = (...args: unknown[]) => methods[name]!.apply(flat, args);
  }
  return { ...roles, migrate: (onStep) => flat.migrate(onStep), ping: () => flat.ping(), close: () => flat.close() } as Store;
}

/** The store a caller handed over: a {@link Store} as it is, an old flat one (deprecated) wrapped by {@link fromFlatStore}. */
export function asStore(store: Store | FlatSessionStore): Store {
  return isStore(store) ? store : fromFlatStore(store);
}

function isStore(store: Store | FlatSessionStore): store is Store {
  return typeof (store as Partial<Store>).sessions === "object";
}
