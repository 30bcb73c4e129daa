import { spawnSync, spawn } from "node:child_process";
import { startPostgres } from "../test/support/postgres.js";
spawnSync("taskset", ["-a", "-p", "-c", "1", String(process.pid)]);
const pg = await startPostgres();
spawnSync("taskset", ["-a", "-p", "-c", "0", String(process.pid)]);
try {
  const c = spawn(process.execPath, ["--conditions=source", "--import", "tsx", "packages/server/bench/.exp-drive.ts", "packages/server/bench/.exp-trace.mjs", "10", process.argv[2] ?? "50", "--database-url", pg.url], { stdio: "inherit" });
  await new Promise((r) => c.once("exit", r));
} finally { await pg.stop(); }
