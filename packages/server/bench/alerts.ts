/**
 * `npm run bench:alerts [-- --weeks N --trials T --seed S]`: seeded simulations of survey streams,
 * evaluated every minute on one-minute counts as the product does, comparing the alert detector (a
 * Bernoulli CUSUM, src/alerts/detector.ts) with hand-written rules:
 *
 *   1. false alarms per rule-week on unchanged data (poor-rate 10 %), with a daily and weekly rhythm of
 *      50–500 surveys/hour, and again with the poor-rate itself following the day (±1 point);
 *   2. detection delay after a step 10 % → 12, 15, 20 % at 50, 200 and 500 surveys/hour and at a random
 *      time of the rhythmic week, and the time to resolve after the rate returns.
 *
 * Writes docs/alerts-detection.svg and artifacts/bench-alerts.json. The goal: 10 % → 20 % at 200/h
 * detected within 1 h (median) with ≤ 1 false alarm per 10 rule-weeks.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { type AlertRule, validateAlertRule } from "../src/alerts/alert-rule.js";
import { CusumRunner, NaiveRunner, type Runner } from "./alerts-runners.js";
import { MinuteStream, Random, rhythmicRate, type StreamModel, seedFor } from "./alerts-streams.js";
import { detectionFigure } from "./alerts-svg.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const { values: args } = parseArgs({
  options: {
    weeks: { type: "string", default: "200" },
    trials: { type: "string", default: "100" },
    seed: { type: "string", default: "1" },
    budget: { type: "string", default: "0.1" },
    svg: { type: "string", default: "docs/alerts-detection.svg" },
    output: { type: "string", default: "artifacts/bench-alerts.json" },
  },
});
const WEEKS = Number(args.weeks);
const TRIALS = Number(args.trials);
const SEED = Number(args.seed);
/** The rules' false-alarm budget per week (the product's default is 0.1). */
const BUDGET = Number(args.budget);
if (![WEEKS, TRIALS, SEED].every((n) => Number.isInteger(n) && n >= 0) || WEEKS < 1 || TRIALS < 1) {
  console.error("--weeks and --trials must be whole numbers ≥ 1, --seed a whole number ≥ 0");
  process.exit(2);
}
if (!(BUDGET >= 0.001 && BUDGET <= 7)) {
  console.error("--budget (false alarms per rule-week the rules are designed for) must be from 0.001 to 7");
  process.exit(2);
}

const DAY = 1440;
const WEEK = 7 * DAY;
const P0 = 0.1;

function rule(input: Record<string, unknown>): AlertRule {
  const r = validateAlertRule({ name: "bench", category: "overall", falseAlarmsPerWeek: BUDGET, ...input });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.value;
}
const DEFAULT_RULE = rule({});
const FINE_RULE = rule({ minimumEffect: { type: "difference", value: 0.025 } });
const WARMUP = DEFAULT_RULE.windowMinutes + WEEK; // a full trailing baseline before the first evaluation

/** The rules compared, in the order tables and the figure list them. */
const RUNNERS = {
  cusum: "CUSUM, effect 5 pt (default)",
  fineCusum: "CUSUM, effect 2.5 pt",
  threshold: "threshold: window > baseline + 5 pt",
  repeatedTest: "repeated z-test at 5 % every minute",
} as const;
const RUNNER_NAMES: readonly string[] = Object.values(RUNNERS);

function runners(stream: MinuteStream, start: number): Runner[] {
  return [
    new CusumRunner(RUNNERS.cusum, DEFAULT_RULE, stream, start),
    new CusumRunner(RUNNERS.fineCusum, FINE_RULE, stream, start),
    new NaiveRunner(RUNNERS.threshold, "threshold", DEFAULT_RULE),
    new NaiveRunner(RUNNERS.repeatedTest, "repeated-test", DEFAULT_RULE),
  ];
}

/** Byar's approximation of the exact Poisson 95 % interval of a count. */
function poissonCi(k: number): [number, number] {
  const z = 1.959963984540054;
  const lower = k === 0 ? 0 : k * (1 - 1 / (9 * k) - z / (3 * Math.sqrt(k))) ** 3;
  const k1 = k + 1;
  return [lower, k1 * (1 - 1 / (9 * k1) + z / (3 * Math.sqrt(k1))) ** 3];
}

interface FalseAlarms {
  scenario: string;
  runner: string;
  ruleWeeks: number;
  alarms: number;
  perWeek: number;
  ci95: [number, number];
}

