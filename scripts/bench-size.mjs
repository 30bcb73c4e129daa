#!/usr/bin/env node
// npm run bench:size — min+gzip sizes of the client SDK, of its other entry points (./acs and the calling-SDK
// adapters) and of the widget bundle (widget + Lit + SDK),
// against their budgets. Exits 1 when a budget is exceeded.
import { spawnSync } from "node:child_process";

const run = (script) => {
  const result = spawnSync(process.execPath, ["--conditions=source", script], { encoding: "utf8" });
  process.stderr.write(result.stderr);
  process.stdout.write(result.stdout);
  return result.status ?? 1;
};

const build = spawnSync("npm", ["run", "build", "--silent", "-w", "packages/widget"], { stdio: "inherit" });
if (build.status !== 0) process.exit(build.status ?? 1);
const failures = [run("packages/client/scripts/size.mjs"), run("packages/widget/scripts/size.mjs")].filter(
  (s) => s !== 0,
);
process.exit(failures.length ? 1 : 0);
