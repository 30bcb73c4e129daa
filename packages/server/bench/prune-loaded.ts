/**
 * `node --conditions=source --import tsx packages/server/bench/prune-loaded.ts --data-dir DIR | --database-url URL`:
 * prune the outbox of a store loaded by an earlier `bench:query -- --load-only` (before loads did it
 * themselves, see `pruneLoadedOutbox`).
 */
import { parseArgs } from "node:util";
import { openStore } from "../src/open-store.js";
import { pruneLoadedOutbox } from "./query-data.js";

const { values } = parseArgs({
  options: { "data-dir": { type: "string" }, "database-url": { type: "string" } },
});
const db = await openStore(
  values["database-url"]
    ? { engine: "postgres", url: values["database-url"] }
    : { engine: "sqlite", dataDir: values["data-dir"] as string },
);
try {
  await pruneLoadedOutbox(db, "bench", (line) => process.stderr.write(`${line}\n`));
} finally {
  await db.close();
}
