import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Browser, Page } from "playwright-core";
import type { WebRtcScenarioResult } from "./pages/webrtc-call.js";
import { browserSkip, launchBrowser } from "./support/browser.js";
import { bundleForBrowser, keepOnLoopback, servePage } from "./support/harness.js";
import { startDemoServer } from "./support/server.js";

const skip = browserSkip();

/** Chromium's fake camera, microphone and screen, granted without a prompt. */
const FAKE_MEDIA = [
  "--use-fake-device-for-media-stream",
  "--use-fake-ui-for-media-stream",
  "--auto-select-desktop-capture-source=Entire screen",
];

interface StoredSurvey {
  id: string;
  callId: string;
  participantId: string;
}

describe("@aftercall/client/webrtc on two RTCPeerConnections in Chromium", { skip }, () => {
  let demo: Awaited<ReturnType<typeof startDemoServer>>;
  let browser: Browser;
  let page: Page;
  let site: Awaited<ReturnType<typeof servePage>>;

  before(async () => {
    demo = await startDemoServer();
    site = await servePage(await bundleForBrowser('import "./e2e/pages/webrtc-call.ts";'));
    browser = await launchBrowser(FAKE_MEDIA);
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

  it("learns duration, media used and a normal end, hands the connection to the stats sink, and the survey is stored", async () => {
    const out: WebRtcScenarioResult = await page.evaluate((args) => window.webrtcScenario(args), {
      endpoint: demo.server.url,
      projectKey: demo.ingestKey,
    });

    assert.deepEqual(out.before.modalities, [], "nothing used before connecting");
    assert.equal(out.before.endReason, undefined);
    assert.deepEqual(out.talking.modalities, ["audio", "video"]);
    assert.equal(out.talking.endReason, undefined);
    assert.deepEqual(out.sharing.modalities, ["audio", "video", "screenshare"]);

    assert.equal(out.call.endReason, "left");
    assert.deepEqual(out.call.modalities, ["audio", "video", "screenshare"]);
    assert.ok(
      out.call.durationSeconds !== undefined &&
        out.call.durationSeconds >= 2 &&
        out.call.durationSeconds <= 10,
      `duration ${out.call.durationSeconds}`,
    );
    assert.deepEqual(
      [out.call.joinFailed, out.call.removedFromCall, out.call.movedToBreakout],
      [false, false, false],
    );
    assert.equal(out.call.participantId, "alice");
    assert.deepEqual(out.decision, { ask: true, reason: "ok" });

    // The sink got the real connection: its stats list the audio, camera and screen streams sent.
    assert.deepEqual(out.handed, [{ label: "peer", isAlice: true }]);
    assert.deepEqual(out.sent, ["audio", "video", "video"]);

    assert.equal(out.failed.endReason, "join-failed");
    assert.equal(out.failed.durationSeconds, 0);
    assert.deepEqual(out.failedDecision, { ask: false, reason: "join-failed" });

    const listed = await fetch(
      `${demo.server.url}/v1/surveys?callId=${encodeURIComponent(out.call.callId)}`,
      {
        headers: { authorization: `Bearer ${demo.adminToken}` },
      },
    );
    const { items } = (await listed.json()) as { items: StoredSurvey[] };
    assert.deepEqual(
      items.map((s) => [s.id, s.callId, s.participantId]),
      [[out.responseId, out.call.callId, "alice"]],
    );
  });
});
