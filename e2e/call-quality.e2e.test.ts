/**
 * Call quality in Chromium, end to end: two peer connections in one page exchange Chromium's fake audio,
 * video and screen share; the SDK's collector (`@aftercall/client/quality`) measures one side, the
 * quality-aware client (`@aftercall/client/quality-aware`) samples by network band and sends the survey
 * with the summary to a real server, which answers 201. A second call goes through a UDP relay started
 * here that drops and delays packets, and its summary shows the loss, the round trip and the band.
 *
 * `AFTERCALL_WRITE_FIXTURES=1` also writes the getStats reports the collector took, trimmed to the fields
 * it reads, to packages/client/test/fixtures/ (the unit tests' inputs).
 */
import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import {
  type CallQualitySummary,
  DEFAULT_SURVEY_CONFIG,
  networkBand,
  validateSurvey,
} from "@aftercall/schema";
import { build } from "esbuild";
import type { Browser, BrowserContext } from "playwright-core";
import { inSample } from "../packages/client/src/sampling.js";
import { updateSurveyConfig } from "../packages/server/src/projects/project-store.js";
import { getSurvey } from "../packages/server/src/surveys/survey-reads.js";
import { browserSkip, launchBrowser } from "./support/browser.js";
import type { CallOptions, CallOutcome } from "./support/quality-page.js";
import { startDemoServer } from "./support/server.js";
import { type Impairment, startUdpRelay } from "./support/udp-relay.js";

const skip = browserSkip();
const FAKE_MEDIA = [
  "--use-fake-device-for-media-stream",
  "--use-fake-ui-for-media-stream",
  "--autoplay-policy=no-user-gesture-required",
];
const SECONDS = 9;
const IMPAIRMENT: Impairment = { loss: 0.12, delayMs: 100, jitterMs: 40, seed: 42 };
const FIXTURES = new URL("../packages/client/test/fixtures/", import.meta.url);

/** The first call id of the series that the client's deterministic draw asks at `rate`. */
const callAskedAt = (prefix: string, participantId: string, rate: number) => {
  for (let i = 0; ; i++)
    if (inSample({ callId: `${prefix}-${i}`, participantId }, rate)) return `${prefix}-${i}`;
};

/** The fields of each stats type the collector reads; everything else (addresses, ports…) is left out. */
const KEPT: Record<string, string[]> = {
  rtp: [
    "kind",
    "mediaType",
    "contentType",
    "localId",
    "codecId",
    "roundTripTime",
    "jitter",
    "framesPerSecond",
  ],
  counters: [
    ...["packetsLost", "packetsReceived", "packetsSent", "bytesReceived", "bytesSent", "freezeCount"],
    ...["totalFreezesDuration", "concealedSamples", "totalSamplesReceived"],
  ],
  codec: ["mimeType"],
  transport: ["selectedCandidatePairId"],
  "candidate-pair": [
    "state",
    "nominated",
    "selected",
    "currentRoundTripTime",
    "localCandidateId",
    "remoteCandidateId",
  ],
  candidate: ["candidateType", "protocol"],
};
/** A report trimmed to what the collector reads: the fields above, of the stats the report refers to. */
function trim(stats: Record<string, unknown>[]): Record<string, unknown>[] {
  const byId = new Map(stats.map((s) => [s.id, s]));
  // The selected pair (and, as Firefox flags it, any nominated one), its candidates, the streams' codecs.
  const pairs = new Set(stats.filter((s) => s.type === "transport").map((s) => s.selectedCandidatePairId));
  for (const s of stats) if (s.type === "candidate-pair" && (s.nominated || s.selected)) pairs.add(s.id);
  const referenced = new Set<unknown>(pairs);
  for (const id of pairs) {
    referenced.add(byId.get(id)?.localCandidateId);
    referenced.add(byId.get(id)?.remoteCandidateId);
  }
  for (const s of stats) if (String(s.type).endsWith("-rtp")) referenced.add(s.codecId);
  return stats.flatMap((s) => {
    const type = String(s.type);
    const rtp = type.endsWith("-rtp");
    if (!rtp && type !== "transport" && !referenced.has(s.id)) return [];
    const fields = rtp
      ? [...(KEPT.rtp as string[]), ...(KEPT.counters as string[])]
      : type.endsWith("-candidate")
        ? KEPT.candidate
        : KEPT[type];
    if (!fields) return [];
    return [
      Object.fromEntries(["id", "type", ...fields].filter((k) => s[k] !== undefined).map((k) => [k, s[k]])),
    ];
  });
}

