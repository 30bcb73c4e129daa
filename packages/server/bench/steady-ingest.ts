/**
 * A well-behaved client for the benches: single `POST /v1/surveys` at a steady rate, each request's
 * latency recorded, and p50/p99/max of one or several such phases taken together.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { SurveyBodies } from "./survey-body.js";

/** One phase of steady ingestion: how many were sent, how many failed, the 2xx latencies (ms). */
export interface IngestPhase {
  requests: number;
  failures: number;
  latencies: number[];
}

/** Send `rate` surveys a second for `seconds` to `base`, on schedule whatever the answers take. */
export async function steadyIngest(
  base: string,
  key: string,
  rate: number,
  seconds: number,
): Promise<IngestPhase> {
  const bodies = new SurveyBodies();
  const latencies: number[] = [];
  let failures = 0;
  const inflight: Array<Promise<void>> = [];
  const started = performance.now();
  const total = rate * seconds;
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const { body } = bodies.next();
    inflight.push(
      (async () => {
        const t = performance.now();
        const res = await fetch(`${base}/v1/surveys`, {
          method: "POST",
          headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
          body,
        });
        await res.arrayBuffer();
        if (res.status === 201) latencies.push(performance.now() - t);
        else failures++;
      })(),
    );
  }
  await Promise.all(inflight);
  return { requests: total, failures, latencies };
}

export const quantile = (sorted: readonly number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] as number;
export const ms = (n: number) => Math.round(n * 10) / 10;

/** p50/p99/max of the 2xx latencies of one or several phases taken together. */
export function percentiles(phases: ReadonlyArray<IngestPhase>) {
  const latencies = phases.flatMap((p) => p.latencies).sort((a, b) => a - b);
  return {
    requests: phases.reduce((n, p) => n + p.requests, 0),
    failures: phases.reduce((n, p) => n + p.failures, 0),
    p50: ms(quantile(latencies, 0.5)),
    p99: ms(quantile(latencies, 0.99)),
    max: ms(latencies.at(-1) as number),
  };
}
