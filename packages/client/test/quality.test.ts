/**
 * `@aftercall/client/quality`: the summary the collector makes of getStats reports captured from Chromium
 * (a clean call and one through a relay dropping and delaying packets: fixtures/, written by
 * e2e/call-quality.e2e.test.ts), its E-model MOS and network band, what it does with the stats Firefox
 * and Safari lack or garbage, and the collector's sampling.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it, mock } from "node:test";
import { type CallQualitySummary, estimateMos, networkBand, validateSurvey } from "@aftercall/schema";
import fc from "fast-check";
import { createAccumulator } from "../src/quality/accumulate.js";
import { createCallQuality } from "../src/quality/index.js";
import { samples } from "../src/quality/samples.js";

type Stat = Record<string, unknown>;
interface Fixture {
  source: string;
  summary: CallQualitySummary;
  reports: { at: number; stats: Stat[] }[];
}
const fixture = (name: string): Fixture =>
  JSON.parse(readFileSync(new URL(`fixtures/${name}`, import.meta.url), "utf8"));
const CLEAN = fixture("chromium-clean.json");
const IMPAIRED = fixture("chromium-impaired.json");

/** The summary of a fixture's reports, each changed by `edit` (a browser that reports less). */
function summarise(f: Fixture, edit: (stats: Stat[]) => Stat[] = (s) => s): CallQualitySummary {
  const accumulator = createAccumulator();
  for (const { at, stats } of f.reports) accumulator.add(edit(structuredClone(stats)), 0, undefined, at);
  return accumulator.summary();
}
const valid = (callQuality: unknown) =>
  validateSurvey({
    id: "0b5e4f3c-9d2a-4c1e-8f7a-1a2b3c4d5e6f",
    callId: "c",
    participantId: "p",
    clientTime: "2026-11-23T10:15:00Z",
    overallRating: { score: 3 },
    callQuality,
  });
const assertValid = (callQuality: unknown) => {
  const result = valid(callQuality);
  assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
};
/** Everything but the time-dependent numbers (durations, bitrates). */
const untimed = (q: CallQualitySummary) =>
  JSON.parse(JSON.stringify(q, (k, v) => (k === "durationSeconds" || k === "bitrateKbps" ? undefined : v)));

describe("the collector's summary of Chromium's reports", () => {
  for (const [name, f] of [
    ["clean", CLEAN],
    ["impaired", IMPAIRED],
  ] as const) {
    it(`of the ${name} call is what the browser computed from the same reports, and valid`, () => {
      const q = summarise(f);
      assertValid(q);
      assert.deepEqual(untimed(q), untimed(f.summary));
      assert.ok(Math.abs(q.durationSeconds - f.summary.durationSeconds) <= 0.2);
      const bitrate = (s: CallQualitySummary) => s.video?.inbound?.bitrateKbps ?? 0;
      assert.ok(Math.abs(bitrate(q) - bitrate(f.summary)) / bitrate(f.summary) < 0.03);
    });
  }

  it("of the clean call: host to host over UDP, no loss, opus and VP8, screen share apart, MOS 4.41, band good", () => {
    const q = summarise(CLEAN);
    assert.deepEqual(
      [q.path?.localCandidateType, q.path?.remoteCandidateType, q.path?.protocol],
      ["host", "host", "udp"],
    );
    for (const s of [q.audio?.inbound, q.audio?.outbound, q.video?.inbound, q.video?.outbound])
      assert.equal(s?.lossFraction, 0);
    assert.equal(q.audio?.inbound?.codec, "opus");
    assert.equal(q.video?.inbound?.codec, "VP8");
    assert.ok((q.video?.inbound?.framesPerSecond ?? 0) >= 15);
    assert.ok((q.screenshare?.outbound?.bitrateKbps ?? 0) > 100, "the screen share is its own stream");
    assert.equal(q.video?.inbound?.freezeCount, 0);
    assert.equal(q.mos, 4.41);
    assert.equal(networkBand(q), "good");
  });

  it("of the impaired call: the relay's loss and delay, and a poor band", () => {
    const q = summarise(IMPAIRED);
    assert.ok((q.audio?.inbound?.lossFraction ?? 0) > 0.05, `loss ${q.audio?.inbound?.lossFraction}`);
    assert.ok((q.path?.rttMs?.p50 ?? 0) > 200, `RTT ${JSON.stringify(q.path?.rttMs)}`);
    assert.equal(q.path?.localCandidateType, "prflx", "this side learned its address through the relay");
    assert.ok((q.audio?.inbound?.concealmentRatio ?? 0) > 0.05);
    assert.equal(networkBand(q), "poor");
  });

  it("estimates MOS with the E-model: half the path round trip, twice the jitter, one frame, the audio heard's loss", () => {
    for (const f of [CLEAN, IMPAIRED]) {
      const q = summarise(f);
      const heard = q.audio?.inbound;
      const delay = (q.path?.rttMs?.p50 ?? 0) / 2 + 2 * (heard?.jitterMs?.p50 ?? 0) + 20;
      assert.equal(q.mos, estimateMos(delay, heard?.lossFraction ?? Number.NaN));
    }
    assert.ok((summarise(IMPAIRED).mos ?? 5) < 3.6, "poor by MOS as well");
  });
});

