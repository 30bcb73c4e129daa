/**
 * The dashboard's alerts in real Chromium against a real server: a project with a quiet baseline day and
 * an injected audio regression (the evaluator's own scenario), a rule that really fires through the real
 * evaluator ticked at the regression's minutes, and a second rule that stays ok. The alert list shows
 * the numbers the API answered, the explanation view shows the ranked contributors the API answered (app
 * version 2.4.0 and the Echo tag on top) and the transitions, the overview's trend shades the firing
 * period and links to the alert, axe-core finds nothing, and screenshots in light, dark and at 375 px
 * (artifacts/screenshots/dashboard-alerts-*.png).
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  AlertHistoryEntrySchema,
  type listAlertHistory,
  type listAlertRules,
  type listAlerts,
  type RouteReply,
} from "@aftercall/api";
import { dashboardDir } from "@aftercall/dashboard";
import type { Browser, BrowserContext, Page, Response } from "playwright-core";
import { Value } from "typebox/value";
import { AlertEvaluator } from "../packages/server/src/alerts/evaluator.js";
import { createRule } from "../packages/server/src/alerts/rule-store.js";
import { analyticsReads } from "../packages/server/src/analytics/analytics-reads.js";
import {
  AUDIO_RULE,
  HOUR_MS,
  REGRESSION_AT,
  seedBaselineDay,
  seedRegression,
} from "../packages/server/test/support/alert-scenario.js";
import { browserSkip, launchBrowser } from "./support/browser.js";
import { dashboardSignIn } from "./support/dashboard-session.js";
import { axeViolations } from "./support/page.js";
import { screenshotDir, startDemoServer } from "./support/server.js";

type Alerts = RouteReply<typeof listAlerts>["items"];
type Rules = RouteReply<typeof listAlertRules>["items"];
type History = RouteReply<typeof listAlertHistory>["items"];

const skip = browserSkip();
const MINUTE_MS = 60_000;
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
/** The baseline day and the regression's day, in hours, in UTC. */
const RANGE = `project=demo&range=custom&from=${day(REGRESSION_AT - 24 * HOUR_MS)}&to=${day(REGRESSION_AT)}&tz=UTC`;
const ALERTS = `#view=alerts&${RANGE}`;
const OVERVIEW = `#view=overview&${RANGE}`;

