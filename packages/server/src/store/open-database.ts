import type { Database, Migration } from "./database.js";

/** Where surveys live: an embedded SQLite data directory, or a PostgreSQL server. */
export type StoreLocation =
  | { engine: "sqlite"; dataDir: string }
  | {
      engine: "postgres";
      url: string;
      /** Connections for dashboard reads (analytics, survey list, export); default 1. */
      readConnections?: number;
    };

/** How a server uses its database, beyond where it is. */
export interface DatabaseOptions {
  /** The application's migrations, applied before the database is handed out. */
  migrations: readonly Migration[];
  /** Most share (0, 1] of the analytics reader's time while surveys arrive; see PacedReads. */
  analyticsShare?: number;
}

/** Open and migrate the database at `location`. Engines are loaded lazily so each needs only its driver. */
export async function openDatabase(location: StoreLocation, options: DatabaseOptions): Promise<Database> {
  const shared = options.analyticsShare === undefined ? {} : { analyticsShare: options.analyticsShare };
  let db: Database;
  if (location.engine === "postgres") {
    const { PostgresEngine } = await import("./postgres/postgres-database.js");
    db = new PostgresEngine(location.url, {
      ...(location.readConnections === undefined ? {} : { readConnections: location.readConnections }),
      ...shared,
    });
  } else {
    const { SqliteEngine } = await import("./sqlite/sqlite-database.js");
    db = new SqliteEngine(location.dataDir, shared);
  }
  try {
    await db.migrate(options.migrations);
  } catch (error) {
    await db.close();
    throw error;
  }
  return db;
}
