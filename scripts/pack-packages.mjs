#!/usr/bin/env node
// Packs every public workspace (each one whose package.json is not `"private": true`), in the order of
// the root manifest's `workspaces`, into the given folder with `npm pack`, so each package's prepack
// (build, published manifest, LICENSE, the server's dashboard) runs exactly as for `npm publish`.
// Writes `packed.json` there: [{ "name", "version", "directory", "tarball" }].
//
//   node scripts/pack-packages.mjs <destination>
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(fileURLToPath(new URL("..", import.meta.url)));

/** The public workspaces: what gets published. */
export function publicWorkspaces() {
  const { workspaces } = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  return workspaces
    .map((directory) => ({
      directory,
      ...JSON.parse(readFileSync(join(root, directory, "package.json"), "utf8")),
    }))
    .filter((pkg) => pkg.private !== true)
    .map(({ name, version, directory }) => ({ name, version, directory }));
}

/** `@scope/name` at `1.2.3` → `scope-name-1.2.3.tgz`, the name npm pack gives the tarball. */
const tarballName = (name, version) => `${name.replace(/^@/, "").replace("/", "-")}-${version}.tgz`;

function npm(args) {
  const npmCli = process.env.npm_execpath;
  const [command, prefix] = npmCli ? [process.execPath, [npmCli]] : ["npm", []];
  execFileSync(command, [...prefix, ...args], { cwd: root, stdio: ["ignore", "inherit", "inherit"] });
}

const destination = process.argv[2];
if (!destination) {
  process.stderr.write("usage: node scripts/pack-packages.mjs <destination>\n");
  process.exit(2);
}
const out = resolve(destination);
mkdirSync(out, { recursive: true });
const packed = publicWorkspaces().map((pkg) => {
  npm(["pack", "--silent", "--pack-destination", out, "--workspace", pkg.directory]);
  return { ...pkg, tarball: join(out, tarballName(pkg.name, pkg.version)) };
});
writeFileSync(join(out, "packed.json"), `${JSON.stringify(packed, null, 2)}\n`);
for (const p of packed) process.stderr.write(`packed ${p.name}@${p.version} → ${p.tarball}\n`);
