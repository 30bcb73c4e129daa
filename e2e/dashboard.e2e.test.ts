/**
 * The analytics dashboard in real Chromium against a real server holding generated demo data (the bad
 * release 2.4.0 included): sign in, KPIs equal to what the API answered, range changes in the URL, drill-down
 * from a tag and from a breakdown row, text search, version comparison with the server's numbers, NDJSON
 * and CSV export, inert XSS, reload from the URL, axe-core, and screenshots of every view in light, dark
 * and at 375 px (artifacts/screenshots/dashboard-*.png).
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { dashboardDir } from "@aftercall/dashboard";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { insertDemoData } from "../packages/server/src/cli/demo-data.js";
import { browserSkip, launchBrowser } from "./support/browser.js";
import { dashboardSignIn } from "./support/dashboard-session.js";
import { axeViolations } from "./support/page.js";
import { screenshotDir, startDemoServer } from "./support/server.js";

const skip = browserSkip();
const XSS = ['<img src=x onerror="window.__xss=1">', "<script>window.__xss=2</script>"];
/** A suggestion no generated survey has, to be found by one of its words. */
const NEEDLE = "A kangaroo was hopping through my screen share, please fix!";

interface Summary {
  surveys: number;
  categories: Record<string, { poorRate: number | null; surveys: number }>;
  responseRate: { rate: number | null; low: number | null; high: number | null };
}

interface Comparison {
  a: { projectId: string; surveys: number; poor: number; poorRate: number | null };
  b: { projectId: string; surveys: number; poor: number; poorRate: number | null };
  difference: number | null;
}

