import type { Store } from "./store.js";

/** Where surveys live: an embedded SQLite data directory, or a PostgreSQL server. */
export type StoreLocation =
  | { engine: "sqlite"; dataDir: string }
  | {
      engine: "postgres";
      url: string;
      /** Connections for dashboard reads (analytics, survey list, export); default 1. */
      readConnections?: number;
    };

/** How a server uses its store, beyond where it is. */
export interface StoreOptions {
  /** Most share (0, 1] of the analytics reader's time while surveys arrive; see PacedReads. */
  analyticsShare?: number;
}

/** Open (and migrate) the store at `location`. Engines are loaded lazily so each needs only its driver. */
export async function openStore(location: StoreLocation, options: StoreOptions = {}): Promise<Store> {
  if (location.engine === "postgres") {
    const { PostgresStore } = await import("./postgres/postgres-store.js");
    const store = new PostgresStore(location.url, {
      ...(location.readConnections === undefined ? {} : { readConnections: location.readConnections }),
      ...options,
    });
    await store.migrate();
    return store;
  }
  const { SqliteStore } = await import("./sqlite/sqlite-store.js");
  return new SqliteStore(location.dataDir, options);
}
