// Ad hoc: real store (sqlite or postgres via DATABASE_URL), commits traced: batch sizes, time in commit, event-loop delay.
import { monitorEventLoopDelay } from "node:perf_hooks";
import { parseArgs } from "node:util";
const load = (p) => import(new URL(`../dist/${p}.js`, import.meta.url).href);
const [{ createApp }, { createLogger }, { createProject }, { openStore }] = await Promise.all([load("app"), load("logger"), load("projects/manage-projects"), load("store/open-store")]);
const { values } = parseArgs({ options: { "data-dir": { type: "string" }, "database-url": { type: "string" } } });
const store = await openStore(values["database-url"] ? { engine: "postgres", url: values["database-url"] } : { engine: "sqlite", dataDir: values["data-dir"] });
if (process.env.SQLITE_CACHE && store.db) store.db.pragma(`cache_size = ${process.env.SQLITE_CACHE}`);
const original = store.commitSurveyGroups.bind(store);
const sizes = []; let busyNs = 0n; let commits = 0;
store.commitSurveyGroups = async (groups) => {
  const t0 = process.hrtime.bigint();
  try { return await original(groups); } finally { busyNs += process.hrtime.bigint() - t0; commits++; sizes.push(groups.length); }
};
const h = monitorEventLoopDelay({ resolution: 1 }); h.enable();
const { ingestKey } = await createProject(store, { id: "demo", name: "Demo" });
const app = createApp({ store, logger: createLogger(process.env.AFTERCALL_LOG_LEVEL ?? "warn") });
await app.fastify.listen({ host: "127.0.0.1", port: 0 });
process.stderr.write(`Aftercall (traced) is running at http://127.0.0.1:${app.fastify.server.address().port}\n  ingest key  (publishable, submit only): ${ingestKey.token}\n`);
const t0 = process.hrtime.bigint();
// report every 2 s
let last = { commits: 0, busy: 0n, t: t0, n: 0 };
setInterval(() => {
  const now = process.hrtime.bigint(); const dc = commits - last.commits; if (!dc) { last = { commits, busy: busyNs, t: now, n: sizes.length }; return; }
  const recent = sizes.slice(last.n); const surveys = recent.reduce((a, b) => a + b, 0);
  const s = [...recent].sort((a, b) => a - b);
  process.stderr.write(`trace: ${dc} commits, mean batch ${(surveys / dc).toFixed(1)}, p50 ${s[s.length >> 1]}, max ${s.at(-1)}, time in commit ${(Number(busyNs - last.busy) / Number(now - last.t) * 100).toFixed(0)} % of wall, mean commit ${(Number(busyNs - last.busy) / dc / 1e6).toFixed(2)} ms, loop delay p50 ${(h.percentile(50)/1e6).toFixed(1)} p99 ${(h.percentile(99)/1e6).toFixed(1)} ms\n`);
  h.reset(); last = { commits, busy: busyNs, t: now, n: sizes.length };
}, 2000).unref();
process.on("SIGTERM", () => app.close().then(() => store.close()).then(() => process.exit(0)));
