/**
 * The analytics dashboard in real Chromium against a real server holding generated demo data (the bad
 * release 2.4.0 included): sign in, KPIs equal to what the API answered, range changes in the URL, drill-down
 * from a tag and from a breakdown row, cohort comparison, export, inert XSS, reload from the URL, axe-core,
 * and screenshots of every view in light, dark and at 375 px (artifacts/screenshots/dashboard-*.png).
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { dashboardDir } from "@aftercall/dashboard";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { insertDemoData } from "../packages/server/src/cli/demo-data.js";
import { browserSkip, launchBrowser } from "./support/browser.js";
import { axeViolations } from "./support/page.js";
import { screenshotDir, startDemoServer } from "./support/server.js";

const skip = browserSkip();
const XSS = ['<img src=x onerror="window.__xss=1">', "<script>window.__xss=2</script>"];

interface Summary {
  surveys: number;
  categories: Record<string, { poorRate: number | null; surveys: number }>;
}

describe("dashboard in Chromium, against a real server with demo data", { skip }, () => {
  let demo: Awaited<ReturnType<typeof startDemoServer>>;
  let browser: Browser;
  let shots: string;
  const contexts: BrowserContext[] = [];

  before(async () => {
    assert.ok(
      existsSync(join(dashboardDir, "index.html")),
      "the dashboard is not built: run `npm run build`",
    );
    demo = await startDemoServer();
    const project = demo.server.firstProject?.project;
    assert.ok(project);
    await insertDemoData(demo.server.store, project, { surveys: 3000, days: 30, seed: 1 });
    const xss = await fetch(`${demo.server.url}/v1/surveys`, {
      method: "POST",
      headers: { authorization: `Bearer ${demo.ingestKey}`, "content-type": "application/json" },
      body: JSON.stringify({
        id: crypto.randomUUID(),
        callId: "call-xss",
        participantId: "p-xss",
        clientTime: new Date().toISOString(),
        overallRating: { score: 1, improvementSuggestion: XSS[0] },
        audioRating: { score: 1, issues: ["Echo"], improvementSuggestion: XSS[1] },
      }),
    });
    assert.equal(xss.status, 201);
    browser = await launchBrowser();
    shots = await screenshotDir();
  });
  after(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    await demo?.stop();
  });

  /** A signed-in page; `bypassCSP` only where a test must inject a script (axe-core) or prove escaping alone. */
  async function signedIn(
    options: Parameters<Browser["newContext"]>[0] = {},
    hash = "",
  ): Promise<Page & { errors: string[] }> {
    const context = await browser.newContext({
      timezoneId: "UTC",
      viewport: { width: 1280, height: 900 },
      ...options,
    });
    contexts.push(context);
    const page = Object.assign(await context.newPage(), { errors: [] as string[] });
    page.on("pageerror", (e) => page.errors.push(e.message));
    await page.goto(`${demo.server.url}/${hash}`);
    await page.getByLabel("Admin token").fill(demo.adminToken);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page
      .locator(hash ? "main h1" : '[data-kpi="surveys"]')
      .first()
      .waitFor();
    return page;
  }

  const kpi = (page: Page, name: string) => page.locator(`[data-kpi="${name}"]`).innerText();
  const percentText = (rate: number | null) => (rate === null ? "–" : `${(rate * 100).toFixed(1)}\u00a0%`);
  const summaryResponse = (page: Page) =>
    page.waitForResponse((r) => r.url().includes("/v1/analytics/summary") && r.ok());
  const settled = (page: Page) => page.waitForLoadState("networkidle");

  it("signs in, shows the KPIs the API returned, and follows a range change in the URL and the numbers", async () => {
    const context = await browser.newContext({ timezoneId: "UTC" });
    contexts.push(context);
    const page = await context.newPage();
    const first = summaryResponse(page);
    await page.goto(`${demo.server.url}/`);
    await page.getByLabel("Admin token").fill("ac_sk_not-a-real-token");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("alert").filter({ hasText: "not valid" }).waitFor();
    await page.getByLabel("Admin token").fill(demo.adminToken);
    await page.getByRole("button", { name: "Sign in" }).click();
    const week = (await (await first).json()) as Summary;
    await settled(page);
    assert.equal(await kpi(page, "surveys"), week.surveys.toLocaleString("en-US"));
    for (const c of ["overall", "audio", "video", "screenshare"])
      assert.equal(await kpi(page, `poor-${c}`), percentText(week.categories[c]?.poorRate ?? null), c);
    assert.match(page.url(), /#view=overview&project=demo&range=7d&tz=UTC/);
    assert.match(await kpi(page, "response-rate"), /^\d+\.\d\u00a0%$/);

    const next = summaryResponse(page);
    await page.getByRole("button", { name: "30 days" }).click();
    const month = (await (await next).json()) as Summary;
    await settled(page);
    assert.match(page.url(), /range=30d/);
    assert.ok(month.surveys > week.surveys, `${month.surveys} > ${week.surveys}`);
    assert.equal(await kpi(page, "surveys"), month.surveys.toLocaleString("en-US"));
  });

  it("drills down from a tag into the explorer and a survey, and reload restores the view", async () => {
    const page = await signedIn();
    await page.getByRole("button", { name: "Audio poor-rate" }).click();
    await page.locator('a[data-tag="Echo"]').click();
    await page.getByRole("heading", { name: "Surveys" }).waitFor();
    assert.match(page.url(), /view=explorer/);
    assert.match(decodeURIComponent(page.url()), /tag=audio:Echo/);
    await page.locator("table.surveys tbody tr").first().waitFor();
    const issues = await page.locator("table.surveys td.issues").allInnerTexts();
    assert.ok(issues.length > 0 && issues.every((t) => t.includes("Echo")), issues.join(" | "));
    const first = page.locator("a[data-survey]").first();
    const id = await first.getAttribute("data-survey");
    await first.click();
    await page.locator('[data-rating="audio"]').waitFor();
    assert.match(page.url(), new RegExp(`survey=${id}`));
    assert.match(await page.locator('[data-rating="audio"]').innerText(), /Echo/);
    await page.reload();
    await page.locator('[data-rating="audio"]').waitFor();
    assert.match(await page.locator("main").innerText(), new RegExp(id ?? "missing"));
    await page.getByRole("link", { name: "← Back to surveys" }).click();
    await page.locator("table.surveys tbody tr").first().waitFor();
    assert.match(decodeURIComponent(page.url()), /tag=audio:Echo/);
  });

  it("compares the bad release with the other versions from a breakdown row: a significant difference", async () => {
    const page = await signedIn({}, "#view=overview&project=demo&range=30d&tz=UTC&category=audio");
    await page.getByRole("button", { name: "2.4.0", exact: true }).first().click();
    const verdict = page.locator("[data-verdict]");
    await verdict.waitFor();
    assert.match(page.url(), /view=compare&.*cmp=appVersion&a=2\.4\.0/);
    assert.equal(await page.locator(".verdict").getAttribute("data-significant"), "true");
    assert.match(
      await verdict.innerText(),
      /2\.4\.0 has a higher audio poor-rate than all other app versions.*statistically significant/,
    );
    // Two periods, compared by the server: the week before the release against the last week.
    await page.getByLabel("Compare by").selectOption("period");
    await page.locator(".verdict [data-verdict]").waitFor();
    assert.match(page.url(), /cmp=period/);
  });

  it("exports the filtered surveys with the token as a header, every matching row", async () => {
    const page = await signedIn({}, "#view=explorer&project=demo&range=30d&tz=UTC&tag=audio%3AEcho");
    await page.locator("table.surveys tbody tr").first().waitFor();
    const exportRequest = page.waitForRequest((r) => r.url().includes("/v1/surveys/export"));
    const download = page.waitForEvent("download");
    await page.getByRole("button", { name: "Export NDJSON" }).click();
    const request = await exportRequest;
    assert.equal(request.headers().authorization, `Bearer ${demo.adminToken}`);
    assert.doesNotMatch(request.url(), /ac_sk_/);
    const file = await (await download).path();
    const lines = readFileSync(file, "utf8").trim().split("\n");
    const records = lines.map((l) => JSON.parse(l) as { ratings: { audio?: { issues: string[] } } });
    assert.ok(records.every((r) => r.ratings.audio?.issues.includes("Echo")));
    // The same filter asked of the API directly: as many rows as the tag count says.
    const url = new URL(request.url());
    url.pathname = "/v1/analytics/tags";
    url.searchParams.delete("format");
    const counts = (await (
      await fetch(url, { headers: { authorization: `Bearer ${demo.adminToken}` } })
    ).json()) as {
      categories: { audio: { tag: string; count: number }[] };
    };
    assert.equal(records.length, counts.categories.audio.find((t) => t.tag === "Echo")?.count);
  });

  it("shows a suggestion with HTML in it as literal text; nothing runs (even with CSP bypassed)", async () => {
    const page = await signedIn(
      { bypassCSP: true },
      "#view=explorer&project=demo&range=24h&tz=UTC&callId=call-xss",
    );
    await page.locator("table.surveys td.text").first().waitFor();
    assert.equal(await page.locator("table.surveys td.text").first().innerText(), XSS.join(" · "));
    await page.locator("a[data-survey]").first().click();
    await page.locator(".suggestion").first().waitFor();
    assert.deepEqual(await page.locator(".suggestion").allInnerTexts(), XSS);
    assert.equal(await page.locator("main img, main script").count(), 0);
    await page.waitForTimeout(200);
    assert.equal(await page.evaluate(() => (window as { __xss?: number }).__xss), undefined);
    assert.deepEqual(page.errors, []);
  });

  it("has no axe-core violations in any view, light or dark", async () => {
    for (const colorScheme of ["light", "dark"] as const) {
      const page = await signedIn({ bypassCSP: true, colorScheme });
      for (const hash of [
        "#view=overview&project=demo&range=30d&tz=UTC",
        "#view=compare&project=demo&range=30d&tz=UTC&category=audio&a=2.4.0",
        "#view=explorer&project=demo&range=30d&tz=UTC&poor=audio",
      ]) {
        await page.goto(`${demo.server.url}/${hash}`);
        await page.locator("main h1").waitFor();
        await settled(page);
        assert.deepEqual(await axeViolations(page), [], `${colorScheme} ${hash}`);
      }
      await page.locator("a[data-survey]").first().click();
      await page.locator("[data-rating]").first().waitFor();
      assert.deepEqual(await axeViolations(page), [], `${colorScheme} survey detail`);
    }
  });

  it("can be used with the keyboard alone: skip link, tabs and buttons", async () => {
    const page = await signedIn();
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), "Skip to content");
    const before = page.url();
    await page.keyboard.press("Enter");
    assert.equal(await page.evaluate(() => document.activeElement?.id), "main");
    assert.equal(page.url(), before, "the skip link keeps the view in the URL");
    await page.getByRole("button", { name: "Switch to dark theme" }).focus();
    await page.keyboard.press("Enter");
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), "dark");
    await page.getByRole("button", { name: "Switch to light theme" }).waitFor();
    await page.getByRole("link", { name: "Compare" }).focus();
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "Compare cohorts" }).waitFor();
  });

  it("writes screenshots of every view in light, dark and at 375 px", async () => {
    const variants = [
      ["light", { colorScheme: "light" }],
      ["dark", { colorScheme: "dark" }],
      ["mobile", { colorScheme: "light", viewport: { width: 375, height: 812 } }],
    ] as const;
    for (const [name, options] of variants) {
      const page = await signedIn(options);
      for (const [view, hash] of [
        ["overview", "#view=overview&project=demo&range=30d&tz=UTC&category=audio"],
        ["compare", "#view=compare&project=demo&range=30d&tz=UTC&category=audio&a=2.4.0"],
        ["explorer", "#view=explorer&project=demo&range=30d&tz=UTC&poor=audio"],
      ] as const) {
        await page.goto(`${demo.server.url}/${hash}`);
        await page.locator("main h1").waitFor();
        await settled(page);
        await page.screenshot({ path: join(shots, `dashboard-${view}-${name}.png`), fullPage: true });
        // Wide tables scroll inside their panels; the page itself never scrolls sideways.
        const width = await page.evaluate(() => document.documentElement.scrollWidth);
        assert.ok(
          width <= ("viewport" in options ? options.viewport.width : 1280),
          `${view} ${name}: ${width} px wide`,
        );
      }
      await page.locator("a[data-survey]").first().click();
      await page.locator("[data-rating]").first().waitFor();
      await page.screenshot({ path: join(shots, `dashboard-survey-${name}.png`), fullPage: true });
      assert.deepEqual(page.errors, [], name);
    }
    const signIn = await browser.newContext({ viewport: { width: 375, height: 700 } });
    contexts.push(signIn);
    const page = await signIn.newPage();
    await page.goto(`${demo.server.url}/`);
    await page.screenshot({ path: join(shots, "dashboard-signin-mobile.png") });
  });
});
