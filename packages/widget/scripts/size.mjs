#!/usr/bin/env node
// Size of the widget as a page downloads it: the core bundle (element, lit-html, client SDK, English), built
// by vite in memory with the package's own config, minified, gzip level 9. The parts (lit-html, client
// SDK, the widget's own code) are each bundled alone with esbuild (then terser) to show where the bytes go; they add
// up to more than the whole, which shares one gzip window. Prints JSON; `measureWidgetSize` is exported
// so a root `bench:size` script can reuse it.
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { build as esbuild } from "esbuild";
import { minify } from "terser";
import { build } from "vite";
import { TERSER_OPTIONS } from "../../../scripts/terser-options.mjs";

/** Budget of widget + client SDK, min+gzip. */
export const BUDGET_GZIP_BYTES = 15 * 1024;

const root = fileURLToPath(new URL("..", import.meta.url));

const measure = (code) => ({
  min: code.length,
  gzip: gzipSync(code, { level: 9 }).length,
  brotli: brotliCompressSync(code, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
});

async function part(contents, external = []) {
  const result = await esbuild({
    stdin: { contents, resolveDir: `${root}src`, loader: "ts" },
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    conditions: ["source"],
    external,
    write: false,
    logLevel: "silent",
  });
  const { min, gzip } = measure(
    Buffer.from((await minify(result.outputFiles[0].text, TERSER_OPTIONS)).code ?? ""),
  );
  return { min, gzip };
}

/** Build the bundle in memory and measure it; sizes in bytes. */
export async function measureWidgetSize() {
  const output = await build({ root, logLevel: "silent", build: { write: false } });
  const chunks = (Array.isArray(output) ? output : [output]).flatMap((o) => o.output);
  const bundle = chunks.find((c) => c.type === "chunk" && c.fileName === "aftercall-widget.js");
  if (!bundle) throw new Error("vite produced no aftercall-widget.js");
  const total = measure(Buffer.from(bundle.code));
  // Languages other than English: fetched only by pages that show them, so outside the budget.
  const locales = Object.fromEntries(
    chunks
      .filter((c) => c.type === "chunk" && c !== bundle)
      .map((c) => [c.fileName, measure(Buffer.from(c.code))]),
  );
  return {
    package: "@aftercall/widget",
    file: "dist/aftercall-widget.js",
    ...total,
    budgetGzip: BUDGET_GZIP_BYTES,
    withinBudget: total.gzip <= BUDGET_GZIP_BYTES,
    locales,
    parts: {
      litHtml: await part(`export { html, nothing, render } from "lit/html.js";`),
      client: await part(`export { createSurveyClient } from "@aftercall/client";`),
      widget: await part(`export * from "./index.ts";`, ["lit", "lit/*", "@aftercall/*", "./locales/*"]),
    },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const size = await measureWidgetSize();
  console.log(JSON.stringify(size));
  if (!size.withinBudget) process.exitCode = 1;
}
