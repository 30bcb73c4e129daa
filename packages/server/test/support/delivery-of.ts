import { SqlDeliveryStore } from "../../src/delivery/delivery-store.js";
import type { DeliveryStore } from "../../src/delivery/delivery-types.js";
import type { Database } from "../../src/store/database.js";

const stores = new WeakMap<Database, DeliveryStore>();

/** The delivery store (settings, cursors, the log) of a database. */
export function deliveryOf(db: Database): DeliveryStore {
  let store = stores.get(db);
  if (!store) {
    store = new SqlDeliveryStore(db);
    stores.set(db, store);
  }
  return store;
}