/** Records in an RFC 4180 text: CRLF line ends outside quoted fields (a suggestion may hold a newline). */
function csvRecords(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted && ch === '"' && text[i + 1] === '"') {
      field += '"';
      i++;
    } else if (ch === '"') quoted = !quoted;
    else if (quoted) field += ch;
    else if (ch === ",") {
      record.push(field);
      field = "";
    } else if (ch === "\r" && text[i + 1] === "\n") {
      records.push([...record, field]);
      record = [];
      field = "";
      i++;
    } else field += ch;
  }
  return records;
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
    await insertDemoData(demo.server.db, project, { surveys: 3000, days: 30, seed: 1 });
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
    const needle = await fetch(`${demo.server.url}/v1/surveys`, {
      method: "POST",
      headers: { authorization: `Bearer ${demo.ingestKey}`, "content-type": "application/json" },
      body: JSON.stringify({
        id: crypto.randomUUID(),
        callId: "call-needle",
        participantId: "p-needle",
        clientTime: new Date().toISOString(),
        appVersion: "2.4.0",
        overallRating: { score: 2 },
        screenshareRating: { score: 1, issues: ["Freezes"], improvementSuggestion: NEEDLE },
      }),
    });
    assert.equal(needle.status, 201);
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
  );

  const kpi = (page: Page, name: string) => page.locator(`[data-kpi="${name}"]`).innerText();
  const percentText = (rate: number | null) => (rate === null ? "–" : `${(rate * 100).toFixed(1)}\u00a0%`);
  const summaryResponse = (page: Page) =>
    page.waitForResponse((r) => r.url().includes("/analytics/summary") && r.ok());
  const settled = (page: Page) => page.waitForLoadState("networkidle");
  /**
   * Open a view by its hash and wait until its data is drawn. A hash change is a same-document navigation,
   * so `networkidle` has long been reached: wait for what each view shows last instead.
   */
  const READY = {
    overview: [".uplot", "table.tags tbody tr", "table.breakdown tbody tr"],
    compare: ["[data-verdict]"],
    explorer: ["table.surveys tbody tr"],
  };
  async function show(page: Page, hash: string): Promise<void> {
    await page.goto(`${demo.server.url}/${hash}`);
    const view = (/view=(\w+)/.exec(hash)?.[1] ?? "overview") as keyof typeof READY;
    for (const selector of READY[view]) await page.locator(selector).first().waitFor();
    await page.waitForFunction(() => !document.querySelector('[aria-busy="true"]'));
  }

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
    // The response rate and its interval come from the summary itself.
    assert.ok(week.responseRate.rate !== null && week.responseRate.low !== null);
    assert.equal(await kpi(page, "response-rate"), percentText(week.responseRate.rate));
    assert.match(
      await page.locator(".kpi", { has: page.locator('[data-kpi="response-rate"]') }).innerText(),
      new RegExp(
        `95 % CI ${percentText(week.responseRate.low)}\u00a0– ${percentText(week.responseRate.high)}`,
      ),
    );

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

  const api = async <T>(path: string, params: URLSearchParams | Record<string, string>) =>
    (await (
      await fetch(`${demo.server.url}${path}?${new URLSearchParams(params)}`, {
        headers: { authorization: `Bearer ${demo.adminToken}` },
      })
    ).json()) as T;

  it("compares the bad release with the next app version from a breakdown row, showing the server's numbers", async () => {
    const page = await signedIn({}, "#view=overview&project=demo&range=30d&tz=UTC&category=audio");
    const compared = page.waitForResponse((r) => r.url().includes("/analytics/compare") && r.ok());
    await page.getByRole("button", { name: "Compare 2.4.0" }).first().click();
    const verdict = page.locator("[data-verdict]");
    await verdict.waitFor();
    assert.match(page.url(), /view=compare&.*cmp=appVersion&a=2\.4\.0/);
    // B defaults to the most frequent other version; the server compares the two, nothing is computed here.
    const b = await page.getByLabel("Cohort B").inputValue();
    assert.ok(b && b !== "2.4.0", b);
    const sent = new URL((await compared).url()).searchParams;
    assert.deepEqual(
      [sent.get("a.appVersion"), sent.get("b.appVersion"), sent.get("category")],
      ["2.4.0", b, "audio"],
    );
    const server = await api<Comparison>("/v1/analytics/compare", {
      projectId: "demo",
      category: "audio",
      "a.appVersion": "2.4.0",
      "b.appVersion": b,
      "a.from": sent.get("a.from") ?? "",
      "a.to": sent.get("a.to") ?? "",
      "b.from": sent.get("b.from") ?? "",
      "b.to": sent.get("b.to") ?? "",
    });
    assert.ok(server.a.surveys > 0 && server.b.surveys > 0 && server.a.projectId === "demo");
    const cards = await page.locator(".verdict .kpi").allInnerTexts();
    for (const [i, cohort] of [server.a, server.b].entries()) {
      assert.match(cards[i] ?? "", new RegExp(percentText(cohort.poorRate)), `cohort ${i}`);
      assert.match(
        cards[i] ?? "",
        new RegExp(
          `${cohort.poor.toLocaleString("en-US")} poor of ${cohort.surveys.toLocaleString("en-US")}`,
        ),
      );
    }
    const points = `+${((server.difference ?? 0) * 100).toFixed(1)}\u00a0pp`;
    assert.match(cards[2] ?? "", new RegExp(`\\${points}`));
    assert.equal(await page.locator(".verdict").getAttribute("data-significant"), "true");
    assert.match(
      await verdict.innerText(),
      new RegExp(
        `2\\.4\\.0 has a higher audio poor-rate than ${b.replaceAll(".", "\\.")}.*statistically significant`,
      ),
    );
    // Two periods, also compared by the server: the week before the release against the last week.
    await page.getByLabel("Compare by").selectOption("period");
    await page.locator(".verdict [data-verdict]").waitFor();
    assert.match(page.url(), /cmp=period/);
  });

  it("drills down from a breakdown row into the surveys of that app version, and the filter can be removed", async () => {
    const page = await signedIn({}, "#view=overview&project=demo&range=30d&tz=UTC&category=audio");
    await page.locator('a[data-drill="2.4.0"]').first().click();
    await page.getByRole("heading", { name: "Surveys" }).waitFor();
    assert.match(page.url(), /view=explorer&.*appVersion=2\.4\.0/);
    await page.locator("table.surveys tbody tr").first().waitFor();
    await settled(page);
    const versions = await page.locator("table.surveys tbody td:last-child").allInnerTexts();
    assert.equal(versions.length, 25, "a full first page");
    assert.deepEqual(new Set(versions), new Set(["2.4.0"]));
    const unfiltered = page.waitForResponse((r) => r.url().includes("/surveys?") && r.ok());
    await page.getByRole("button", { name: "Remove the app version filter" }).click();
    assert.doesNotMatch((await unfiltered).url(), /appVersion/);
    assert.doesNotMatch(page.url(), /appVersion=/);
    await page.locator("table.surveys td.text", { hasText: "window.__xss=1" }).waitFor();
    // The newest surveys include the XSS one, which has no app version.
    const all = await page.locator("table.surveys tbody td:last-child").allInnerTexts();
    assert.ok(new Set(all).size > 1, all.join(" "));
  });

  it("breaks down by a custom dimension, drills into one value's surveys and compares two values", async () => {
    const page = await signedIn({}, "#view=overview&project=demo&range=30d&tz=UTC&category=audio");
    const picker = page.locator("[data-dimension] select");
    await picker.waitFor();
    const brokenDown = page.waitForResponse(
      (r) => r.url().includes("/analytics/breakdown") && r.url().includes("dimension%3Aregion") && r.ok(),
    );
    await picker.selectOption("region");
    const sent = new URL((await brokenDown).url()).searchParams;
    assert.match(page.url(), /dim=region/);
    // The picker lists the range's keys as the API counts them; every demo survey has both, and ties go
    // by key, so "plan" comes first.
    const keys = await api<{ dimensions: Array<{ key: string; surveys: number }> }>(
      "/v1/analytics/dimensions",
      {
        projectId: "demo",
        from: sent.get("from") ?? "",
        to: sent.get("to") ?? "",
      },
    );
    assert.deepEqual(
      await picker.locator("option").allInnerTexts(),
      keys.dimensions.map((d) => `${d.key} (${d.surveys.toLocaleString("en-US")})`),
    );
    assert.deepEqual(
      keys.dimensions.map((d) => d.key),
      ["plan", "region"],
    );
    const panel = page.locator('[data-dimension="region"]');
    await panel.locator('a[data-drill="eu-west"]').waitFor();
    await page.waitForFunction(() => !document.querySelector('[aria-busy="true"]'));
    const server = await api<{ rows: Array<{ value: string | null; surveys: number }> }>(
      "/v1/analytics/breakdown",
      sent,
    );
    const shown = await panel.locator("tbody tr").allInnerTexts();
    assert.equal(shown.length, server.rows.length);
    // The survey with the XSS suggestion has no dimensions: "(not set)".
    for (const [i, row] of server.rows.entries())
      assert.ok(
        (shown[i] ?? "")
          .replace(" ⇄", "")
          .startsWith(`${row.value ?? "(not set)"}\t${row.surveys.toLocaleString("en-US")}\t`),
        shown[i],
      );

    const listed = page.waitForResponse((r) => r.url().includes("/surveys?") && r.ok());
    await panel.locator('a[data-drill="eu-west"]').click();
    await page.getByRole("heading", { name: "Surveys" }).waitFor();
    assert.match(page.url(), /view=explorer&.*dimension\.region=eu-west/);
    assert.equal(new URL((await listed).url()).searchParams.get("dimension.region"), "eu-west");
    await page.locator("table.surveys tbody tr").first().waitFor();
    const unfiltered = page.waitForResponse((r) => r.url().includes("/surveys?") && r.ok());
    await page.getByRole("button", { name: "Remove the region filter" }).click();
    assert.doesNotMatch((await unfiltered).url(), /dimension/);
    assert.doesNotMatch(page.url(), /dimension\./);

    await page.goBack();
    await page.goBack();
    const compared = page.waitForResponse((r) => r.url().includes("/analytics/compare") && r.ok());
    await page.locator('[data-dimension="region"]').getByRole("button", { name: "Compare eu-west" }).click();
    await page.locator("[data-verdict]").waitFor();
    assert.match(page.url(), /view=compare&.*dim=region&cmp=dimension&a=eu-west/);
    const b = await page.getByLabel("Cohort B").inputValue();
    const params = new URL((await compared).url()).searchParams;
    assert.deepEqual([params.get("a.dimension.region"), params.get("b.dimension.region")], ["eu-west", b]);
    assert.ok(b && b !== "eu-west", b);
    const comparison = await api<Comparison>("/v1/analytics/compare", params);
    const cards = await page.locator(".verdict .kpi").allInnerTexts();
    for (const [i, cohort] of [comparison.a, comparison.b].entries())
      assert.match(
        cards[i] ?? "",
        new RegExp(
          `${cohort.poor.toLocaleString("en-US")} poor of ${cohort.surveys.toLocaleString("en-US")}`,
        ),
      );
    assert.deepEqual(page.errors, []);
  });

  it("finds a survey by a word of its suggestion, in any case", async () => {
    const page = await signedIn({}, "#view=explorer&project=demo&range=30d&tz=UTC");
    await page.locator("table.surveys tbody tr").first().waitFor();
    await page.getByLabel("Text in suggestions").fill("KANGAROO");
    await page.getByRole("button", { name: "Apply" }).click();
    await page.waitForURL(/q=KANGAROO/);
    // The unfiltered page may show the same survey among others until the filtered answer arrives (it
    // can be slower while surveys are being ingested: analytics reads are paced then).
    await page.waitForFunction((needle) => {
      const cells = [...document.querySelectorAll("table.surveys td.text")];
      return cells.length === 1 && cells[0]?.textContent?.includes(needle);
    }, NEEDLE);
    assert.deepEqual(await page.locator("table.surveys td.text").allInnerTexts(), [NEEDLE]);
    await page.getByLabel("Text in suggestions").fill("no survey says this");
    await page.getByRole("button", { name: "Apply" }).click();
    await page.getByText("No surveys match these filters.").waitFor();
  });

  it("shows the explorer in the browser's time zone when the link's tz is not one (it went blank)", async () => {
    const page = await signedIn({}, "#view=explorer&project=demo&range=30d&tz=Mars%2FOlympus_Mons");
    await page.locator("table.surveys tbody tr").first().waitFor();
    assert.ok((await page.locator("table.surveys tbody tr").count()) > 0);
    // The context's time zone is UTC.
    assert.equal(await page.getByLabel("Time zone").inputValue(), "UTC");
    assert.deepEqual(page.errors, []);
  });

  it("keeps what is typed in the filters while the page re-renders (the matching count arriving late)", async () => {
    const page = await signedIn({}, "#view=explorer&project=demo&range=30d&tz=UTC&q=kangaroo");
    await page.locator("table.surveys tbody tr").first().waitFor();
    // Hold the next matching count back until the words are typed, so it re-renders the form mid-edit.
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    await page.route(/\/analytics\/summary/, async (route) => {
      await held;
      await route.continue();
    });
    const poor = page.locator('select[name="poor"]');
    // The list is asked for once the page has rendered the new filters (and so remounted the form).
    const listed = page.waitForResponse((r) => r.url().includes("/surveys?") && r.url().includes("tag="));
    await page.locator('select[name="tag"]').selectOption("screenshare:Freezes");
    await page.getByRole("button", { name: "Apply" }).click();
    await listed;
    await page.getByLabel("Text in suggestions").fill("hopping");
    await poor.selectOption("screenshare");
    release();
    await page.locator("[data-matching]").waitFor();
    await page.waitForFunction(() => !document.querySelector('[aria-busy="true"]'));
    assert.equal(await page.getByLabel("Text in suggestions").inputValue(), "hopping");
    assert.equal(await poor.inputValue(), "screenshare");
    await page.getByRole("button", { name: "Apply" }).click();
    await page.waitForURL(/q=hopping/);
    const hash = new URLSearchParams(new URL(page.url()).hash.slice(1));
    assert.deepEqual(
      [hash.get("q"), hash.get("poor"), hash.get("tag")],
      ["hopping", "screenshare", "screenshare:Freezes"],
    );
    await page.waitForFunction((needle) => {
      const cells = [...document.querySelectorAll("table.surveys td.text")];
      return cells.length === 1 && cells[0]?.textContent?.includes(needle);
    }, NEEDLE);
    assert.deepEqual(page.errors, []);
  });

  it("exports the filtered surveys with the token as a header, every matching row", async () => {
    const page = await signedIn({}, "#view=explorer&project=demo&range=30d&tz=UTC&tag=audio%3AEcho");
    await page.locator("table.surveys tbody tr").first().waitFor();
    const exportRequest = page.waitForRequest((r) => r.url().includes("/surveys/export"));
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
    url.pathname = url.pathname.replace("/surveys/export", "/analytics/tags");
    url.searchParams.delete("format");
    const counts = (await (
      await fetch(url, { headers: { authorization: `Bearer ${demo.adminToken}` } })
    ).json()) as {
      categories: { audio: { tag: string; count: number }[] };
    };
    assert.equal(records.length, counts.categories.audio.find((t) => t.tag === "Echo")?.count);
  });

  it("exports CSV with as many rows as the API counts for the same filters", async () => {
    const page = await signedIn(
      {},
      "#view=explorer&project=demo&range=30d&tz=UTC&poor=audio&appVersion=2.4.0",
    );
    await page.locator("table.surveys tbody tr").first().waitFor();
    const exportRequest = page.waitForRequest((r) => r.url().includes("/surveys/export"));
    const download = page.waitForEvent("download");
    await page.getByRole("button", { name: "Export CSV" }).click();
    const request = await exportRequest;
    assert.equal(request.headers().authorization, `Bearer ${demo.adminToken}`);
    const sent = new URL(request.url()).searchParams;
    assert.deepEqual(
      [sent.get("format"), sent.get("poor"), sent.get("appVersion")],
      ["csv", "audio", "2.4.0"],
    );
    const saved = await download;
    assert.equal(saved.suggestedFilename(), "aftercall-demo-surveys.csv");
    const [header, ...rows] = csvRecords(readFileSync(await saved.path(), "utf8"));
    assert.deepEqual(header?.slice(0, 6), [
      "id",
      "receivedAt",
      "clientTime",
      "callId",
      "participantId",
      "appVersion",
    ]);
    const column = (name: string) => header?.indexOf(name) ?? -1;
    assert.ok(rows.every((r) => r.length === header?.length && r[column("appVersion")] === "2.4.0"));
    assert.ok(rows.every((r) => r[column("audioPoor")] === "true"));
    sent.delete("format");
    const summary = await api<Summary>("/v1/analytics/summary", sent);
    assert.ok(summary.surveys > 0);
    assert.equal(rows.length, summary.surveys);
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
        "#view=explorer&project=demo&range=30d&tz=UTC&poor=audio&appVersion=2.4.0",
      ]) {
        await show(page, hash);
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
        ["explorer", "#view=explorer&project=demo&range=30d&tz=UTC&poor=audio&appVersion=2.4.0"],
      ] as const) {
        await show(page, hash);
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
