import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Browser, Page } from "playwright-core";
import type {} from "./pages/react-acs-callbacks.js";
import { browserSkip, launchBrowser } from "./support/browser.js";
import { bundleForBrowser, keepOnLoopback, servePage } from "./support/harness.js";
import { clickAction, inCategory, rate } from "./support/page.js";
import { startDemoServer } from "./support/server.js";

const skip = browserSkip();

describe("the React wrapper's ACS UI library callbacks, in Chromium against a real server", { skip }, () => {
  let demo: Awaited<ReturnType<typeof startDemoServer>>;
  let browser: Browser;
  let page: Page;
  let site: Awaited<ReturnType<typeof servePage>>;

  before(async () => {
    demo = await startDemoServer();
    site = await servePage(await bundleForBrowser('import "./e2e/pages/react-acs-callbacks.ts";'));
    browser = await launchBrowser();
    const context = await browser.newContext();
    await keepOnLoopback(context);
    page = await context.newPage();
    await page.goto(site.url);
  });
  after(async () => {
    await browser?.close();
    await site?.close();
    await demo?.stop();
  });

  const mount = async (callId: string) => {
    await page.evaluate((args) => window.mountReactSurvey(args), {
      endpoint: demo.server.url,
      projectKey: demo.ingestKey,
      callId,
    });
    await page.locator("aftercall-survey h2").waitFor();
  };
  const logAfter = async (entries: number) => {
    await page.waitForFunction((n) => window.callbackLog.length >= n, entries);
    return page.evaluate(() => window.callbackLog);
  };

  it("onSurveySubmitted(callId, surveyId, survey, suggestions), then onSurveyClosed('sent')", async () => {
    await mount("react-call-1");
    await rate(page, "overall", 2);
    await clickAction(page, "next");
    await rate(page, "audio", 1);
    await page.locator(inCategory("audio", 'input[data-tag="Echo"]')).check();
    await page.locator(inCategory("audio", "textarea")).fill("Echo all along");
    await clickAction(page, "submit");
    const log = await logAfter(2);
    const [submitted, closed] = log;
    assert.deepEqual(closed, ["closed", "sent"], "closed after onSurveySubmitted settled");
    const [name, callId, surveyId, survey, suggestions] = submitted ?? [];
    assert.deepEqual([name, callId], ["submitted", "react-call-1"]);
    assert.deepEqual(survey, { overallRating: { score: 2 }, audioRating: { score: 1, issues: ["Echo"] } });
    assert.deepEqual(suggestions, { audioRating: "Echo all along" });

    const stored = await fetch(`${demo.server.url}/v1/surveys/${surveyId}`, {
      headers: { authorization: `Bearer ${demo.adminToken}` },
    });
    assert.equal(stored.status, 200, "the survey id is the stored survey's");
    const record = (await stored.json()) as {
      callId: string;
      ratings: { audio: { improvementSuggestion: string } };
    };
    assert.equal(record.callId, "react-call-1");
    assert.equal(record.ratings.audio.improvementSuggestion, "Echo all along");
  });

  it("onSurveyClosed('skipped') when the participant skips", async () => {
    await mount("react-call-2");
    await clickAction(page, "skip");
    assert.deepEqual(await logAfter(1), [["closed", "skipped"]]);
  });
});