// ---------------------------------------------------------------- what other browsers lack

const drop =
  (fields: string[], types?: string[]) =>
  (stats: Stat[]): Stat[] =>
    stats.map((s) => {
      if (types && !types.includes(String(s.type))) return s;
      const out = { ...s };
      for (const f of fields) delete out[f];
      return out;
    });

describe("with the stats other browsers lack, the collector degrades and never throws", () => {
  it("Firefox-like: no selectedCandidatePairId (the pair is flagged selected), no freeze or concealment stats, no remote-outbound-rtp", () => {
    const firefox = (stats: Stat[]) => {
      const selected = stats.find((s) => s.type === "transport")?.selectedCandidatePairId;
      return drop([
        "freezeCount",
        "totalFreezesDuration",
        "concealedSamples",
        "totalSamplesReceived",
        "contentType",
      ])(
        stats
          .filter((s) => s.type !== "transport" && s.type !== "remote-outbound-rtp")
          .map((s) => (s.id === selected ? { ...s, selected: true, nominated: undefined } : s)),
      );
    };
    const q = summarise(IMPAIRED, firefox);
    assertValid(q);
    assert.equal(q.path?.localCandidateType, "prflx", "the flagged pair is found");
    assert.ok((q.audio?.inbound?.lossFraction ?? 0) > 0.05);
    assert.equal(q.audio?.inbound?.concealmentRatio, undefined);
    assert.equal(q.video?.inbound?.freezeCount, undefined);
    assert.equal(
      q.audio?.inbound?.rttMs,
      undefined,
      "no remote-outbound-rtp: no round trip of what is received",
    );
    assert.equal(networkBand(q), "poor");
  });

  it("Safari-like: mediaType instead of kind, no framesPerSecond, no codec names, no candidate types", () => {
    const safari = (stats: Stat[]) =>
      drop(["framesPerSecond", "mimeType", "candidateType"])(
        stats.map((s) => (s.kind === undefined ? s : { ...s, mediaType: s.kind, kind: undefined })),
      ).map((s) => JSON.parse(JSON.stringify(s)));
    const q = summarise(CLEAN, safari);
    assertValid(q);
    assert.equal(q.audio?.inbound?.lossFraction, 0, "kind from mediaType");
    assert.equal(q.video?.inbound?.framesPerSecond, undefined);
    assert.equal(q.audio?.inbound?.codec, undefined);
    assert.equal(q.path?.localCandidateType, undefined);
    assert.equal(q.path?.protocol, "udp");
    assert.equal(q.mos, 4.41);
  });

  it("with no RTCP at all: sent streams keep their bitrate, loss and RTT are simply absent", () => {
    const q = summarise(CLEAN, (stats) => stats.filter((s) => !String(s.type).startsWith("remote-")));
    assertValid(q);
    assert.ok((q.audio?.outbound?.bitrateKbps ?? 0) > 10);
    assert.equal(q.audio?.outbound?.lossFraction, undefined);
    assert.equal(q.audio?.outbound?.rttMs, undefined);
  });

  it("with nothing but empty reports, or none: a duration and nothing else", () => {
    const accumulator = createAccumulator();
    assert.deepEqual(accumulator.summary(), { durationSeconds: 0 });
    accumulator.add(new Map(), 0, undefined, 1000);
    accumulator.add([], 0, undefined, 4000);
    assert.deepEqual(accumulator.summary(), { durationSeconds: 3 });
  });

  it("with any garbage in the stats, still a valid summary", () => {
    const junk = fc.oneof(
      fc.constantFrom(
        null,
        undefined,
        Number.NaN,
        Number.POSITIVE_INFINITY,
        -1e308,
        1e308,
        -5,
        "12",
        true,
        [],
        {},
      ),
      fc.double(),
      fc.string({ maxLength: 40 }),
    );
    const fields = [
      "type",
      "kind",
      "mediaType",
      "contentType",
      "packetsLost",
      "packetsReceived",
      "bytesReceived",
      "jitter",
      "roundTripTime",
      "framesPerSecond",
      "freezeCount",
      "totalFreezesDuration",
      "concealedSamples",
      "totalSamplesReceived",
      "currentRoundTripTime",
      "candidateType",
      "protocol",
      "mimeType",
      "selectedCandidatePairId",
    ];
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat({ max: 9 }), fc.nat({ max: 40 }), fc.constantFrom(...fields), junk), {
          maxLength: 30,
        }),
        (edits) => {
          const accumulator = createAccumulator();
          CLEAN.reports.forEach(({ at, stats }, i) => {
            const copy = structuredClone(stats);
            for (const [report, index, field, value] of edits)
              if (report === i && copy[index % copy.length])
                (copy[index % copy.length] as Stat)[field] = value;
            accumulator.add(copy, 0, undefined, at);
          });
          assertValid(accumulator.summary());
        },
      ),
      { numRuns: 300 },
    );
  });
});

