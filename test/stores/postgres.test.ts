import type { Store } from "../../src/core/store/index.js";
import { postgresStore } from "../../src/stores/postgres/index.js";
import { describeStore } from "../conformance/store.js";
import { dropSchema, freshSchema, POSTGRES_URL, postgresSkip } from "../support/services.js";

const skip = await postgresSkip();
const schemas = new WeakMap<Store, string>();

/** Each store gets its own schema, dropped when the store closes. */
async function open(schema = freshSchema(), owner = true): Promise<Store> {
  const store = await postgresStore({ url: POSTGRES_URL, schema, poolSize: 4 });
  schemas.set(store, schema);
  if (!owner) return store;
  const close = store.close.bind(store);
  let dropped = false;
  store.close = async () => {
    await close();
    if (dropped) return;
    dropped = true;
    await dropSchema(schema);
  };
  return store;
}

describeStore("postgres", { open: () => open(), openPeer: (first) => open(schemas.get(first)!, false) }, skip);
