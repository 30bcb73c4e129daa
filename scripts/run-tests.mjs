#!/usr/bin/env node
// Runs every *.test.ts below the given folders (default: packages/) in node's test runner, with tsx
// for TypeScript and the "source" export condition so workspaces import each other's src/ without a
// build. One runner invocation gives one summary, which CI reads.
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(fileURLToPath(new URL("..", import.meta.url)));
const args = process.argv.slice(2);
const only = args.filter((a) => !a.startsWith("--"));
const passThrough = args.filter((a) => a.startsWith("--"));
const roots = (only.length ? only : ["packages", "e2e"]).map((p) => resolve(root, p));

function collect(dir, out) {
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name === "dist" || name.startsWith(".")) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) collect(path, out);
    else if (name.endsWith(".test.ts")) out.push(path);
  }
  return out;
}

const files = roots.flatMap((r) => (statSync(r).isDirectory() ? collect(r, []) : [r])).sort();
if (files.length === 0) {
  console.error(`No test files found under ${roots.map((r) => relative(root, r)).join(", ")}`);
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  [
    "--conditions=source",
    "--import",
    "tsx",
    "--test",
    `--test-concurrency=${Math.max(2, availableParallelism())}`,
    // TAP as before, and after it a list of the failures (scripts/failure-summary.mjs).
    "--test-reporter=tap",
    "--test-reporter-destination=stdout",
    `--test-reporter=${join(root, "scripts/failure-summary.mjs")}`,
    "--test-reporter-destination=stdout",
    ...passThrough,
    ...files.map((f) => relative(root, f)),
  ],
  { cwd: root, stdio: "inherit" },
);
process.exit(result.status ?? 1);
