#!/usr/bin/env node
// Size of the whole SDK as an app ships it: src/index.ts bundled with @aftercall/schema (validator
// included), minified ESM (esbuild, then terser with the settings of scripts/terser-options.mjs, as for
// the widget bundle), gzip level 9. Also measures the two parts on their own: the client's own
// code (schema external) and the schema values it imports; and the call-quality entries
// (src/quality/, src/quality-aware/) against their own budgets. Prints one JSON line per entry; `measureClientSize` and
// `measureQualitySize` are exported so a root `bench:size` script can reuse them.
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { minify } from "terser";
import { TERSER_OPTIONS } from "../../../scripts/terser-options.mjs";

/** Budget of the whole SDK, min+gzip. */
export const BUDGET_GZIP_BYTES = 5 * 1024;
/** Budget of the call-quality collector (`@aftercall/client/quality`), min+gzip. */
export const QUALITY_BUDGET_GZIP_BYTES = 2 * 1024;
/** Budget of quality-aware sampling (`@aftercall/client/quality-aware`, network bands included), min+gzip. */
export const QUALITY_AWARE_BUDGET_GZIP_BYTES = 1024;

const srcDir = fileURLToPath(new URL("../src/", import.meta.url));

async function bundle(options) {
  const result = await build({
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    conditions: ["source"],
    write: false,
    logLevel: "silent",
    ...options,
  });
  const code = Buffer.from((await minify(result.outputFiles[0].text, TERSER_OPTIONS)).code ?? "");
  return { min: code.length, gzip: gzipSync(code, { level: 9 }).length };
}

/** Values (not types) the client imports from @aftercall/schema. */
function schemaValuesUsed() {
  const names = new Set();
  for (const file of readdirSync(srcDir).filter((f) => f.endsWith(".ts"))) {
    const text = readFileSync(srcDir + file, "utf8");
    for (const [, list] of text.matchAll(/import\s*\{([^}]*)\}\s*from\s*"@aftercall\/schema"/g)) {
      for (const name of list.split(",").map((n) => n.trim())) {
        if (name && !name.startsWith("type ")) names.add(name);
      }
    }
  }
  return [...names].sort();
}

/** Bundle and measure the SDK; sizes in bytes. */
export async function measureClientSize() {
  const entry = `${srcDir}index.ts`;
  const total = await bundle({ entryPoints: [entry] });
  const own = await bundle({ entryPoints: [entry], external: ["@aftercall/schema"] });
  const used = schemaValuesUsed();
  const schema = await bundle({
    stdin: {
      contents: `export { ${used.join(", ")} } from "@aftercall/schema";`,
      resolveDir: srcDir,
      loader: "ts",
    },
  });
  return {
    package: "@aftercall/client",
    min: total.min,
    gzip: total.gzip,
    budgetGzip: BUDGET_GZIP_BYTES,
    withinBudget: total.gzip <= BUDGET_GZIP_BYTES,
    parts: { client: own, schema: { ...schema, imports: used } },
  };
}

/**
 * Bundle and measure the call-quality entries on their own, with the schema code each imports: the
 * collector (limits, the E-model) and quality-aware sampling (network bands, the client's draw). An app
 * using them loads them besides the SDK; sizes in bytes.
 */
export async function measureQualitySize() {
  const entries = [
    ["@aftercall/client/quality", "quality/index.ts", QUALITY_BUDGET_GZIP_BYTES],
    ["@aftercall/client/quality-aware", "quality-aware/index.ts", QUALITY_AWARE_BUDGET_GZIP_BYTES],
  ];
  const sizes = [];
  for (const [name, entry, budget] of entries) {
    const total = await bundle({ entryPoints: [`${srcDir}${entry}`] });
    sizes.push({ package: name, ...total, budgetGzip: budget, withinBudget: total.gzip <= budget });
  }
  return sizes;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const size of [await measureClientSize(), ...(await measureQualitySize())]) {
    console.log(JSON.stringify(size));
    if (!size.withinBudget) process.exitCode = 1;
  }
}