/** Experiment 1: count alarms on streams whose poor-rate never rises. */
function falseAlarms(scenario: string, poorRate: (minute: number) => number, weeks: number): FalseAlarms[] {
  const perStream = 10;
  const streams = Math.ceil(weeks / perStream);
  const counts = new Map<string, number>();
  for (let s = 0; s < streams; s++) {
    const measured = Math.min(perStream, weeks - s * perStream) * WEEK;
    const model: StreamModel = { ratePerHour: rhythmicRate, poorRate };
    const stream = new MinuteStream(WARMUP + measured, model, new Random(seedFor(SEED, scenario, s)));
    const list = runners(stream, WARMUP);
    for (let t = WARMUP; t < WARMUP + measured; t++) {
      for (const r of list)
        if (r.step(stream, t) === "firing") counts.set(r.name, (counts.get(r.name) ?? 0) + 1);
    }
  }
  return RUNNER_NAMES.map((name) => {
    const alarms = counts.get(name) ?? 0;
    const [lo, hi] = poissonCi(alarms);
    return {
      scenario,
      runner: name,
      ruleWeeks: weeks,
      alarms,
      perWeek: alarms / weeks,
      ci95: [lo / weeks, hi / weeks],
    };
  });
}

const BURN_IN = 360;
const CAP = DAY;
const REGRESSION_AFTER_DETECTION = 60;

interface Trial {
  /**
   * Minutes from the step to the first firing, per runner (Infinity: not within the cap; null: the
   * runner was already firing, a false alarm, when the step came, so its delay is not measurable).
   */
  delays: Map<string, number | null>;
  /** Minutes from the return to baseline to the default detector's resolution (Infinity: not within the cap). */
  resolve: number | null;
}

function stepModel(
  rate: "rhythm" | number,
  after: number,
  step: number,
  back = Number.POSITIVE_INFINITY,
): StreamModel {
  return {
    ratePerHour: rate === "rhythm" ? rhythmicRate : () => rate,
    poorRate: (m) => (m >= step && m < back ? after : P0),
  };
}

/**
 * Minutes from the rate's return to 10 % until the default detector is no longer firing (0 if a rise at
 * its boundary already resolved before), replaying the detection run's draws.
 */
function resolution(
  rate: "rhythm" | number,
  after: number,
  step: number,
  detected: number,
  seed: number,
): number {
  const back = step + detected + REGRESSION_AFTER_DETECTION;
  const stream = new MinuteStream(back + CAP + 1, stepModel(rate, after, step, back), new Random(seed));
  // Same seed, same rates: the same draws as the detection run up to `back` (a binomial uses n uniforms
  // whatever its p), so re-running the detector reproduces its state there.
  const cusum = new CusumRunner("default", DEFAULT_RULE, stream, step - BURN_IN);
  for (let t = step - BURN_IN; t < back + CAP; t++) {
    if (t >= back && cusum.status !== "firing") return t - back;
    cusum.step(stream, t);
  }
  return Number.POSITIVE_INFINITY;
}

/** Experiment 2: one step from 10 % to `after`; every runner sees the same stream. */
function trial(rate: "rhythm" | number, after: number, index: number): Trial {
  const seed = seedFor(SEED, `step-${rate}-${after}`, index);
  const random = new Random(seed ^ 0x5bd1e995);
  const step = WARMUP + BURN_IN + (rate === "rhythm" ? Math.floor(random.uniform() * WEEK) : 0);
  const stream = new MinuteStream(step + CAP + 1, stepModel(rate, after, step), new Random(seed));
  const list = runners(stream, step - BURN_IN);
  const delays = new Map<string, number | null>();
  for (let t = step - BURN_IN; t < step + CAP; t++) {
    for (const r of list) {
      if (t === step && r.status === "firing") delays.set(r.name, null);
      const changed = r.step(stream, t);
      if (changed === "firing" && t >= step && !delays.has(r.name)) delays.set(r.name, t + 1 - step);
    }
    if (t >= step && delays.size === list.length) break;
  }
  for (const r of list) if (!delays.has(r.name)) delays.set(r.name, Number.POSITIVE_INFINITY);
  const detected = delays.get(list[0]?.name as string);
  const resolve =
    typeof detected === "number" && Number.isFinite(detected)
      ? resolution(rate, after, step, detected, seed)
      : null;
  return { delays, resolve };
}

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
const minutes = (m: number) => (Number.isFinite(m) ? `${m}` : "—");

