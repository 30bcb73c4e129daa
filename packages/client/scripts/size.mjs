#!/usr/bin/env node
// Size of the whole SDK as an app ships it: src/index.ts bundled with @aftercall/schema (validator
// included), minified ESM (esbuild, then terser with the settings of scripts/terser-options.mjs, as for
// the widget bundle), gzip level 9. Also measures the two parts on their own: the client's own
// code (schema external) and the schema values it imports. Then each further entry point (`./acs` and the
// SDK adapters) the same way, its calling SDK left out (a peer dependency the app already has), each
// against its own budget. Prints one JSON line for the SDK and one for the entry points;
// `measureClientSize` and `measureEntryPoints` are exported so a root `bench:size` script can reuse them.
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { minify } from "terser";
import { TERSER_OPTIONS } from "../../../scripts/terser-options.mjs";

/** Budget of the whole SDK, min+gzip. */
export const BUDGET_GZIP_BYTES = 5 * 1024;

const srcDir = fileURLToPath(new URL("../src/", import.meta.url));

/**
 * Budgets (min+gzip) of the other entry points, each bundled alone. `./acs` contains the whole SDK (it
 * creates the client) plus the ACS feature; an adapter contains only itself and the call record.
 */
export const ENTRY_BUDGETS_GZIP_BYTES = {
  "./acs": 6 * 1024,
  "./livekit": 1536,
  "./twilio": 1536,
  "./daily": 1536,
  "./jitsi": 1536,
  "./webrtc": 1536,
  // The call-quality collector (with the schema's limits and E-model it imports) and quality-aware sampling.
  "./quality": 2 * 1024,
  "./quality-aware": 1024,
};

/** The calling SDKs: peer dependencies, never in Aftercall's bundles. */
const PEERS = ["@azure/communication-calling", "livekit-client", "twilio-video", "@daily-co/daily-js"];

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

/** Bundle and measure every entry point but the main one, each alone; sizes in bytes. */
export async function measureEntryPoints() {
  const exports = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")).exports;
  const measured = [];
  for (const [entry, budgetGzip] of Object.entries(ENTRY_BUDGETS_GZIP_BYTES)) {
    const source = exports[entry]?.source;
    if (!source) throw new Error(`package.json exports no ${entry}`);
    const size = await bundle({
      entryPoints: [fileURLToPath(new URL(`../${source}`, import.meta.url))],
      external: PEERS,
    });
    measured.push({
      entry: `@aftercall/client${entry.slice(1)}`,
      ...size,
      budgetGzip,
      withinBudget: size.gzip <= budgetGzip,
    });
  }
  return measured;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const size = await measureClientSize();
  console.log(JSON.stringify(size));
  const entries = await measureEntryPoints();
  console.log(JSON.stringify({ entryPoints: entries }));
  if (!size.withinBudget || entries.some((e) => !e.withinBudget)) process.exitCode = 1;
}
