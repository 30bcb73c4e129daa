import { MIGRATIONS } from "./migrations.js";
import type { Database } from "./store/database.js";
import { type DatabaseOptions, openDatabase, type StoreLocation } from "./store/open-database.js";

export type { StoreLocation } from "./store/open-database.js";

/** Open Aftercall's database at `location` and bring its schema up to date (safe from several servers). */
export function openStore(
  location: StoreLocation,
  options: Omit<DatabaseOptions, "migrations"> = {},
): Promise<Database> {
  return openDatabase(location, { ...options, migrations: MIGRATIONS });
}
