#!/usr/bin/env node
// Runs as each public package's `prepack` and `postpack` (so `npm pack` and `npm publish` both get it).
//
// prepack:  builds the package, copies the repository's LICENSE in (and, for the server, the built
//           dashboard into `dashboard/`), and rewrites package.json into the published manifest: the
//           `source` export condition and the other repository-only fields go, so a consumer only ever
//           resolves compiled JavaScript and its type declarations. The repository's manifest is kept
//           beside it as `.package.json.repo`.
// postpack: puts the repository's manifest back and removes the copies.
//
// The `source` condition stays in the repository's manifests: the tests, benchmarks and type checks run
// the TypeScript sources through it without a build.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

const packageDir = process.cwd();
const root = resolve(packageDir, "../..");
const manifestPath = join(packageDir, "package.json");
const backupPath = join(packageDir, ".package.json.repo");
const phase = process.argv[2];

/** Copies added at pack time, removed afterwards. */
const COPIES = ["LICENSE", "dashboard"];

function restore() {
  if (existsSync(backupPath)) renameSync(backupPath, manifestPath);
  for (const copy of COPIES) rmSync(join(packageDir, copy), { recursive: true, force: true });
}

/** The exports map without the `source` condition, at any depth. */
function withoutSource(exports) {
  if (typeof exports !== "object" || exports === null) return exports;
  return Object.fromEntries(
    Object.entries(exports)
      .filter(([key]) => key !== "source")
      .map(([key, value]) => [key, withoutSource(value)]),
  );
}

/** The manifest as published: compiled files only, nothing that refers to the repository's layout. */
export function publishedManifest(pkg, { withDashboard }) {
  const out = { ...pkg, exports: withoutSource(pkg.exports) };
  if (Array.isArray(pkg.sideEffects))
    out.sideEffects = pkg.sideEffects.filter((path) => !path.startsWith("./src/"));
  if (withDashboard) out.files = [...pkg.files, "dashboard"];
  // Scripts and devDependencies only make sense inside the repository (and a devDependency may be private).
  delete out.scripts;
  delete out.devDependencies;
  return out;
}

function npm(args, cwd) {
  const npmCli = process.env.npm_execpath;
  if (npmCli) execFileSync(process.execPath, [npmCli, ...args], { cwd, stdio: "inherit" });
  else execFileSync("npm", args, { cwd, stdio: "inherit" });
}

function prepack() {
  restore(); // an interrupted pack may have left its copies behind
  const pkg = JSON.parse(readFileSync(manifestPath, "utf8"));
  // Build what is packed, so a tarball never carries stale or missing output.
  npm(["run", "build", "--silent"], packageDir);
  const withDashboard = pkg.name === "@aftercall/server";
  if (withDashboard) {
    const dashboard = join(root, "packages/dashboard");
    npm(["run", "build", "--silent"], dashboard);
    cpSync(join(dashboard, "dist"), join(packageDir, "dashboard"), { recursive: true });
  }
  cpSync(join(root, "LICENSE"), join(packageDir, "LICENSE"));
  writeFileSync(backupPath, readFileSync(manifestPath));
  writeFileSync(manifestPath, `${JSON.stringify(publishedManifest(pkg, { withDashboard }), null, 2)}\n`);
}

if (phase === "prepack") prepack();
else if (phase === "postpack") restore();
else {
  process.stderr.write("usage: pack-manifest.mjs prepack|postpack (run by npm in a package directory)\n");
  process.exit(2);
}
