/**
 * Optional fields passed on: a field the caller did not give stays absent, so it cannot
 * override a default with `undefined`, while `null` (a caller's "off" or "clear") is kept.
 */

/** The object without its `undefined` properties, typed with those properties optional. */
export function definedOnly<T extends object>(fields: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(fields)) {
    const value = (fields as Record<string, unknown>)[key];
    if (value !== undefined) out[key] = value;
  }
  return out as { [K in keyof T]?: Exclude<T[K], undefined> };
}

/** `check(value)` for a given value; `undefined` when none was given. */
export function ifGiven<V, R>(value: V | undefined, check: (value: V) => R): R | undefined {
  return value === undefined ? undefined : check(value);
}
