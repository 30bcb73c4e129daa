/**
 * How far the rollups trail ingestion during a benchmark run, sampled from the store like `/metrics`
 * does (`rollupLag`): the age of the oldest survey not yet folded. And, once ingestion stops, whether
 * the rollups caught up and answer exactly what raw rows answer (no survey lost or counted twice, also
 * when two servers folded the same projects).
 */
import { analyticsReads } from "../src/analytics/analytics-reads.js";
import { rollupLag } from "../src/analytics/rollup-folder.js";
import { summarize, tagCounts } from "../src/analytics/rollup-query.js";
import type { Database } from "../src/store/database.js";

export interface LagSamples {
  samples: number;
  p50Seconds: number;
  p99Seconds: number;
  maxSeconds: number;
}

const percentile = (sorted: readonly number[], q: number) =>
  sorted.length ? (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number) : 0;

/** Sample the rollup lag every `everyMs` until `stop()`. */
export function sampleRollupLag(db: Database, everyMs = 100): { stop(): Promise<LagSamples> } {
  const lags: number[] = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const now = Date.now();
      const lag = await rollupLag(db);
      lags.push(lag.reduce((max, l) => Math.max(max, (now - l.oldestUnfoldedAtMs) / 1000), 0));
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      const sorted = [...lags].sort((a, b) => a - b);
      const r = (x: number) => Math.round(x * 1000) / 1000;
      return {
        samples: sorted.length,
        p50Seconds: r(percentile(sorted, 0.5)),
        p99Seconds: r(percentile(sorted, 0.99)),
        maxSeconds: r(sorted.at(-1) ?? 0),
      };
    },
  };
}

export interface RollupCheck {
  /** Seconds until nothing was left to fold after ingestion stopped. */
  caughtUpAfterSeconds: number;
  surveys: number;
  /** Summary and tag counts from rollups equal those from raw rows. */
  exact: boolean;
}

/** JSON with every object's keys sorted: two answers listing the same counts in another order are equal. */
const canonical = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([x], [y]) => x.localeCompare(y)))
      : v,
  );

/** Wait for the folders to catch up, then compare the rollups' answers with raw rows'. */
export async function checkRollups(
  db: Database,
  projectId: string,
  timeoutMs = 60_000,
): Promise<RollupCheck> {
  const started = Date.now();
  while ((await rollupLag(db)).length > 0 && Date.now() - started < timeoutMs)
    await new Promise((resolve) => setTimeout(resolve, 100));
  const caughtUpAfterSeconds = Math.round((Date.now() - started) / 100) / 10;
  const [rolled, raw] = [analyticsReads(db, "auto"), analyticsReads(db, "raw")];
  const [a, b] = [await summarize(rolled, projectId, {}), await summarize(raw, projectId, {})];
  const sortTags = (tags: Awaited<ReturnType<typeof tagCounts>>) =>
    JSON.stringify(
      [...tags].sort((x, y) => `${x.category}/${x.tag}`.localeCompare(`${y.category}/${y.tag}`)),
    );
  // Counts must be equal; score sums are sums of fractions, equal to the last bits.
  const sameCategories = a.categories.every((c, i) => {
    const d = b.categories[i];
    return (
      d !== undefined &&
      c.category === d.category &&
      c.surveys === d.surveys &&
      c.poor === d.poor &&
      canonical(c.distribution) === canonical(d.distribution) &&
      Math.abs(c.normalizedScoreSum - d.normalizedScoreSum) < 1e-6
    );
  });
  const exact =
    a.surveys === b.surveys &&
    sameCategories &&
    sortTags(await tagCounts(rolled, projectId, {})) === sortTags(await tagCounts(raw, projectId, {}));
  if (!exact) {
    const [ta, tb] = [await tagCounts(rolled, projectId, {}), await tagCounts(raw, projectId, {})];
    process.stderr.write(
      `bench: rollups ${JSON.stringify(a.categories)}\nbench: raw     ${JSON.stringify(b.categories)}\n` +
        `bench: rollup tags ${sortTags(ta)}\nbench: raw tags    ${sortTags(tb)}\n`,
    );
  }
  return { caughtUpAfterSeconds, surveys: b.surveys, exact };
}