describe("dashboard alerts in Chromium, against a real server whose rule fired on a regression", {
  skip,
}, () => {
  let demo: Awaited<ReturnType<typeof startDemoServer>>;
  let browser: Browser;
  let shots: string;
  const contexts: BrowserContext[] = [];
  let audioRule: string;
  let videoRule: string;
  let firedAt: number;

  const api = async <T>(path: string, params = new URLSearchParams()) => {
    const response = await fetch(`${demo.server.url}${path}?${params}`, {
      headers: { authorization: `Bearer ${demo.adminToken}` },
    });
    assert.equal(response.status, 200, path);
    return ((await response.json()) as { items: T }).items;
  };

  before(async () => {
    assert.ok(
      existsSync(join(dashboardDir, "index.html")),
      "the dashboard is not built: run `npm run build`",
    );
    // The server evaluates nothing itself: the test ticks an evaluator at the regression's minutes.
    demo = await startDemoServer({ alertIntervalSeconds: 0 });
    const db = demo.server.db;
    await seedBaselineDay(db, "demo");
    audioRule = (await createRule(db, "demo", AUDIO_RULE, REGRESSION_AT - HOUR_MS)).id;
    videoRule = (
      await createRule(
        db,
        "demo",
        { ...AUDIO_RULE, name: "Video complaints", category: "video" },
        REGRESSION_AT,
      )
    ).id;
    // With the server's public URL, as a server configured with one gives it: records link to the alert.
    const evaluator = new AlertEvaluator({ db, reads: analyticsReads(db), dashboardUrl: demo.server.url });
    await evaluator.tick(REGRESSION_AT);
    await seedRegression(db, "demo");
    for (let t = REGRESSION_AT + 5 * MINUTE_MS; t <= REGRESSION_AT + 2 * HOUR_MS; t += 5 * MINUTE_MS) {
      await evaluator.tick(t);
      const alerts = await api<Alerts>("/v1/projects/demo/alerts");
      if (alerts.find((a) => a.ruleId === audioRule)?.status === "firing") {
        firedAt = t;
        break;
      }
    }
    assert.ok(firedAt, "the audio rule fired during the regression");
    browser = await launchBrowser();
    shots = await screenshotDir();
  });
  after(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    await demo?.stop();
  });

  const signedIn = dashboardSignIn(
    () => ({ browser, url: demo.server.url, token: demo.adminToken }),
    contexts,
    ALERTS,
  );

  const idle = (page: Page) => page.waitForFunction(() => !document.querySelector('[aria-busy="true"]'));
  const percentText = (rate: number | null) => (rate === null ? "–" : `${(rate * 100).toFixed(1)}\u00a0%`);
  const path = (r: Response) => new URL(r.url()).pathname;

  /**
   * Open `hash` in a new document and return the answers to it whose path ends with each of `paths` (and
   * whose query has every `name=value` after a `?`). The page first leaves for about:blank (a change of
   * hash alone would be a same-document navigation that asks nothing new, and the signed-in page may
   * still be asking: its answers have no body to read once it is gone); only answers that arrive after
   * about:blank has loaded, which asks nothing, count. A timeout names the answers that did arrive.
   */
  async function openView(page: Page, hash: string, paths: string[]): Promise<Response[]> {
    await page.goto("about:blank");
    const seen: string[] = [];
    const onResponse = (r: Response) => seen.push(`${r.status()} ${path(r)}${new URL(r.url()).search}`);
    page.on("response", onResponse);
    const matches = (r: Response, wanted: string) => {
      const [suffix = "", query] = wanted.split("?");
      const sent = new URL(r.url()).searchParams;
      const all = [...new URLSearchParams(query ?? "")].every(([k, v]) => sent.get(k) === v);
      return path(r).endsWith(suffix) && all;
    };
    try {
      const answers = paths.map((p) =>
        page.waitForResponse((r) => matches(r, p) && r.ok(), { timeout: 120_000 }),
      );
      await page.goto(`${demo.server.url}/${hash}`);
      const responses = await Promise.all(answers);
      await idle(page);
      return responses;
    } catch (error) {
      throw new Error(`${(error as Error).message}; answers seen: ${seen.join(", ")}`);
    } finally {
      page.off("response", onResponse);
    }
  }

  it("lists the firing alert first, with the status, since and rates the API answered", async () => {
    const page = await signedIn();
    const [listed, ruled] = await openView(page, ALERTS, ["/alerts", "/alert-rules"]);
    assert.ok(listed && ruled);
    const alerts = (await listed.json()).items as Alerts;
    const rules = (await ruled.json()).items as Rules;
    // The same questions asked directly get the same answers (nothing evaluates in between).
    assert.deepEqual(await api<Alerts>("/v1/projects/demo/alerts"), alerts);
    assert.deepEqual(await api<Rules>("/v1/projects/demo/alert-rules"), rules);
    assert.deepEqual(
      alerts.map((a) => [a.ruleId, a.status]),
      [
        [audioRule, "firing"],
        [videoRule, "ok"],
      ],
    );
    assert.deepEqual(
      await page.locator("table.alerts tbody tr").evaluateAll((rows) => rows.map((r) => r.dataset.rule)),
      [audioRule, videoRule],
    );
    const firing = alerts[0];
    const rule = rules.find((r) => r.id === audioRule);
    const record = firing?.latest?.record;
    assert.ok(firing && rule && record && rule.state.window);
    assert.equal(firing.since, new Date(firedAt).toISOString());
    // The record the API declares is the record the evaluator wrote.
    assert.ok(
      Value.Check(AlertHistoryEntrySchema, firing.latest),
      "the latest transition matches its schema",
    );
    const row = page.locator(`tr[data-rule="${audioRule}"]`);
    assert.equal(await row.locator(".badge").innerText(), "Firing");
    assert.equal(await row.locator('[data-cell="since"] time').getAttribute("datetime"), firing.since);
    assert.equal(await row.getByRole("link").innerText(), AUDIO_RULE.name);
    const window = await row.locator('[data-cell="window"]').innerText();
    const w = rule.state.window;
    assert.ok(window.includes(percentText(w.poorRate)), window);
    assert.ok(window.includes(`${w.poor} of ${w.surveys}`), window);
    const baseline = await row.locator('[data-cell="baseline"]').innerText();
    assert.ok(baseline.includes(percentText(record.statistics.baseline.poorRate)), baseline);
    // The regression is in the numbers: the window's rate well above the baseline's.
    assert.ok((w.poorRate ?? 0) > 2 * (record.statistics.baseline.poorRate ?? 1), `${w.poorRate}`);
    assert.equal(await page.locator(`tr[data-rule="${videoRule}"] .badge`).innerText(), "OK");
    assert.deepEqual(page.errors, []);
  });

  it("explains the selected alert with the ranked contributors the API answered, and its history", async () => {
    const page = await signedIn();
    await openView(page, ALERTS, ["/alerts", "/alert-rules"]);
    const history = page.waitForResponse(
      (r) => path(r).endsWith("/alerts/history") && r.url().includes(`ruleId=${audioRule}`) && r.ok(),
      { timeout: 120_000 },
    );
    await page.getByRole("link", { name: AUDIO_RULE.name }).click();
    const transitions = ((await (await history).json()) as { items: History }).items;
    assert.match(page.url(), new RegExp(`alert=${audioRule}`));
    const detail = page.locator(`.alert-detail[data-alert="${audioRule}"]`);
    await detail.waitFor();
    await idle(page);
    const alerts = await api<Alerts>("/v1/projects/demo/alerts");
    const record = alerts.find((a) => a.ruleId === audioRule)?.latest?.record;
    assert.ok(record);
    // Every breakdown with contributors, in the API's order, each row with its excess and interval.
    const explained = record.explanations.filter((e) => e.contributions.length > 0);
    const byDimension = new Map(explained.map((e) => [e.dimension, e]));
    assert.equal(byDimension.get("appVersion")?.contributions[0]?.value, "2.4.0");
    assert.equal(byDimension.get("tag")?.contributions[0]?.value, "Echo");
    assert.equal(await detail.locator("[data-explanation]").count(), explained.length);
    for (const e of explained) {
      const table = detail.locator(`[data-explanation="${e.dimension}"]`);
      assert.deepEqual(
        await table.locator("tbody tr").evaluateAll((rows) => rows.map((r) => r.dataset.value)),
        e.contributions.map((c) => c.value),
        e.dimension,
      );
      for (const c of e.contributions) {
        const cell = await table.locator(`tr[data-value="${c.value}"] [data-cell="excess"]`).innerText();
        const [low, high] = c.excessPoorCi95;
        assert.ok(cell.includes(c.excessPoor.toFixed(1)), `${e.dimension} ${c.value}: ${cell}`);
        assert.ok(
          cell.includes(`${low.toFixed(1)} – ${high.toFixed(1)}`),
          `${e.dimension} ${c.value}: ${cell}`,
        );
      }
    }
    assert.equal(
      await detail.locator('[data-explanation="appVersion"] tbody tr').first().getAttribute("data-value"),
      "2.4.0",
    );
    assert.equal(
      await detail.locator('[data-explanation="tag"] tbody tr').first().getAttribute("data-value"),
      "Echo",
    );
    assert.ok(
      (await detail.locator('[data-fact="window"]').innerText()).includes(
        percentText(record.statistics.window.poorRate),
      ),
    );
    // The transitions: ok → firing at the tick it fired.
    assert.deepEqual(
      transitions.map((h) => `${h.from}:${h.to}`),
      ["ok:firing"],
    );
    assert.equal(await detail.locator("tr[data-transition]").count(), transitions.length);
    assert.equal(
      await detail.locator('tr[data-transition="ok:firing"] time').getAttribute("datetime"),
      new Date(firedAt).toISOString(),
    );
    // The selection is in the URL: a reload shows the same alert.
    await openView(page, `${ALERTS}&alert=${audioRule}`, ["/alerts/history"]);
    await page.locator(`.alert-detail[data-alert="${audioRule}"] [data-explanation="tag"]`).waitFor();
    // The link the delivered record carries opens this alert too.
    const link = record.links.dashboard;
    assert.ok(link, "the record links to the dashboard");
    assert.ok(link.startsWith(`${demo.server.url}/#view=alerts&`), link);
    await openView(page, link.slice(demo.server.url.length + 1), ["/alerts/history"]);
    await page.locator(`.alert-detail[data-alert="${audioRule}"] [data-explanation="tag"]`).waitFor();
    assert.deepEqual(page.errors, []);
  });

  it("shades the firing period on the overview's trend, with a text equivalent linking to the alert", async () => {
    const page = await signedIn({}, OVERVIEW);
    const [, trend] = await openView(page, OVERVIEW, [
      "/alerts/history",
      "/analytics/timeseries?category=overall",
    ]);
    // The chart's x axis runs from the first to the last bucket of the first series (overall).
    const points = ((await (trend as Response).json()) as { points: { start: string }[] }).points;
    const band = page.locator(`.chart [data-alert-band="${audioRule}"]`);
    await band.waitFor();
    assert.equal(await band.getAttribute("data-from"), new Date(firedAt).toISOString());
    assert.equal(await band.getAttribute("data-to"), "", "still firing");
    assert.equal(await page.locator(`.chart [data-alert-band="${videoRule}"]`).count(), 0);
    // Where the band starts: the firing time on the hourly x axis (first to last bucket start).
    const over = await page.locator(".chart .u-over").boundingBox();
    const box = await band.boundingBox();
    assert.ok(over && box);
    const first = Date.parse(points[0]?.start ?? "");
    const last = Date.parse(points.at(-1)?.start ?? "");
    assert.ok(first < firedAt && firedAt < last, `${points[0]?.start} ${points.at(-1)?.start}`);
    const expected = over.x + ((firedAt - first) / (last - first)) * over.width;
    assert.ok(Math.abs(box.x - expected) < 3, `band at ${box.x}, expected ${expected}`);
    assert.ok(Math.abs(box.x + box.width - (over.x + over.width)) < 3, "an open period runs to the end");
    assert.match((await page.locator(".chart").getAttribute("aria-label")) ?? "", /1 alert period shaded/);
    // The text equivalent names the alert and its start, and links to it.
    const item = page.locator(`[data-firing="${audioRule}"]`);
    assert.equal(await item.locator("time").getAttribute("datetime"), new Date(firedAt).toISOString());
    assert.match(await item.innerText(), /still firing/);
    await item.getByRole("link", { name: AUDIO_RULE.name }).click();
    await page.locator(`.alert-detail[data-alert="${audioRule}"]`).waitFor();
    assert.match(page.url(), /view=alerts/);
    assert.deepEqual(page.errors, []);
  });

  it("has no axe-core violations, light or dark, and writes screenshots in light, dark and at 375 px", async () => {
    const variants = [
      ["light", { colorScheme: "light" }],
      ["dark", { colorScheme: "dark" }],
      ["mobile", { colorScheme: "light", viewport: { width: 375, height: 812 } }],
    ] as const;
    for (const [name, options] of variants) {
      const page = await signedIn({ ...options, bypassCSP: true });
      const viewport = "viewport" in options ? options.viewport.width : 1280;
      await openView(page, `${ALERTS}&alert=${audioRule}`, ["/alerts/history"]);
      await page.locator('[data-explanation="tag"]').waitFor();
      assert.deepEqual(await axeViolations(page), [], `${name} alerts`);
      await page.screenshot({ path: join(shots, `dashboard-alerts-${name}.png`), fullPage: true });
      let width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= viewport, `${name} alerts: ${width} px wide`);
      await openView(page, OVERVIEW, ["/alerts/history", "/analytics/timeseries"]);
      await page.locator(`[data-alert-band="${audioRule}"]`).waitFor();
      assert.deepEqual(await axeViolations(page), [], `${name} overview`);
      await page.screenshot({ path: join(shots, `dashboard-alerts-trend-${name}.png`), fullPage: true });
      width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= viewport, `${name} overview: ${width} px wide`);
      assert.deepEqual(page.errors, [], name);
    }
  });
});
