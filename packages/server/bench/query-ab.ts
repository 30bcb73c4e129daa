/**
 * `npm run bench:query-ab -- --a-root DIR (--a-data-dir DIR | --a-database-url URL) [--b-root DIR]
 * (--b-data-dir DIR | --b-database-url URL) [--samples 40]`: the dashboard's requests of `bench:query`,
 * answered by two builds side by side, interleaved request by request (A, then B, then A…), so both
 * see the same machine at the same moment. A shared, noisy machine moves whole runs by ±20 % between
 * minutes; interleaving cancels that out of the ratio.
 *
 * Each side is a built checkout (`npm run build` there; B defaults to this one) serving a store that
 * `npm run bench:query -- --load-only` loaded with that checkout's code, at about the same time (the
 * ranges end now). Both servers run unpinned, one request in flight at a time. Prints p50/p95 per
 * request and side, the B/A ratios and their medians; writes JSON to `--output` (default
 * artifacts/bench-query-ab.json).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { dashboardRequests, BENCH_OPERATOR as OPERATOR, serveForBench } from "./dashboard-requests.js";
import { quantile } from "./steady-ingest.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

const { values: args } = parseArgs({
  options: {
    "a-root": { type: "string" },
    "a-data-dir": { type: "string" },
    "a-database-url": { type: "string" },
    "b-root": { type: "string", default: ROOT },
    "b-data-dir": { type: "string" },
    "b-database-url": { type: "string" },
    samples: { type: "string", default: "40" },
    output: { type: "string", default: join(ROOT, "artifacts/bench-query-ab.json") },
  },
});

interface Side {
  name: "a" | "b";
  root: string;
  store: string[];
}

function side(name: "a" | "b"): Side {
  const root = args[`${name}-root`];
  const dataDir = args[`${name}-data-dir`];
  const url = args[`${name}-database-url`];
  if (!root || (dataDir === undefined) === (url === undefined))
    throw new Error(`--${name}-root and one of --${name}-data-dir, --${name}-database-url are required`);
  return {
    name,
    root: resolve(root),
    store: dataDir ? ["--data-dir", dataDir] : ["--database-url", url ?? ""],
  };
}

/** A route or filter one side does not have (an older build): the request is skipped, and said so. */
class NotServed extends Error {}

/**
 * One request's time in ms. 404 (no such route) and 400 (an unknown filter) mean the side lacks it; any
 * other answer but 200 ends the bench.
 */
async function timed(base: string, path: string): Promise<number> {
  const started = performance.now();
  const response = await fetch(base + path, { headers: { authorization: `Bearer ${OPERATOR}` } });
  const body = await response.text();
  if (response.status === 404 || response.status === 400)
    throw new NotServed(`${base}${path}: ${body.slice(0, 200)}`);
  if (response.status !== 200) throw new Error(`${base}${path}: ${response.status} ${body.slice(0, 300)}`);
  return performance.now() - started;
}

const round = (x: number) => Math.round(x * 100) / 100;
const median = (xs: number[]) =>
  quantile(
    [...xs].sort((x, y) => x - y),
    0.5,
  );

async function main() {
  const samples = Number(args.samples);
  const [a, b] = [side("a"), side("b")];
  const served = [
    await serveForBench([join(a.root, "packages/server/dist/cli.js")], a.store),
    await serveForBench([join(b.root, "packages/server/dist/cli.js")], b.store),
  ];
  try {
    const [baseA, baseB] = served.map((s) => s.base) as [string, string];
    const rows: Array<{ request: string; a: { p50: number; p95: number }; b: { p50: number; p95: number } }> =
      [];
    const skipped: string[] = [];
    for (const days of [7, 30]) {
      for (const { name, path } of dashboardRequests(days)) {
        const times = { a: [] as number[], b: [] as number[] };
        try {
          for (let i = 0; i < 5; i++) {
            await timed(baseA, path);
            await timed(baseB, path);
          }
        } catch (error) {
          if (!(error instanceof NotServed)) throw error;
          process.stderr.write(`bench: ${days}d ${name}: skipped, one side does not have it\n`);
          skipped.push(`${days}d ${name}`);
          continue;
        }
        for (let i = 0; i < samples; i++) {
          times.a.push(await timed(baseA, path));
          times.b.push(await timed(baseB, path));
        }
        const stats = (xs: number[]) => {
          const sorted = [...xs].sort((x, y) => x - y);
          return { p50: round(quantile(sorted, 0.5)), p95: round(quantile(sorted, 0.95)) };
        };
        const row = { request: `${days}d ${name}`, a: stats(times.a), b: stats(times.b) };
        rows.push(row);
        process.stderr.write(
          `bench: ${row.request}: A ${row.a.p50} / ${row.a.p95} ms, B ${row.b.p50} / ${row.b.p95} ms, p95 ${round(row.b.p95 / row.a.p95)}×\n`,
        );
      }
    }
    const p50 = round(median(rows.map((r) => r.b.p50 / r.a.p50)));
    const p95 = round(median(rows.map((r) => r.b.p95 / r.a.p95)));
    console.log("| request | A p50 / p95 ms | B p50 / p95 ms | p95 B/A |\n| --- | ---: | ---: | ---: |");
    for (const r of rows)
      console.log(
        `| ${r.request} | ${r.a.p50} / ${r.a.p95} | ${r.b.p50} / ${r.b.p95} | ${round(r.b.p95 / r.a.p95)}× |`,
      );
    console.log(
      `\nMedian B/A over ${rows.length} requests: p50 ${p50}×, p95 ${p95}× (${samples} samples each).`,
    );
    mkdirSync(dirname(args.output), { recursive: true });
    writeFileSync(
      args.output,
      `${JSON.stringify({ a, b, samples, rows, skipped, medianRatio: { p50, p95 } }, null, 2)}\n`,
    );
  } finally {
    await Promise.all(served.map((s) => s.server.stop()));
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
