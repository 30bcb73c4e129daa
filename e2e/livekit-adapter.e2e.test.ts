import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Browser, Page } from "playwright-core";
import type { LiveKitScenarioResult } from "./pages/livekit-room.js";
import { browserSkip, launchBrowser } from "./support/browser.js";
import { bundleForBrowser, keepOnLoopback, servePage } from "./support/harness.js";

const skip = browserSkip();

describe("@aftercall/client/livekit on livekit-client's Room in Chromium", { skip }, () => {
  let browser: Browser;
  let page: Page;
  let site: Awaited<ReturnType<typeof servePage>>;

  before(async () => {
    site = await servePage(await bundleForBrowser('import "./e2e/pages/livekit-room.ts";'));
    browser = await launchBrowser();
    const context = await browser.newContext();
    await keepOnLoopback(context);
    page = await context.newPage();
    await page.goto(site.url);
  });
  after(async () => {
    await browser?.close();
    await site?.close();
  });

  it("follows LiveKit's simulated connection: the room's ids, media published and subscribed, a normal leave", async () => {
    const out: LiveKitScenarioResult = await page.evaluate(() => window.liveKitScenario());
    assert.deepEqual(
      [out.connected.callId, out.connected.participantId, out.connected.modalities, out.connected.endReason],
      ["RM_SIMULATED", "simulated-local", ["audio", "video"], undefined],
      "the room's sid (unique per session of a room name) and the local identity",
    );
    assert.equal(out.call.endReason, "left");
    assert.deepEqual(out.call.modalities, ["audio", "video", "screenshare"]);
    assert.ok((out.call.durationSeconds ?? 0) >= 1, `duration ${out.call.durationSeconds}`);
    assert.deepEqual(out.labels, ["livekit-publisher", "livekit-subscriber"]);
  });
});