describe("call quality in Chromium, against a real server", { skip }, () => {
  let demo: Awaited<ReturnType<typeof startDemoServer>>;
  let browser: Browser;
  let script: string;
  const contexts: BrowserContext[] = [];

  before(async () => {
    demo = await startDemoServer();
    browser = await launchBrowser(FAKE_MEDIA);
    const bundled = await build({
      entryPoints: [fileURLToPath(new URL("./support/quality-page.ts", import.meta.url))],
      bundle: true,
      format: "esm",
      platform: "browser",
      target: "es2022",
      conditions: ["source"],
      write: false,
      logLevel: "silent",
    });
    script = bundled.outputFiles[0]?.text ?? "";
    // Every poor- or fair-network call is asked; half the good ones.
    await updateSurveyConfig(demo.server.db, "demo", {
      ...DEFAULT_SURVEY_CONFIG,
      sampleRateByBand: { good: 0.5, fair: 1, poor: 1 },
    });
  });
  after(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    await demo?.stop();
  });

  /**
   * One call in a fresh page (served at the server's origin), its media through `relay` if given, and the
   * survey request it made.
   */
  async function call(
    options: Pick<CallOptions, "callId" | "participantId" | "screenshare">,
    relay?: Awaited<ReturnType<typeof startUdpRelay>>,
  ) {
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    const url = `${demo.server.url}/call-quality-test`;
    await page.route(url, (route) =>
      route.fulfill({
        contentType: "text/html",
        body: `<!doctype html><html lang="en"><title>call</title><script type="module">${script}</script></html>`,
      }),
    );
    await page.exposeFunction("relayTarget", (address: string, port: number) =>
      relay?.setTarget(address, port),
    );
    await page.goto(url);
    const sent = page.waitForResponse(
      (r) => r.url().endsWith("/v1/surveys") && r.request().method() === "POST",
    );
    const outcome: CallOutcome = await page.evaluate((o) => window.runCall(o), {
      ...options,
      endpoint: demo.server.url,
      projectKey: demo.ingestKey,
      seconds: SECONDS,
      ...(relay ? { relayPort: relay.port } : {}),
    } satisfies CallOptions);
    const response = await sent;
    assert.deepEqual(errors, []);
    return {
      outcome,
      status: response.status(),
      body: response.request().postDataJSON() as Record<string, unknown>,
    };
  }
  let clean: CallQualitySummary | undefined;

  it("sends the collector's summary of a clean call with the survey, and the server answers 201", async () => {
    const participantId = "ada";
    const callId = callAskedAt("quality-clean", participantId, 0.5);
    const { outcome, status, body } = await call({ callId, participantId, screenshare: true });
    const q = outcome.callQuality;
    clean = q;

    // What was sent: the summary, and the probability the call was asked with: 0.5 in the good band (a
    // clean call on loopback is good, unless the machine is so busy its jitter crosses 30 ms), else 1.
    assert.equal(status, 201);
    const band = networkBand(q);
    assert.ok(band === "good" || band === "fair", `band ${band}`);
    const probability = band === "good" ? 0.5 : undefined;
    assert.deepEqual(outcome.decision, {
      ask: true,
      reason: "ok",
      band,
      ...(probability && { probability }),
    });
    assert.deepEqual(body.callQuality, q);
    assert.equal(body.askProbability, probability);
    assert.equal(body.callId, callId);
    const valid = validateSurvey(body);
    assert.ok(valid.ok, JSON.stringify(!valid.ok && valid.errors));
    assert.ok(await getSurvey(demo.server.db, "demo", String(body.id)), "the survey is stored");

    // Plausible, non-zero values for fake media between two peers on one machine.
    assert.ok(
      q.durationSeconds >= SECONDS - 2 && q.durationSeconds <= SECONDS + 2,
      `duration ${q.durationSeconds}`,
    );
    assert.deepEqual(
      { local: q.path?.localCandidateType, remote: q.path?.remoteCandidateType, protocol: q.path?.protocol },
      { local: "host", remote: "host", protocol: "udp" },
    );
    assert.ok((q.path?.rttMs?.p50 ?? 99) < 50, `path RTT ${JSON.stringify(q.path?.rttMs)}`);
    const { audio, video, screenshare } = q;
    assert.equal(audio?.inbound?.codec, "opus");
    assert.equal(audio?.outbound?.codec, "opus");
    assert.ok((audio?.inbound?.bitrateKbps ?? 0) > 10, `audio in ${audio?.inbound?.bitrateKbps} kbit/s`);
    assert.ok((audio?.outbound?.bitrateKbps ?? 0) > 10, `audio out ${audio?.outbound?.bitrateKbps} kbit/s`);
    assert.ok((audio?.inbound?.lossFraction ?? 1) < 0.01, `audio loss ${audio?.inbound?.lossFraction}`);
    assert.ok(
      audio?.inbound?.jitterMs && audio.inbound.jitterMs.p50 < 20,
      JSON.stringify(audio?.inbound?.jitterMs),
    );
    assert.ok(audio?.inbound?.concealmentRatio !== undefined && audio.inbound.concealmentRatio < 0.2);
    // RTCP receiver reports give the round trip of what was sent (audio reports come every few seconds, so
    // a short call may have one for video only; on a busy machine they can take tens of ms here).
    const rtcpRtt = [audio?.outbound?.rttMs?.p50, video?.outbound?.rttMs?.p50].filter((v) => v !== undefined);
    assert.ok(rtcpRtt.length > 0 && Math.min(...rtcpRtt) < 150, `RTCP round trips ${rtcpRtt}`);
    assert.match(String(video?.inbound?.codec), /^(VP8|VP9|H264|AV1)$/);
    assert.ok((video?.inbound?.framesPerSecond ?? 0) > 5, `video fps ${video?.inbound?.framesPerSecond}`);
    assert.ok((video?.inbound?.bitrateKbps ?? 0) > 50, `video ${video?.inbound?.bitrateKbps} kbit/s`);
    assert.equal(typeof video?.inbound?.freezeCount, "number");
    assert.ok(
      (screenshare?.outbound?.framesPerSecond ?? 0) > 0,
      "the screen share is measured apart from the camera",
    );
    assert.ok((screenshare?.outbound?.bitrateKbps ?? 0) > 0);
    assert.ok((q.mos ?? 0) >= 4.3, `MOS ${q.mos}`);

    if (process.env.AFTERCALL_WRITE_FIXTURES === "1")
      await writeFixture("chromium-clean.json", outcome, undefined, await browser.version());
  });

  it("shows loss, round trip and a poor band when the media takes a relay that drops 12 % and delays 100–140 ms", async () => {
    const relay = await startUdpRelay(IMPAIRMENT);
    after(() => relay.close());
    const participantId = "grace";
    const { outcome, status, body } = await call(
      { callId: "quality-impaired-1", participantId, screenshare: false },
      relay,
    );
    const q = outcome.callQuality;

    assert.ok(relay.counts.dropped > 50, `the relay dropped ${relay.counts.dropped} datagrams`);
    assert.equal(status, 201);
    // A poor-network call is always asked: probability 1, so the survey carries none.
    assert.deepEqual(outcome.decision, { ask: true, reason: "ok", band: "poor" });
    assert.equal(body.askProbability, undefined);
    assert.deepEqual(body.callQuality, q);
    const valid = validateSurvey(body);
    assert.ok(valid.ok, JSON.stringify(!valid.ok && valid.errors));

    // Each way 100–140 ms: a round trip of about 200–280 ms, where the clean call had a few ms. ICE
    // consent checks measure the path; RTCP reports (themselves dropped now and then, so not every
    // stream has one in nine seconds) measure the streams sent.
    const [impaired, before] = [q.path?.rttMs?.p50 ?? 0, clean?.path?.rttMs?.p50 ?? 0];
    assert.ok(impaired > 180 && impaired > before + 150, `path RTT ${impaired} against ${before}`);
    const sent = [q.audio?.outbound, q.video?.outbound];
    const rtcpRtt = sent.flatMap((s) => (s?.rttMs ? [s.rttMs.p50] : []));
    assert.ok(rtcpRtt.length > 0 && Math.min(...rtcpRtt) > 180, `RTCP round trips ${rtcpRtt}`);
    const loss = q.audio?.inbound?.lossFraction ?? 0;
    assert.ok(loss > 0.05 && loss < 0.25, `audio received loss ${loss}`);
    const reported = sent.flatMap((s) => (s?.lossFraction === undefined ? [] : [s.lossFraction]));
    assert.ok(reported.length > 0 && Math.max(...reported) > 0.03, `loss the peer reported ${reported}`);
    const jitter = [q.audio?.inbound?.jitterMs?.p50, clean?.audio?.inbound?.jitterMs?.p50];
    assert.ok((jitter[0] ?? 0) > (jitter[1] ?? 0) + 3, `audio jitter p50 ${jitter[0]} against ${jitter[1]}`);
    const concealed = [q.audio?.inbound?.concealmentRatio, clean?.audio?.inbound?.concealmentRatio];
    assert.ok(
      (concealed[0] ?? 0) > (concealed[1] ?? 0),
      `concealment ${concealed[0]} against ${concealed[1]}`,
    );
    assert.ok((q.mos ?? 5) < (clean?.mos ?? 0) - 0.3, `MOS ${q.mos} against ${clean?.mos}`);
    assert.equal(networkBand(q), "poor");

    if (process.env.AFTERCALL_WRITE_FIXTURES === "1")
      await writeFixture("chromium-impaired.json", outcome, IMPAIRMENT, await browser.version());
  });
});

/**
 * Write the reports a call's collector took, trimmed, with what they summarised to in the browser; one
 * report a line, so the file stays small and diffs stay readable.
 */
async function writeFixture(
  name: string,
  outcome: CallOutcome,
  impairment: Impairment | undefined,
  version: string,
) {
  const header = {
    source: `Chromium ${version}, two peer connections in one page with fake media (e2e/call-quality.e2e.test.ts)`,
    ...(impairment ? { impairment } : {}),
    summary: outcome.callQuality,
  };
  const lines = Object.entries(header).map(([k, v]) => ` ${JSON.stringify(k)}: ${JSON.stringify(v)},`);
  const reports = outcome.reports.map((r) => `  ${JSON.stringify({ at: r.at, stats: trim(r.stats) })}`);
  await mkdir(FIXTURES, { recursive: true });
  await writeFile(
    new URL(name, FIXTURES),
    `{\n${lines.join("\n")}\n "reports": [\n${reports.join(",\n")}\n ]\n}\n`,
  );
}
