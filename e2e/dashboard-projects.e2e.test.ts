/**
 * The dashboard's two-project comparison in real Chromium, signed in with the operator token: a server
 * with two projects of demo data ("demo" over 30 days, "mobile" only over the last 10, when the bad
 * release 2.4.0 made audio worse), the project switcher listing both, and the Compare view's "Project"
 * cohorts showing exactly what GET /v1/analytics/compare answers for the same parameters, never the
 * previous numbers under the newly chosen project's name while that answer loads
 * (artifacts/screenshots/dashboard-compare-projects.png).
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { dashboardDir } from "@aftercall/dashboard";
import type { Browser, BrowserContext } from "playwright-core";
import { insertDemoData } from "../packages/server/src/cli/demo-data.js";
import type { Project } from "../packages/server/src/projects/project.js";
import { browserSkip, launchBrowser } from "./support/browser.js";
import { screenshotDir, startDemoServer } from "./support/server.js";

const skip = browserSkip();
const OPERATOR_TOKEN = "e2e-operator-token-0123456789abcdef";

interface Cohort {
  projectId: string;
  surveys: number;
  poor: number;
  poorRate: number | null;
}
interface Comparison {
  a: Cohort;
  b: Cohort;
  difference: number | null;
  differenceCi95: [number, number] | null;
  pValue: number | null;
}

const percentText = (rate: number | null) => (rate === null ? "–" : `${(rate * 100).toFixed(1)}\u00a0%`);
const pointsText = (d: number) => `${d > 0 ? "+" : d < 0 ? "−" : ""}${Math.abs(d * 100).toFixed(1)}\u00a0pp`;
/** A text matched literally inside a regular expression. */
const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

