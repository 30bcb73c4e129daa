import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { countEvents } from "../packages/server/src/events/survey-events.js";
import { getSurvey, listSurveys } from "../packages/server/src/surveys/survey-reads.js";
import { browserSkip, launchBrowser } from "./support/browser.js";
import {
  assertWidgetBuilt,
  axeViolations,
  clickAction,
  endDemoCall,
  focused,
  inCategory,
  rate,
  tabTo,
} from "./support/page.js";
import { screenshotDir, startDemoServer } from "./support/server.js";

const skip = browserSkip();

describe("survey widget in Chromium, against a real server", { skip }, () => {
  let demo: Awaited<ReturnType<typeof startDemoServer>>;
  let browser: Browser;
  let shots: string;
  const contexts: BrowserContext[] = [];

  before(async () => {
    assertWidgetBuilt();
    demo = await startDemoServer();
    browser = await launchBrowser();
    shots = await screenshotDir();
  });
  after(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    await demo?.stop();
  });

  async function open(options: Parameters<Browser["newContext"]>[0] = {}, path = "/demo"): Promise<Page> {
    const context = await browser.newContext(options);
    contexts.push(context);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    (page as Page & { errors?: string[] }).errors = errors;
    await page.goto(`${demo.server.url}${path}`);
    return page;
  }

  const submitted = async (page: Page) => {
    await page.locator("#result").waitFor();
    return JSON.parse((await page.locator("#response").textContent()) ?? "{}") as {
      id: string;
      status: string;
    };
  };

  it("stores exactly what the participant rated, tagged and typed", async () => {
    const page = await open();
    await endDemoCall(page, ["audio", "video"]);
    await page.screenshot({ path: join(shots, "widget-1-rate-light.png") });
    await rate(page, "overall", 2);
    await clickAction(page, "next");
    await page.locator(inCategory("audio", '[role="radiogroup"]')).waitFor();
    assert.equal(
      await page.locator('aftercall-survey .cat[data-category="screenshare"]').count(),
      0,
      "unused modality not asked",
    );
    await page.locator(inCategory("overall", 'input[data-tag="HadToRejoin"]')).check();
    await rate(page, "audio", 1);
    await page.locator(inCategory("audio", 'input[data-tag="Echo"]')).check();
    await page.locator(inCategory("audio", 'input[data-tag="LowVolume"]')).check();
    await page.locator(inCategory("audio", "textarea")).fill("Echo whenever Ada spoke");
    assert.match((await page.locator(inCategory("audio", ".counter")).textContent()) ?? "", /^23\/2000$/);
    await rate(page, "video", 4);
    await page.screenshot({ path: join(shots, "widget-2-details-light.png"), fullPage: true });
    await clickAction(page, "submit");
    const response = await submitted(page);
    assert.equal(response.status, "delivered");
    await page.screenshot({ path: join(shots, "widget-3-thanks-light.png") });

    const stored = await getSurvey(demo.server.db, "demo", response.id);
    assert.ok(stored, "the survey is stored");
    assert.equal(stored.participantId, "demo-participant");
    assert.deepEqual(
      stored.ratings.overall && {
        score: stored.ratings.overall.score,
        issues: stored.ratings.overall.issues,
      },
      {
        score: 2,
        issues: ["HadToRejoin"],
      },
    );
    assert.equal(stored.ratings.audio?.score, 1);
    assert.deepEqual([...(stored.ratings.audio?.issues ?? [])].sort(), ["Echo", "LowVolume"]);
    assert.equal(stored.ratings.audio?.improvementSuggestion, "Echo whenever Ada spoke");
    assert.equal(stored.ratings.video?.score, 4, "video score is its own, not the overall star value");
    assert.deepEqual(stored.ratings.video?.issues, []);
    assert.equal(stored.ratings.screenshare, undefined);
    assert.equal(stored.appVersion, "demo");
    // The lifecycle events are sent on their own after the survey's answer: wait for them to arrive.
    let events = await countEvents(demo.server.db, "demo");
    for (let tries = 0; tries < 100 && !(events.shown >= 1 && events.submitted >= 1); tries++) {
      await sleep(100);
      events = await countEvents(demo.server.db, "demo");
    }
    assert.ok(events.shown >= 1 && events.submitted >= 1, JSON.stringify(events));
    assert.deepEqual((page as Page & { errors?: string[] }).errors, []);
  });

  it("submits a good overall rating in one step, without details", async () => {
    const page = await open();
    await endDemoCall(page);
    await rate(page, "overall", 5);
    assert.equal(await page.locator('aftercall-survey button[data-action="next"]').count(), 0);
    await clickAction(page, "submit");
    const stored = await getSurvey(demo.server.db, "demo", (await submitted(page)).id);
    assert.deepEqual(Object.keys(stored?.ratings ?? {}), ["overall"]);
    assert.equal(stored?.ratings.overall?.score, 5);
  });

  it("can be completed with the keyboard alone", async () => {
    const page = await open();
    await page.locator("body").click({ position: { x: 1, y: 1 } });
    await tabTo(page, (f) => f.tag === "button" && f.text === "End call");
    await page.keyboard.press("Enter");
    await page.locator("aftercall-survey h2").waitFor();
    assert.equal((await focused(page)).tag, "h2", "focus moves to the question");
    await tabTo(page, (f) => f.role === "radio");
    await page.keyboard.press("Home"); // 1 star: poor, details follow
    assert.equal((await focused(page)).value, "1");
    await page.keyboard.press("ArrowRight"); // 2 stars
    assert.equal((await focused(page)).value, "2");
    await tabTo(page, (f) => f.action === "next");
    await page.keyboard.press("Enter");
    await page.locator(inCategory("audio", '[role="radiogroup"]')).waitFor();
    assert.equal((await focused(page)).tag, "h2", "focus moves to the new step's heading");
    await tabTo(page, (f) => f.role === "radio" && f.category === "audio");
    await page.keyboard.press("End"); // 5
    await page.keyboard.press("ArrowLeft"); // 4
    await tabTo(page, (f) => f.tagName === "Echo" && f.category === "audio");
    await page.keyboard.press("Space");
    await tabTo(page, (f) => f.action === "submit");
    await page.keyboard.press("Enter");
    const stored = await getSurvey(demo.server.db, "demo", (await submitted(page)).id);
    assert.equal(stored?.ratings.overall?.score, 2);
    assert.deepEqual(stored?.ratings.audio?.issues, ["Echo"]);
    assert.equal(stored?.ratings.audio?.score, 4, "audio rated by keyboard");
  });

  it("has no axe-core violations in any step", async () => {
    const page = await open();
    await endDemoCall(page, ["audio", "video", "screenshare"]);
    assert.deepEqual(await axeViolations(page), [], "rating step");
    await rate(page, "overall", 1);
    await clickAction(page, "next");
    await page.locator(inCategory("audio", '[role="radiogroup"]')).waitFor();
    assert.deepEqual(await axeViolations(page), [], "details step");
    await rate(page, "audio", 2);
    await rate(page, "video", 2);
    await rate(page, "screenshare", 2);
    await clickAction(page, "submit");
    await submitted(page);
    assert.deepEqual(await axeViolations(page), [], "thank-you state");
  });

  it("keeps an answer given offline and delivers it exactly once after a reload", async () => {
    const page = await open();
    const context = page.context();
    await endDemoCall(page);
    await rate(page, "overall", 4);
    await context.setOffline(true);
    await clickAction(page, "submit");
    const response = await submitted(page);
    assert.equal(response.status, "queued");
    await page.screenshot({ path: join(shots, "widget-4-queued-offline.png") });
    assert.equal(
      await getSurvey(demo.server.db, "demo", response.id),
      undefined,
      "nothing reached the server yet",
    );
    await context.setOffline(false);
    await page.reload();
    await waitFor(
      async () => (await getSurvey(demo.server.db, "demo", response.id)) !== undefined,
      "delivered after reload",
    );
    // A second reload re-sends nothing new: the outbox is empty and the server would dedupe anyway.
    await page.reload();
    await page.waitForTimeout(300);
    const page1 = await listSurveys(
      demo.server.db,
      "demo",
      { callId: (await getSurvey(demo.server.db, "demo", response.id))?.callId as string },
      { limit: 10 },
    );
    assert.equal(page1.items.length, 1);
    assert.equal(
      await page.evaluate(
        () =>
          Object.keys(localStorage).filter((k) => k.endsWith(":outbox") && localStorage.getItem(k) !== "[]")
            .length,
      ),
      0,
    );
  });

  it("retries after a server error and stores the survey once", async () => {
    const page = await open();
    let failures = 0;
    await page.route("**/v1/surveys", async (route) => {
      if (route.request().method() === "POST" && failures === 0) {
        failures++;
        await route.fulfill({
          status: 500,
          contentType: "application/json",
          body: '{"code":"INTERNAL","message":"boom","requestId":"x"}',
        });
      } else await route.continue();
    });
    await endDemoCall(page);
    await rate(page, "overall", 3);
    await clickAction(page, "submit");
    const response = await submitted(page);
    await waitFor(
      async () => (await getSurvey(demo.server.db, "demo", response.id)) !== undefined,
      "delivered by a retry",
    );
    assert.equal(failures, 1);
    const stored = await getSurvey(demo.server.db, "demo", response.id);
    const same = await listSurveys(
      demo.server.db,
      "demo",
      { callId: stored?.callId as string },
      { limit: 10 },
    );
    assert.equal(same.items.length, 1);
  });

  it("shows a clear error when the survey is set up wrong", async () => {
    // An app page that forgot the project key.
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    await page.route(`${demo.server.url}/app.html`, (route) =>
      route.fulfill({
        contentType: "text/html",
        body: `<!doctype html><html lang="en"><head><title>App</title></head><body><main>
          <script type="module" src="/widget/aftercall-widget.js"></script>
          <aftercall-survey endpoint="${demo.server.url}" call-id="c1" participant-id="p1"></aftercall-survey></main></body></html>`,
      }),
    );
    await page.goto(`${demo.server.url}/app.html`);
    const message = page.locator('aftercall-survey [role="alert"]');
    await message.waitFor();
    assert.match((await message.textContent()) ?? "", /not set up correctly/);
    await page.screenshot({ path: join(shots, "widget-5-config-error.png") });
  });

  it("shows a permanent server refusal with a way to retry", async () => {
    const page = await open();
    await page.route("**/v1/surveys", (route) =>
      route.fulfill({
        status: 401,
        contentType: "application/json",
        body: '{"code":"UNAUTHORIZED","message":"The key is not valid or was revoked.","requestId":"x"}',
      }),
    );
    await endDemoCall(page);
    await rate(page, "overall", 4);
    await clickAction(page, "submit");
    const alert = page.locator('aftercall-survey [role="alert"]');
    await alert.waitFor();
    assert.match((await alert.textContent()) ?? "", /could not be sent/);
    assert.equal(await page.locator('aftercall-survey button[data-action="retry"]').count(), 1);
    await page.screenshot({ path: join(shots, "widget-6-error.png") });
  });

  it("renders dark, right-to-left and mobile layouts", async () => {
    const dark = await open({ colorScheme: "dark" });
    await endDemoCall(dark);
    await rate(dark, "overall", 2);
    await dark.screenshot({ path: join(shots, "widget-7-rate-dark.png") });
    await clickAction(dark, "next");
    await dark.locator(inCategory("audio", '[role="radiogroup"]')).waitFor();
    await dark.screenshot({ path: join(shots, "widget-8-details-dark.png"), fullPage: true });

    const rtl = await open({}, "/demo?lang=ar");
    await endDemoCall(rtl);
    const dir = await rtl.locator("aftercall-survey .card").getAttribute("dir");
    assert.equal(dir, "rtl");
    // Arabic is a chunk of its own, loaded before the first step shows.
    assert.equal(await rtl.locator("aftercall-survey h2").textContent(), "كيف كانت جودة المكالمة؟");
    await rate(rtl, "overall", 1);
    await clickAction(rtl, "next");
    await rtl.locator(inCategory("audio", '[role="radiogroup"]')).waitFor();
    await rtl.screenshot({ path: join(shots, "widget-9-details-rtl.png"), fullPage: true });

    const mobile = await open({ viewport: { width: 375, height: 740 }, deviceScaleFactor: 2 });
    await endDemoCall(mobile);
    await rate(mobile, "overall", 2);
    await clickAction(mobile, "next");
    await mobile.locator(inCategory("audio", '[role="radiogroup"]')).waitFor();
    const overflow = await mobile.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    assert.ok(overflow <= 0, `no horizontal scrolling at 375px (overflow ${overflow}px)`);
    await mobile.screenshot({ path: join(shots, "widget-10-details-mobile.png"), fullPage: true });

    const german = await open({}, "/demo?lang=de");
    await endDemoCall(german);
    assert.match((await german.locator("aftercall-survey h2").textContent()) ?? "", /Gesprächsqualität/);
    // Switching the language of a survey on screen loads that language's chunk and re-renders.
    await german.locator("aftercall-survey").evaluate((el) => el.setAttribute("lang", "fr"));
    await german.locator("aftercall-survey h2", { hasText: "Comment" }).waitFor();
  });
});

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting: ${what}`);
}