interface DelayRow {
  rate: string;
  after: number;
  runner: string;
  trials: number;
  /** Trials left out because the rule was already firing (a false alarm) when the step came. */
  alreadyFiring: number;
  detectedShare: number;
  median: number;
  p10: number;
  p90: number;
  sorted: number[];
}

/** The goal's case gets four times the trials, so that its median is known to within a few minutes. */
const trialsFor = (rate: "rhythm" | number, after: number) =>
  rate === 200 && after === 0.2 ? 4 * TRIALS : TRIALS;

/** Distribution-free 95 % interval of the median from order statistics. */
function medianCi(sorted: number[]): [number, number] {
  const n = sorted.length;
  const half = 0.98 * Math.sqrt(n);
  return [
    sorted[Math.max(0, Math.floor(n / 2 - half))] as number,
    sorted[Math.min(n - 1, Math.ceil(n / 2 + half))] as number,
  ];
}

function delayRows(rate: "rhythm" | number, after: number): { rows: DelayRow[]; resolve: number[] } {
  const trials = Array.from({ length: trialsFor(rate, after) }, (_, i) => trial(rate, after, i));
  const names = RUNNER_NAMES;
  const rows = names.map((runner) => {
    const measured = trials
      .map((t) => t.delays.get(runner))
      .filter((d): d is number => typeof d === "number");
    const sorted = measured.sort((a, b) => a - b);
    return {
      rate: rate === "rhythm" ? "50–500/h rhythm" : `${rate}/h`,
      after,
      runner,
      trials: sorted.length,
      alreadyFiring: trials.length - sorted.length,
      detectedShare: sorted.filter(Number.isFinite).length / sorted.length,
      median: quantile(sorted, 0.5),
      p10: quantile(sorted, 0.1),
      p90: quantile(sorted, 0.9),
      sorted,
    };
  });
  const resolve = trials
    .map((t) => t.resolve)
    .filter((r): r is number => r !== null)
    .sort((a, b) => a - b);
  return { rows, resolve };
}

function main(): void {
  const started = performance.now();
  const meanRate = Array.from({ length: WEEK }, (_, m) => rhythmicRate(m)).reduce((a, b) => a + b) / WEEK;
  console.log(
    `# bench:alerts  seed ${SEED}, ${WEEKS} rule-weeks per scenario, ${TRIALS} trials per step, rules designed for ${BUDGET} false alarms per week`,
  );
  console.log(
    `rhythmic profile: 50–500 surveys/hour, mean ${meanRate.toFixed(0)}/h; evaluation every minute on one-minute counts\n`,
  );

  const fa = [
    ...falseAlarms("stationary 10 %", () => P0, WEEKS),
    ...falseAlarms(
      "10 % ± 1 pt with the day",
      (m) => P0 + 0.01 * Math.sin((2 * Math.PI * ((m % DAY) - 6 * 60)) / DAY),
      WEEKS,
    ),
  ];
  console.log("## False alarms per rule-week (no change in the poor-rate)\n");
  console.log(
    "| scenario | rule | rule-weeks | false alarms | per rule-week (95 % CI) |\n|---|---|---:|---:|---|",
  );
  for (const r of fa)
    console.log(
      `| ${r.scenario} | ${r.runner} | ${r.ruleWeeks} | ${r.alarms} | ${r.perWeek.toFixed(3)} (${r.ci95[0].toFixed(3)}–${r.ci95[1].toFixed(3)}) |`,
    );
  console.log(`\n(${((performance.now() - started) / 1000).toFixed(0)} s)\n`);

  const rates: ("rhythm" | number)[] = [50, 200, 500, "rhythm"];
  const delays: DelayRow[] = [];
  const resolves: { rate: string; after: number; median: number; p90: number; n: number }[] = [];
  console.log("## Detection delay after a step from 10 % (minutes; — = not within 24 h)\n");
  console.log(
    "| rate | step to | rule | trials | detected ≤ 24 h | median | p10 | p90 |\n|---|---|---|---:|---:|---:|---:|---:|",
  );
  for (const rate of rates) {
    for (const after of [0.12, 0.15, 0.2]) {
      const { rows, resolve } = delayRows(rate, after);
      for (const r of rows) {
        delays.push(r);
        // Trials in which a rule was already firing (a false alarm) at the step are left out for it.
        const trials = r.alreadyFiring > 0 ? `${r.trials} (+${r.alreadyFiring} firing)` : `${r.trials}`;
        console.log(
          `| ${r.rate} | ${after * 100} % | ${r.runner} | ${trials} | ${(r.detectedShare * 100).toFixed(0)} % | ${minutes(r.median)} | ${minutes(r.p10)} | ${minutes(r.p90)} |`,
        );
      }
      if (resolve.length > 0)
        resolves.push({
          rate: rows[0]?.rate ?? "",
          after,
          median: quantile(resolve, 0.5),
          p90: quantile(resolve, 0.9),
          n: resolve.length,
        });
    }
  }
  console.log(
    "\n## Time to resolve once the rate is back at 10 % (default rule; regression lasted until 60 min after detection)\n",
  );
  console.log("| rate | step to | resolved trials | median | p90 |\n|---|---|---:|---:|---:|");
  for (const r of resolves)
    console.log(`| ${r.rate} | ${r.after * 100} % | ${r.n} | ${minutes(r.median)} | ${minutes(r.p90)} |`);

  const headline = delays.find((d) => d.rate === "200/h" && d.after === 0.2 && d.runner === RUNNERS.cusum);
  const headlineFa = fa.find((f) => f.scenario === "stationary 10 %" && f.runner === RUNNERS.cusum);
  const goalMet = (headline?.median ?? Infinity) <= 60 && (headlineFa?.perWeek ?? Infinity) <= 0.1;
  const ci = headline ? medianCi(headline.sorted) : [Infinity, Infinity];
  console.log(
    `\nGoal (10 % → 20 % at 200/h within 60 min median, ≤ 0.1 false alarms per rule-week): median ${minutes(headline?.median ?? Infinity)} min (95 % CI ${minutes(ci[0] as number)}–${minutes(ci[1] as number)}, ${headline?.trials} trials), ${headlineFa?.perWeek.toFixed(3)} false alarms per rule-week (95 % CI ${headlineFa?.ci95.map((x) => x.toFixed(3)).join("–")}) → ${goalMet ? "met" : "NOT met"}`,
  );
  writeOutputs(fa, delays, resolves, {
    seed: SEED,
    weeks: WEEKS,
    trials: TRIALS,
    budget: BUDGET,
    meanRate,
    goalMet,
  });
  console.log(`\n${((performance.now() - started) / 1000).toFixed(0)} s in all`);
}

