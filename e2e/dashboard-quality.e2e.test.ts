/**
 * The dashboard's "Call quality" view in real Chromium against a real server holding generated demo data
 * (with call-quality summaries and band-dependent ask probabilities): the view shows the numbers the API
 * answered, a rate drills down into the explorer filtered by network band and category with as many
 * surveys as the rate counted, the survey detail shows the measured summary, axe-core finds nothing, and
 * screenshots in light, dark and at 375 px (artifacts/screenshots/dashboard-quality-*.png).
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { analyticsCallQuality, getSurvey, RouteReply } from "@aftercall/api";
import { dashboardDir } from "@aftercall/dashboard";
import type { StreamQuality } from "@aftercall/schema";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { insertDemoData } from "../packages/server/src/cli/demo-data.js";
import { browserSkip, launchBrowser } from "./support/browser.js";
import { dashboardSignIn } from "./support/dashboard-session.js";
import { axeViolations } from "./support/page.js";
import { screenshotDir, startDemoServer } from "./support/server.js";

type CallQuality = RouteReply<typeof analyticsCallQuality>;
type SurveyRecord = RouteReply<typeof getSurvey>;

const skip = browserSkip();
const VIEW = "#view=quality&project=demo&range=30d&tz=UTC";
const OPERATOR_TOKEN = "e2e-operator-token-quality-0123456789";

describe("dashboard call-quality view in Chromium, against a real server with demo data", { skip }, () => {
  let demo: Awaited<ReturnType<typeof startDemoServer>>;
  let browser: Browser;
  let shots: string;
  const contexts: BrowserContext[] = [];
  /** A second project whose surveys carry no measurement of their call. */
  let plain: { adminToken: string };

  before(async () => {
    assert.ok(
      existsSync(join(dashboardDir, "index.html")),
      "the dashboard is not built: run `npm run build`",
    );
    demo = await startDemoServer({ operatorToken: OPERATOR_TOKEN });
    const project = demo.server.firstProject?.project;
    assert.ok(project);
    await insertDemoData(demo.server.db, project, { surveys: 3000, days: 30, seed: 3 });
    const created = await fetch(`${demo.server.url}/v1/projects`, {
      method: "POST",
      headers: { authorization: `Bearer ${OPERATOR_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ id: "plain", name: "Plain" }),
    });
    assert.equal(created.status, 201);
    const keys = (await created.json()) as { ingestKey: { token: string }; adminToken: { token: string } };
    plain = { adminToken: keys.adminToken.token };
    for (const score of [2, 5]) {
      const posted = await fetch(`${demo.server.url}/v1/surveys`, {
        method: "POST",
        headers: { authorization: `Bearer ${keys.ingestKey.token}`, "content-type": "application/json" },
        body: JSON.stringify({
          id: crypto.randomUUID(),
          callId: `call-plain-${score}`,
          participantId: "p-plain",
          clientTime: new Date().toISOString(),
          overallRating: { score },
        }),
      });
      assert.equal(posted.status, 201);
    }
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
    VIEW,
  );

  const api = async <T>(path: string, params: URLSearchParams) => {
    const response = await fetch(`${demo.server.url}${path}?${params}`, {
      headers: { authorization: `Bearer ${demo.adminToken}` },
    });
    assert.equal(response.status, 200, path);
    return (await response.json()) as T;
  };
  const percentText = (rate: number | null, digits = 1) =>
    rate === null ? "–" : `${(rate * 100).toFixed(digits)}\u00a0%`;
  const idle = (page: Page) => page.waitForFunction(() => !document.querySelector('[aria-busy="true"]'));
  /** The call-quality answer the page asked for, and the filters it sent. */
  async function openView(page: Page, hash = VIEW): Promise<{ quality: CallQuality; sent: URLSearchParams }> {
    // Only an answer to the document this navigation commits: the signed-in page may still be asking (or
    // have just been answered) when the reload starts, and a navigated-away answer has no body to read.
    let committed = false;
    const onCommit = () => {
      committed = true;
    };
    page.once("framenavigated", onCommit);
    const answered = page.waitForResponse(
      (r) => committed && r.url().includes("/analytics/call-quality") && r.ok(),
    );
    // Going to the URL the page is already on is a same-document navigation that asks nothing: reload.
    const url = `${demo.server.url}/${hash}`;
    await (page.url() === url ? page.reload() : page.goto(url));
    const response = await answered;
    await page.locator('[data-panel="band-mix"]').waitFor();
    await idle(page);
    return { quality: (await response.json()) as CallQuality, sent: new URL(response.url()).searchParams };
  }
  /** The explorer's "N matching surveys", once the list and the count have both arrived. */
  async function matching(page: Page): Promise<number> {
    await page.getByRole("heading", { name: "Surveys" }).waitFor();
    await page.locator("[data-matching]").waitFor();
    await idle(page);
    return Number(await page.locator("[data-matching]").getAttribute("data-matching"));
  }

  it("shows the bands, the poor-rates by band and the good-network share the API answered", async () => {
    const page = await signedIn();
    const { quality, sent } = await openView(page);
    // The page asks for exactly the range; the same question asked directly gets the same answer.
    assert.deepEqual([...sent.keys()].sort(), ["from", "to"]);
    assert.deepEqual(await api<CallQuality>("/v1/projects/demo/analytics/call-quality", sent), quality);
    assert.ok(quality.surveys > 1000, `${quality.surveys} surveys`);
    assert.equal(
      await page.locator('[data-kpi="quality-surveys"]').innerText(),
      quality.surveys.toLocaleString("en-US"),
    );
    for (const band of quality.bands) {
      const card = await page.locator(`.kpi[data-band="${band.band}"]`).innerText();
      assert.match(card, new RegExp(`${band.surveys.toLocaleString("en-US")} surveys`), band.band);
      assert.match(
        card,
        new RegExp(percentText(band.weightedSurveys / quality.weightedSurveys, 0)),
        band.band,
      );
    }
    // Every rate of the answer is in its cell, with its interval and its counts.
    for (const r of quality.poorRates) {
      const cell = await page.locator(`[data-cell="${r.category}:${r.band}"]`).innerText();
      assert.ok(cell.includes(percentText(r.rate)), `${r.category}:${r.band} ${cell}`);
      assert.ok(r.ci95 && cell.includes(`${percentText(r.ci95[0])}\u00a0– ${percentText(r.ci95[1])}`), cell);
      assert.ok(
        cell.includes(`${r.poor.toLocaleString("en-US")} poor of ${r.surveys.toLocaleString("en-US")}`),
      );
    }
    // The demo's network explains much: the poor network's overall poor-rate is far above the good one's.
    const rate = (band: string) =>
      quality.poorRates.find((r) => r.category === "overall" && r.band === band)?.rate ?? 0;
    assert.ok(rate("poor") > 2 * rate("good"), `${rate("poor")} vs ${rate("good")}`);
    const share = quality.goodNetwork.share;
    assert.ok(share);
    assert.equal(
      await page.locator('[data-kpi="good-network-share"] .value').innerText(),
      percentText(share.rate),
    );
    assert.match(
      await page.locator('[data-panel="good-network"]').innerText(),
      new RegExp(`of the ${share.of}`),
    );
    // One MOS row per bin, one column per UTC day of the mix (30 days, today included, may be 31).
    assert.equal(await page.locator('[data-panel="mos"] tbody tr').count(), quality.mosVsScore.length);
    const days = new Set(quality.bandMix.map((m) => m.start)).size;
    assert.ok((await page.locator(".mix .day").count()) >= days);
    assert.deepEqual(page.errors, []);
  });

  it("drills down from a band and category into the explorer, filtered and with as many surveys as the rate", async () => {
    const page = await signedIn();
    const { quality } = await openView(page);
    const entry = quality.poorRates.find((r) => r.category === "overall" && r.band === "poor");
    assert.ok(entry && entry.poor > 25, "more poor ratings than one page");
    const listed = page.waitForResponse((r) => r.url().includes("/surveys?") && r.ok());
    await page.locator('[data-cell="overall:poor"] a').click();
    const sent = new URL((await listed).url()).searchParams;
    assert.deepEqual([sent.get("networkBand"), sent.get("poor")], ["poor", "overall"]);
    const hash = new URLSearchParams(new URL(page.url()).hash.slice(1));
    assert.deepEqual(
      [hash.get("view"), hash.get("poor"), hash.get("networkBand")],
      ["explorer", "overall", "poor"],
    );
    assert.equal(await matching(page), entry.poor);
    assert.match(await page.locator(".matching").innerText(), new RegExp(`${entry.poor} matching surveys`));
    // The filter form shows the band, and every listed survey is a poor-network one rated poor.
    assert.equal(await page.getByLabel("Network").inputValue(), "poor");
    const chips = await page.locator("table.surveys .chip.band").allInnerTexts();
    assert.equal(chips.length, 25);
    assert.deepEqual(new Set(chips), new Set(["poor"]));

    // A band's card: all its surveys.
    await page.goBack();
    await page.locator('.kpi[data-band="good"] a').waitFor();
    await page.locator('.kpi[data-band="good"] a').click();
    const good = quality.bands.find((b) => b.band === "good");
    assert.equal(await matching(page), good?.surveys);

    // A tag of the poor ratings on a good network: the tagged poor surveys after a good network.
    await page.goBack();
    const tag = quality.goodNetwork.tags[0];
    assert.ok(tag, "the demo has poor ratings on good networks with tags");
    await page.locator(`[data-good-tag="${tag.category}:${tag.tag}"]`).click();
    assert.equal(await matching(page), tag.count);
    assert.match(decodeURIComponent(page.url()), new RegExp(`tag=${tag.category}:${tag.tag}`));

    // A tag in one band (overall, the view's category): every survey of that band with the tag.
    await page.goBack();
    const byBand = quality.tagsByBand.find((t) => t.category === "overall" && t.band === "poor");
    assert.ok(byBand);
    await page.locator(`[data-cell="${byBand.tag}:poor"] a`).click();
    assert.equal(await matching(page), byBand.count);

    // The explorer's own band filter replaces the drill-down's.
    const refiltered = page.waitForResponse((r) => r.url().includes("/surveys?") && r.ok());
    await page.getByLabel("Network").selectOption("fair");
    await page.getByRole("button", { name: "Apply" }).click();
    assert.equal(new URL((await refiltered).url()).searchParams.get("networkBand"), "fair");
    assert.match(page.url(), /networkBand=fair/);
    await idle(page);
    const fair = await page.locator("table.surveys .chip.band").allInnerTexts();
    assert.ok(
      fair.every((b) => b === "fair"),
      fair.join(" "),
    );
    assert.deepEqual(page.errors, []);
  });

  it("shows the measured summary of a survey beside its ratings", async () => {
    const page = await signedIn({}, "#view=explorer&project=demo&range=30d&tz=UTC&networkBand=poor");
    await page.locator("a[data-survey]").first().waitFor();
    const id = await page.locator("a[data-survey]").first().getAttribute("data-survey");
    await page.locator("a[data-survey]").first().click();
    const panel = page.locator("[data-quality]");
    await panel.waitFor();
    const record = await api<SurveyRecord>(`/v1/projects/demo/surveys/${id}`, new URLSearchParams());
    const q = record.callQuality;
    assert.ok(q && record.networkBand === "poor");
    assert.equal(await panel.getAttribute("data-quality"), "poor");
    const text = await panel.innerText();
    assert.match(text, /Poor network/);
    if (q.mos !== undefined) assert.ok(text.includes(q.mos.toFixed(2)), text);
    assert.ok(text.includes(percentText(record.askProbability ?? 1, 0)), text);
    if (q.path?.localCandidateType) assert.ok(text.includes(q.path.localCandidateType), text);
    // One row per measured media kind and direction, with its loss and codec.
    for (const kind of ["audio", "video", "screenshare"] as const)
      for (const direction of ["inbound", "outbound"] as const) {
        const s: StreamQuality | undefined = q[kind]?.[direction];
        const row = page.locator(`[data-stream="${kind}.${direction}"]`);
        assert.equal(await row.count(), s ? 1 : 0, `${kind}.${direction}`);
        if (!s) continue;
        const cells = await row.innerText();
        if (s.lossFraction !== undefined) assert.ok(cells.includes(percentText(s.lossFraction, 2)), cells);
        if (s.codec) assert.ok(cells.includes(s.codec), cells);
        if (s.rttMs) assert.ok(cells.includes(`${s.rttMs.p50}`), cells);
      }
    assert.deepEqual(page.errors, []);
  });

  it("says how to measure calls when no survey carries a measurement, and shows no summary in its detail", async () => {
    const hash = "#view=quality&project=plain&range=24h&tz=UTC";
    const page = await signedIn({}, hash, plain.adminToken);
    const { quality } = await openView(page, hash);
    assert.equal(quality.surveys, 2);
    assert.match(
      await page.locator('[data-hint="no-measurement"]').innerText(),
      /@aftercall\/client\/quality/,
    );
    // Only the "not measured" row, with the one poor rating of two.
    assert.deepEqual(
      await page
        .locator("table.band-rates tbody tr")
        .evaluateAll((rows) => rows.map((r) => r.getAttribute("data-band"))),
      ["none"],
    );
    assert.match(await page.locator('[data-cell="overall:none"]').innerText(), /1 poor of 2/);
    await page.goto(`${demo.server.url}/#view=explorer&project=plain&range=24h&tz=UTC`);
    await page.locator("a[data-survey]").first().click();
    await page.locator("[data-rating]").first().waitFor();
    assert.equal(await page.locator("[data-quality]").count(), 0);
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
      await openView(page);
      if (name !== "mobile") assert.deepEqual(await axeViolations(page), [], `${name} call quality`);
      await page.screenshot({ path: join(shots, `dashboard-quality-${name}.png`), fullPage: true });
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(
        width <= ("viewport" in options ? options.viewport.width : 1280),
        `${name}: ${width} px wide`,
      );
      await page.goto(`${demo.server.url}/#view=explorer&project=demo&range=30d&tz=UTC&networkBand=poor`);
      await page.locator("a[data-survey]").first().click();
      await page.locator("[data-quality]").waitFor();
      if (name !== "mobile") assert.deepEqual(await axeViolations(page), [], `${name} survey detail`);
      await page.screenshot({ path: join(shots, `dashboard-quality-survey-${name}.png`), fullPage: true });
      assert.deepEqual(page.errors, [], name);
    }
  });
});
