// Diagnostic variants of the Aftercall server for the ingest benchmark, to see where time goes. Same
// app (createApp: Fastify, auth, validation, hashing, group commit, logging), different storage:
//   BENCH_VARIANT=memory         surveys are "committed" to an in-memory map (no SQLite, no fsync)
//   BENCH_VARIANT=sqlite-nosync  the SQLite store with synchronous=OFF (all SQLite work, no fsync)
// Projects and keys live in a SQLite store in --data-dir either way. Prints the same banner as
// `aftercall serve`. BENCH_SERVER_CODE=dist (default) imports the build, =src the sources (needs tsx).
import { parseArgs } from "node:util";

const code = process.env.BENCH_SERVER_CODE === "src" ? "src" : "dist";
const ext = code === "src" ? "ts" : "js";
const load = (path) => import(new URL(`../${code}/${path}.${ext}`, import.meta.url).href);
const [{ createApp }, { createLogger }, { createProject }, { openStore }, { planCommit, surveyKey }] =
  await Promise.all([
    load("app"),
    load("logger"),
    load("projects/manage-projects"),
    load("open-store"),
    load("ingest/plan-commit"),
  ]);

const { values } = parseArgs({ options: { "data-dir": { type: "string" }, port: { type: "string" } } });
const variant = process.env.BENCH_VARIANT ?? "memory";
const db = await openStore({ engine: "sqlite", dataDir: values["data-dir"] ?? ".aftercall-bench" });
let commitGroups;
if (variant === "memory") {
  // Only the content hash and the id are kept, so a long run does not grow the heap by whole records
  // (which would make garbage collection, not the app, the cost measured). A replay is answered from
  // this stub, so it lacks the ratings: fine for the benchmark, whose ids are all fresh.
  const stored = new Map();
  commitGroups = async (groups) => {
    const plan = planCommit(groups, stored);
    for (const { record, contentHash } of plan.inserts) {
      stored.set(surveyKey(record.projectId, record.id), {
        contentHash,
        record: { id: record.id, projectId: record.projectId },
      });
    }
    return plan.outcomes;
  };
} else if (variant === "sqlite-nosync") {
  db.connection.pragma("synchronous = OFF");
} else {
  throw new Error(`BENCH_VARIANT must be memory or sqlite-nosync, got ${variant}`);
}
const { ingestKey } = await createProject(db, { id: "demo", name: "Demo" });
const logger = createLogger(process.env.AFTERCALL_LOG_LEVEL ?? "info");
// One load generator far above any real client's rate: the rate limits would measure themselves.
const limits = await load("limits/rate-limits").catch(() => undefined);
const rateLimits = limits ? { rateLimits: { ...limits.DEFAULT_RATE_LIMITS, enabled: false } } : {};
const app = createApp({ db, logger, ...rateLimits, ...(commitGroups ? { commitGroups } : {}) });
await app.fastify.listen({ host: "127.0.0.1", port: Number(values.port ?? 0) });
const { port } = app.fastify.server.address();
process.stderr.write(
  `Aftercall (${variant} variant) is running at http://127.0.0.1:${port}\n` +
    `  ingest key  (publishable, submit only): ${ingestKey.token}\n`,
);
const stop = () => {
  app
    .close()
    .then(() => db.close())
    .then(
      () => process.exit(0),
      () => process.exit(1),
    );
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