function writeOutputs(
  fa: FalseAlarms[],
  delays: DelayRow[],
  resolves: unknown[],
  meta: Record<string, unknown>,
): void {
  const colors = ["#1f5fbf", "#7a3db8", "#d9822b", "#3a9a5b"];
  const at200 = (after: number, runner: string) =>
    delays.find((d) => d.rate === "200/h" && d.after === after && d.runner === runner) as DelayRow;
  const curves = [0.2, 0.15].flatMap((after) =>
    [
      { runner: RUNNERS.cusum, label: "CUSUM (default)", color: colors[0] as string },
      { runner: RUNNERS.threshold, label: "naive threshold", color: colors[2] as string },
    ].map((c) => ({
      label: `${c.label} · 10 → ${after * 100} %`,
      color: c.color,
      dashed: after === 0.15,
      delays: at200(after, c.runner).sorted,
    })),
  );
  const stationary = fa.filter((f) => f.scenario === "stationary 10 %");
  const svg = detectionFigure({
    title: "Alerts: detection delay and false alarms (seeded simulation, evaluated every minute)",
    curvesTitle: "Share of regressions detected, 200 surveys/hour, from a 10 % poor-rate",
    maxMinutes: 480,
    curves,
    barsTitle: "False alarms per rule-week, 50–500 surveys/hour",
    bars: stationary.map((f, i) => ({
      label: ["CUSUM\n5 pt", "CUSUM\n2.5 pt", "naive\nthreshold", "repeated\nz-test"][i] ?? f.runner,
      color: colors[i] as string,
      perWeek: f.perWeek,
      ci95: f.ci95,
    })),
    goalPerWeek: 0.1,
  });
  const svgPath = resolve(ROOT, args.svg as string);
  mkdirSync(dirname(svgPath), { recursive: true });
  writeFileSync(svgPath, svg);
  const outPath = resolve(ROOT, args.output as string);
  mkdirSync(dirname(outPath), { recursive: true });
  const json = { meta, falseAlarms: fa, delays: delays.map(({ sorted: _, ...d }) => d), resolves };
  writeFileSync(
    outPath,
    `${JSON.stringify(json, (_k, v) => (v === Number.POSITIVE_INFINITY ? null : v), 2)}\n`,
  );
  console.log(`wrote ${args.svg} and ${args.output}`);
}

main();