describe("dashboard project comparison in Chromium, with the operator token", { skip }, () => {
  let demo: Awaited<ReturnType<typeof startDemoServer>>;
  let browser: Browser;
  let context: BrowserContext | undefined;

  before(async () => {
    assert.ok(
      existsSync(join(dashboardDir, "index.html")),
      "the dashboard is not built: run `npm run build`",
    );
    demo = await startDemoServer({ operatorToken: OPERATOR_TOKEN });
    const first = demo.server.firstProject?.project;
    assert.ok(first);
    // The second project through the API, as an operator would create it.
    const created = await fetch(`${demo.server.url}/v1/projects`, {
      method: "POST",
      headers: { authorization: `Bearer ${OPERATOR_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ id: "mobile", name: "Mobile" }),
    });
    assert.equal(created.status, 201);
    const second = ((await created.json()) as { project: Project }).project;
    await insertDemoData(demo.server.db, first, { surveys: 3000, days: 30, seed: 1 });
    // Only the last 10 days: every one of its calls falls after the bad release, so its audio is worse.
    await insertDemoData(demo.server.db, second, { surveys: 3000, days: 10, seed: 2 });
    browser = await launchBrowser();
  });
  after(async () => {
    await context?.close();
    await browser?.close();
    await demo?.stop();
  });

  it("compares project Demo with project Mobile and shows the server's numbers for the same parameters", async () => {
    context = await browser.newContext({ timezoneId: "UTC", viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${demo.server.url}/#view=overview&project=demo&range=30d&tz=UTC&category=audio`);
    await page.getByLabel("Admin token").fill(OPERATOR_TOKEN);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.locator('[data-kpi="surveys"]').waitFor();

    // The operator sees every project in the switcher; switching follows into the URL and back.
    const switcher = page.locator(".toolbar select").first();
    assert.deepEqual(await switcher.locator("option").allTextContents(), ["Demo (demo)", "Mobile (mobile)"]);
    await switcher.selectOption("mobile");
    await page.waitForURL(/project=mobile/);
    await switcher.selectOption("demo");
    await page.waitForURL(/project=demo/);

    await page.getByRole("link", { name: "Compare" }).click();
    await page.getByRole("heading", { name: "Compare cohorts" }).waitFor();
    await page.getByLabel("Compare by").selectOption("project");
    // Both cohorts start as the current project: Demo against itself, drawn under its own name.
    assert.equal(await page.getByLabel("Project A").inputValue(), "demo");
    const cards = page.locator(".verdict .kpi");
    await cards
      .nth(1)
      .filter({ hasText: /^B: Demo/ })
      .waitFor();
    // Choosing B asks the server for Demo against Mobile. The answer is held back for a moment: while it
    // loads, the previous numbers must not be shown under Mobile's name.
    const isMobileComparison = (url: URL) =>
      url.pathname.endsWith("/analytics/compare") && url.searchParams.get("b.projectId") === "mobile";
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    await page.route(isMobileComparison, async (route) => {
      await held;
      await route.continue();
    });
    const compared = page.waitForResponse((r) => isMobileComparison(new URL(r.url())));
    compared.catch(() => {}); // awaited below; a failure before then closes the page under it
    const asked = page.waitForRequest((r) => isMobileComparison(new URL(r.url())));
    await page.getByLabel("Project B").selectOption("mobile");
    await asked;
    assert.match(await cards.nth(1).innerText(), /^B: Demo/);
    assert.equal(await page.locator(".verdict").getAttribute("aria-busy"), "true");
    release();
    const response = await compared;
    assert.equal(response.status(), 200);
    assert.equal(response.request().headers().authorization, `Bearer ${OPERATOR_TOKEN}`);
    assert.match(page.url(), /view=compare&.*cmp=project&b=mobile/);
    const sent = new URL(response.url()).searchParams;
    assert.deepEqual(
      [sent.get("a.projectId"), sent.get("b.projectId"), sent.get("category")],
      ["demo", "mobile", "audio"],
    );
    assert.ok(sent.get("a.from") && sent.get("a.from") === sent.get("b.from"), "one range for both");

    // The same parameters asked of the API directly.
    const direct = await fetch(`${demo.server.url}/v1/analytics/compare?${sent}`, {
      headers: { authorization: `Bearer ${OPERATOR_TOKEN}` },
    });
    assert.equal(direct.status, 200);
    const server = (await direct.json()) as Comparison;
    assert.deepEqual(server, await response.json(), "the page got what the API answers");
    assert.deepEqual([server.a.projectId, server.b.projectId], ["demo", "mobile"]);
    assert.ok(server.a.surveys > 0 && server.b.surveys > 0);
    // Mobile's calls all fall in the bad release's days, so Demo's audio is better: A − B is negative.
    assert.ok(server.difference !== null && server.difference < 0, `${server.difference}`);
    const difference = server.difference;

    const verdict = page.locator("[data-verdict]");
    await page.locator('.verdict[aria-busy="false"]').waitFor();
    const texts = await cards.allInnerTexts();
    for (const [i, [name, cohort]] of (
      [
        ["A: Demo", server.a],
        ["B: Mobile", server.b],
      ] as const
    ).entries()) {
      const card = texts[i] ?? "";
      assert.match(card, new RegExp(`^${name}`), `cohort ${i}`);
      assert.match(card, new RegExp(literal(percentText(cohort.poorRate))), `cohort ${i}`);
      assert.match(
        card,
        new RegExp(
          `${cohort.poor.toLocaleString("en-US")} poor of ${cohort.surveys.toLocaleString("en-US")}`,
        ),
        `cohort ${i}`,
      );
    }
    assert.match(texts[2] ?? "", new RegExp(literal(pointsText(difference))));
    // About 10 points apart on some 2,500 surveys each: far outside chance, and the page says so.
    assert.ok(server.pValue !== null && server.pValue < 0.05, `p = ${server.pValue}`);
    assert.ok(server.differenceCi95 !== null && server.differenceCi95[1] < 0, `${server.differenceCi95}`);
    assert.equal(await page.locator(".verdict").getAttribute("data-significant"), "true");
    assert.match(
      await verdict.innerText(),
      new RegExp(
        `^Demo has a lower audio poor-rate than Mobile: ${literal(pointsText(difference))} .*statistically significant`,
      ),
    );

    await page.screenshot({
      path: join(await screenshotDir(), "dashboard-compare-projects.png"),
      fullPage: true,
    });
    assert.deepEqual(errors, []);
  });
});
