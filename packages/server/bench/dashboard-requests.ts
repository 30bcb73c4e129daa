import { type Child, startChild } from "./processes.js";

const DAY = 86_400_000;

/** The dashboard's requests for a range of `days` ending now. */
export function dashboardRequests(
  days: number,
  bounds?: { from: string; to: string },
): Array<{ name: string; path: string }> {
  const to = new Date();
  const from = new Date(to.getTime() - days * DAY);
  const iso = bounds ?? { from: from.toISOString(), to: to.toISOString() };
  const range = `projectId=bench&from=${iso.from}&to=${iso.to}`;
  const version = `4.${Math.floor((to.getTime() - 2 * DAY) / (12 * DAY)) % 1000}.0`;
  const previous = `4.${(Math.floor((to.getTime() - 2 * DAY) / (12 * DAY)) - 1) % 1000}.0`;
  return [
    { name: "summary", path: `/v1/analytics/summary?${range}` },
    { name: "summary platform=iOS", path: `/v1/analytics/summary?${range}&platform=iOS%2018.1` },
    { name: "tags", path: `/v1/analytics/tags?${range}` },
    {
      name: "timeseries day Europe/Berlin",
      path: `/v1/analytics/timeseries?${range}&bucket=day&tz=Europe/Berlin`,
    },
    {
      name: "timeseries hour Asia/Kolkata",
      path: `/v1/analytics/timeseries?${range}&bucket=hour&tz=Asia/Kolkata`,
    },
    { name: "breakdown appVersion", path: `/v1/analytics/breakdown?${range}&by=appVersion` },
    { name: "breakdown platform", path: `/v1/analytics/breakdown?${range}&by=platform` },
    {
      name: "breakdown dimension:region",
      path: `/v1/analytics/breakdown?${range}&by=dimension:region`,
    },
    {
      name: "compare versions",
      path: `/v1/analytics/compare?projectId=bench&a.from=${iso.from}&a.appVersion=${version}&b.from=${iso.from}&b.appVersion=${previous}`,
    },
    {
      name: "summary dimension.region=eu-west",
      path: `/v1/analytics/summary?${range}&dimension.region=eu-west`,
    },
    { name: "dimension keys", path: `/v1/analytics/dimensions?${range}` },
    {
      name: "compare regions",
      path: `/v1/analytics/compare?projectId=bench&a.from=${iso.from}&a.dimension.region=eu-west&b.from=${iso.from}&b.dimension.region=us-east`,
    },
    {
      name: "call quality",
      path: `/v1/projects/bench/analytics/call-quality?from=${iso.from}&to=${iso.to}`,
    },
    {
      name: "call quality networkBand=good",
      path: `/v1/projects/bench/analytics/call-quality?from=${iso.from}&to=${iso.to}&networkBand=good`,
    },
    { name: "summary networkBand=poor", path: `/v1/analytics/summary?${range}&networkBand=poor` },
    { name: "list first page", path: `/v1/surveys?${range}&limit=50` },
    { name: "list q=rejoin (raw)", path: `/v1/surveys?${range}&limit=50&q=rejoin` },
    { name: "list poor=audio (raw)", path: `/v1/surveys?${range}&limit=50&poor=audio` },
  ];
}

/** The operator token the dashboard benches' servers accept. */
export const BENCH_OPERATOR = "bench-operator-token-0123456789abcdef";

const RUNNING = /Aftercall.* is running at (http:\/\/\S+)/;

/**
 * `aftercall serve` for a dashboard bench: `entry` is how to run the CLI (node flags and its file), `store`
 * its store flags. Rate limits are off: one client address far above any real client's rate would
 * measure the limits themselves. Resolves with the child and its base URL.
 */
export async function serveForBench(
  entry: readonly string[],
  store: readonly string[],
): Promise<{ server: Child; base: string }> {
  const server = await startChild({
    command: process.execPath,
    args: [...entry, "serve", "--host", "127.0.0.1", "--port", "0", ...store],
    env: {
      ...process.env,
      AFTERCALL_OPERATOR_TOKEN: BENCH_OPERATOR,
      AFTERCALL_LOG_LEVEL: "warn",
      AFTERCALL_RATE_LIMITS: "off",
    },
    ready: RUNNING,
    readyTimeoutMs: 120_000,
  });
  return { server, base: RUNNING.exec(server.output())?.[1] as string };
}
