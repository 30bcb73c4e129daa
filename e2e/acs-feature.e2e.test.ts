import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import type { AcsScenarioResult } from "./pages/acs-call.js";
import { browserSkip, launchBrowser } from "./support/browser.js";
import { bundleForBrowser, keepOnLoopback, servePage } from "./support/harness.js";
import { startDemoServer } from "./support/server.js";

const skip = browserSkip();

// The scenario (e2e/pages/acs-call.ts) runs the real @azure/communication-calling in Chromium without
// its service, and the tutorial's survey code (packages/client/test/acs/tutorial-app.aftercall.ts).
const ENTRY = 'import "./e2e/pages/acs-call.ts";';

interface StoredSurvey {
  id: string;
  callId: string;
  participantId: string;
  ratings: Record<string, { score: number; scale: unknown; issues: string[] }>;
}

describe("@aftercall/client/acs inside the real ACS Calling SDK, in Chromium", { skip }, () => {
  let demo: Awaited<ReturnType<typeof startDemoServer>>;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let site: Awaited<ReturnType<typeof servePage>>;
  let refused: Set<string>;

  before(async () => {
    demo = await startDemoServer();
    site = await servePage(await bundleForBrowser(ENTRY));
    browser = await launchBrowser();
    context = await browser.newContext();
    refused = await keepOnLoopback(context);
    page = await context.newPage();
    await page.goto(site.url);
  });
  after(async () => {
    await context?.close().catch(() => {});
    await browser?.close();
    await site?.close();
    await demo?.stop();
  });

  it("ACS's call.feature() builds Aftercall's feature with the call; the tutorial's code stores its surveys", async () => {
    const out: AcsScenarioResult = await page.evaluate((args) => window.acsScenario(args), {
      endpoint: demo.server.url,
      projectKey: demo.ingestKey,
    });

    assert.deepEqual(out.dispatch, {
      isAftercall: true,
      oncePerCall: true,
      acsOwnIsAcs: true,
      otherFeaturesAreAcs: true,
    });
    assert.equal(out.identity.state, "Disconnected");
    assert.match(out.identity.id, /^[0-9a-f-]{36}$/);
    assert.match(out.identity.participantId, /^[0-9a-f-]{36}$/);

    // Each response is ACS's: the ids of this call, and the ratings exactly as the app sent them.
    for (const r of out.responses) {
      assert.equal(r.callId, out.identity.id);
      assert.equal(r.localParticipantId, out.identity.participantId);
    }
    assert.deepEqual(out.responses[0]?.overallRating, { score: 5 });
    assert.deepEqual(out.responses[1]?.overallRating, {
      score: 1,
      scale: { lowerBound: 0, upperBound: 1, lowScoreThreshold: 0 },
      issues: ["HadToRejoin"],
    });
    assert.deepEqual(out.responses[2]?.videoRating, { score: 3, issues: ["Freezes"] });

    assert.equal(out.report, "error 400/45100: In default scale overallRating.score should be 1 to 5.");
    // Same error fields as ACS's own feature; ACS 2.0.0 says "Invalid call survey…" where the tutorial
    // documents the reason, which Aftercall gives.
    assert.ok(out.acsInvalid && out.ourInvalid);
    assert.deepEqual(
      { ...out.ourInvalid, message: "" },
      { ...out.acsInvalid, message: "" },
      "name, code, subCode and being an Error match ACS's own",
    );
    assert.match(out.acsInvalid.message, /^Invalid call survey/);
    assert.deepEqual(out.unreachable, {
      name: "CallingCommunicationError",
      code: 408,
      subCode: 45101,
      message: "Please try again.",
      isError: true,
    });
    assert.equal(out.queued.callId, out.identity.id);
    assert.ok(out.queued.pending >= 1, "the survey waits on the device");

    // What the server stored: three surveys for this call and participant, ratings as rated.
    const listed = await fetch(
      `${demo.server.url}/v1/surveys?callId=${encodeURIComponent(out.identity.id)}`,
      {
        headers: { authorization: `Bearer ${demo.adminToken}` },
      },
    );
    assert.equal(listed.status, 200);
    const { items } = (await listed.json()) as { items: StoredSurvey[] };
    assert.deepEqual(items.map((s) => s.id).sort(), out.responses.map((r) => r.id).sort());
    for (const s of items) assert.equal(s.participantId, out.identity.participantId);
    const custom = items.find((s) => s.id === out.responses[1]?.id);
    assert.deepEqual(custom?.ratings.overall?.scale, { lowerBound: 0, upperBound: 1, lowScoreThreshold: 0 });
    assert.deepEqual(custom?.ratings.overall?.issues, ["HadToRejoin"]);

    // Nothing left the machine: the SDK's attempts to reach its service were refused here.
    assert.ok(refused.size > 0, "the SDK tried to reach its service");
    for (const host of refused) assert.doesNotMatch(host, /^(localhost|127\.0\.0\.1)$/);
  });
});