// ---------------------------------------------------------------- the collector

/** Run `test` with the clock and timers mocked (the collector reads `Date.now()` and sets its timers). */
async function withMockTimers(test: () => Promise<void>): Promise<void> {
  mock.timers.enable({ apis: ["setInterval", "setTimeout", "Date"], now: 0 });
  try {
    await test();
  } finally {
    mock.timers.reset();
  }
}
/** Let pending promise callbacks run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("createCallQuality", () => {
  const reportOf = (f: Fixture, i: number) =>
    (f.reports[Math.min(i, f.reports.length - 1)] as Fixture["reports"][0]).stats;

  it("samples each source when added and every interval, and stop() takes a last sample and stops", () =>
    withMockTimers(async () => {
      let reads = 0;
      const quality = createCallQuality({ intervalMs: 2000 });
      quality.addStatsSource(async () => reportOf(CLEAN, reads++) as never);
      await quality.sample();
      assert.equal(reads, 1, "a sample still pending is not asked again");
      mock.timers.tick(2000);
      await settle();
      assert.equal(reads, 2, "the interval samples");
      mock.timers.tick(2000);
      await settle();
      const summary = await quality.stop();
      assert.equal(reads, 4, "and stop() once more");
      assert.equal(summary.durationSeconds, 4);
      mock.timers.tick(10_000);
      quality.addStatsSource(async () => reportOf(CLEAN, 0) as never);
      await quality.sample();
      assert.equal(reads, 4, "stopped: nothing more is sampled or added");
      assert.deepEqual(quality.summary(), summary);
    }));

  it("does not keep the end of a call waiting on a getStats that never answers", () =>
    withMockTimers(async () => {
      const quality = createCallQuality({ intervalMs: 1000 });
      let i = 0;
      quality.addStatsSource(async () => reportOf(CLEAN, i++) as never);
      await quality.sample();
      quality.addStatsSource(() => new Promise(() => {}));
      let stopped = false;
      const summary = quality.stop().then((s) => {
        stopped = true;
        return s;
      });
      await settle();
      assert.equal(stopped, false, "waits a moment for the last answers");
      mock.timers.tick(1000);
      assert.ok((await summary).audio?.inbound, "then summarises what it has");
      assert.equal(stopped, true);
    }));

  it("samples peer connections through getStats, and counts a source labelled screenshare as screen share", () =>
    withMockTimers(async () => {
      let n = 0;
      const camera = { getStats: async () => reportOf(CLEAN, n++) } as unknown as RTCPeerConnection;
      const withoutContentType = (stats: Stat[]) => stats.map(({ contentType: _c, ...s }) => s);
      let m = 0;
      const screen = {
        getStats: async () => withoutContentType(reportOf(CLEAN, m++)).filter((s) => s.kind !== "audio"),
      } as unknown as RTCPeerConnection;
      const quality = createCallQuality({ intervalMs: 1000 });
      quality.addPeerConnection(camera);
      quality.addPeerConnection(screen, "screenshare");
      await settle();
      for (let i = 0; i < 5; i++) {
        mock.timers.tick(1000);
        await settle();
      }
      const q = await quality.stop();
      assertValid(q);
      assert.equal(n, 7, "sampled when added, every second, and at stop");
      assert.ok(
        q.video?.inbound && q.screenshare?.inbound,
        "video of the labelled source counts as screen share",
      );
      assert.ok((q.audio?.inbound?.bitrateKbps ?? 0) > 10);
    }));

  it("ignores a failing source, keeps sampling the others, and never rejects", () =>
    withMockTimers(async () => {
      const quality = createCallQuality({ intervalMs: 1000 });
      quality.addStatsSource(() => {
        throw new Error("InvalidStateError");
      });
      quality.addStatsSource(async () => Promise.reject(new Error("closed")));
      let i = 0;
      quality.addStatsSource(async () => reportOf(IMPAIRED, i++) as never);
      for (let k = 0; k < 4; k++) {
        mock.timers.tick(1000);
        await settle();
      }
      const q = await quality.stop();
      assert.ok((q.audio?.inbound?.lossFraction ?? 0) > 0);
    }));

  it("takes at most 16 sources", () =>
    withMockTimers(async () => {
      const quality = createCallQuality();
      let reads = 0;
      for (let k = 0; k < 20; k++)
        quality.addStatsSource(async () => {
          reads++;
          return [] as never;
        });
      await quality.sample();
      await quality.stop();
      assert.equal(reads, 16 * 2, "each of 16 sampled when added and at stop");
    }));
});

describe("samples kept for percentiles", () => {
  it("stay bounded over a week-long call and spread evenly over it", () => {
    const s = samples();
    // A metric that rises steadily for 100,000 samples: its median is the middle value.
    for (let i = 0; i < 100_000; i++) s.add(i);
    s.add(Number.NaN);
    assert.ok(Math.abs((s.quantile(0.5) ?? 0) - 50_000) < 1_000, `median ${s.quantile(0.5)}`);
    assert.ok(Math.abs((s.quantile(0.95) ?? 0) - 95_000) < 1_000, `p95 ${s.quantile(0.95)}`);
  });

  it("give nearest-rank quantiles, and none without values", () => {
    const s = samples();
    assert.equal(s.quantile(0.5), undefined);
    for (const v of [5, 1, 4, 2, 3]) s.add(v);
    assert.equal(s.quantile(0.5), 3);
    assert.equal(s.quantile(0.95), 5);
    assert.equal(s.quantile(0.2), 1);
  });
});
