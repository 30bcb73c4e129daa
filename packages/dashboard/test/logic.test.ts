/**
 * The dashboard's pure logic: the URL hash must round-trip every piece of view state (so a shared or
 * reloaded link shows the same view), and time ranges must become whole buckets in the view's time zone;
 * alert transitions must become the firing periods the overview's trend shades.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { firingPeriods } from "../src/alert-periods.js";
import type { Alert, AlertTransition } from "../src/api.js";
import {
  browserTimeZone,
  explorerFilters,
  parseHash,
  timeWindow,
  toHash,
  type ViewState,
  zonedMidnight,
} from "../src/state.js";

describe("dashboard view state in the URL hash", () => {
  it("round-trips every field", () => {
    const state: ViewState = {
      view: "survey",
      project: "support-line",
      range: "custom",
      from: "2026-03-28",
      to: "2026-03-30",
      tz: "Europe/Berlin",
      category: "audio",
      poor: "audio,video",
      tag: "audio:Echo",
      q: "echo & noise",
      callId: "call 1",
      appVersion: "2.4.0",
      platform: "web",
      browser: "Firefox & co",
      sdkVersion: "1.29.1",
      networkBand: "good",
      cursor: "abc==",
      survey: "2b7a4c9e-0000-4000-8000-000000000000",
      cmp: "period",
      a: "2026-03-01..2026-03-07",
      b: "2026-03-08..2026-03-14",
    };
    assert.deepEqual(parseHash(toHash(state)), state);
  });

  it("passes the explorer's filters, context fields included, to the API on top of the time window", () => {
    const state = parseHash("#view=explorer&q=echo&appVersion=2.4.0&platform=ios&range=24h");
    assert.deepEqual(explorerFilters(state, { from: "f", to: "t" }), {
      from: "f",
      to: "t",
      q: "echo",
      appVersion: "2.4.0",
      platform: "ios",
    });
  });

  it("keeps the network band filter of a call-quality drill-down, and drops a band that is not one", () => {
    const state = parseHash("#view=explorer&tz=UTC&networkBand=poor&poor=overall");
    assert.equal(state.networkBand, "poor");
    assert.deepEqual(explorerFilters(state, { from: "f" }), {
      from: "f",
      poor: "overall",
      networkBand: "poor",
    });
    assert.equal(parseHash("#view=quality&networkBand=awful").networkBand, undefined);
    assert.equal(parseHash("#view=quality").view, "quality");
  });

  it("falls back to the browser's time zone for a tz it does not know, keeping a known one", () => {
    const fallback = browserTimeZone();
    for (const tz of ["Mars/Olympus_Mons", "UTC+99", "", "x".repeat(65), "<script>"])
      assert.equal(parseHash(`#view=explorer&tz=${encodeURIComponent(tz)}`).tz, fallback, tz);
    assert.equal(parseHash("#tz=Asia/Kolkata").tz, "Asia/Kolkata");
    assert.equal(parseHash("#tz=UTC").tz, "UTC");
    // Dates of the range can be computed in whatever tz the state holds (they threw before).
    const state = parseHash("#view=explorer&range=custom&from=2026-11-01&to=2026-11-02&tz=Nowhere/Land");
    assert.ok(Number.isFinite(zonedMidnight(state.from as string, state.tz).getTime()));
  });

  it("keeps custom dimension filters and the breakdown's dimension key in the hash", () => {
    const state = parseHash(
      "#view=explorer&tz=UTC&dim=region&dimension.tier=pro%20plus&dimension.region=eu-west&dimension.=x",
    );
    assert.equal(state.dim, "region");
    assert.deepEqual(state.dimensions, { tier: "pro plus", region: "eu-west" });
    assert.equal(
      toHash(state),
      "#view=explorer&range=7d&tz=UTC&category=overall&dim=region&cmp=appVersion&dimension.region=eu-west&dimension.tier=pro+plus",
    );
    assert.deepEqual(parseHash(toHash(state)), state);
    assert.deepEqual(explorerFilters(state, { from: "f" }), {
      from: "f",
      "dimension.tier": "pro plus",
      "dimension.region": "eu-west",
    });
    // Removing the last one leaves no trace.
    assert.equal(toHash({ ...state, dimensions: {} }).includes("dimension."), false);
  });

  it("falls back to defaults for missing or unknown values", () => {
    const state = parseHash("#view=nope&range=1y&category=smell&tz=UTC");
    assert.deepEqual(
      [state.view, state.range, state.category, state.cmp, state.tz],
      ["overview", "7d", "overall", "appVersion", "UTC"],
    );
  });

  it("finds midnight in a time zone, also on a day with a DST change", () => {
    // Berlin switches to summer time on 2026-03-29: that day starts at 00:00 CET = 23:00 UTC the day before.
    assert.equal(zonedMidnight("2026-03-29", "Europe/Berlin").toISOString(), "2026-03-28T23:00:00.000Z");
    assert.equal(zonedMidnight("2026-03-30", "Europe/Berlin").toISOString(), "2026-03-29T22:00:00.000Z");
    assert.equal(zonedMidnight("2026-11-23", "UTC").toISOString(), "2026-11-23T00:00:00.000Z");
  });

  it("turns ranges into whole buckets: 7 days from midnight, a custom range to the end of its last day", () => {
    const now = Date.parse("2026-11-23T15:20:30.000Z");
    const base = parseHash("#tz=America/New_York");
    const week = timeWindow(base, now);
    // Today in New York is 23 Nov; 7 days back starts on 17 Nov at 00:00 EST (05:00 UTC).
    assert.deepEqual(week, {
      filters: { from: "2026-11-17T05:00:00.000Z", to: "2026-11-23T15:21:00.000Z" },
      bucket: "day",
    });
    const day = timeWindow({ ...base, range: "24h" }, now);
    assert.equal(day.filters.from, "2026-11-22T16:00:00.000Z");
    assert.equal(day.bucket, "hour");
    const custom = timeWindow({ ...base, range: "custom", from: "2026-11-01", to: "2026-11-02" }, now);
    // 1 Nov is EDT (UTC−4), 2 Nov ends in EST (UTC−5) after the fall-back change.
    assert.deepEqual(custom.filters, { from: "2026-11-01T04:00:00.000Z", to: "2026-11-03T05:00:00.000Z" });
    assert.equal(custom.bucket, "hour");
  });
});

describe("alerts in the dashboard", () => {
  it("keeps the selected alert in the hash, and drops it for an empty value", () => {
    const hash = "#view=alerts&project=demo&range=7d&tz=UTC&category=overall&cmp=appVersion&alert=rule-1";
    const state = parseHash(hash);
    assert.deepEqual([state.view, state.alert], ["alerts", "rule-1"]);
    assert.deepEqual(parseHash(toHash(state)), state);
    assert.equal(parseHash("#view=alerts&alert=").alert, undefined);
  });

  const at = (hour: number) => new Date(Date.UTC(2026, 10, 24, hour)).toISOString();
  const transition = (ruleId: string, from: string, to: string, hour: number): AlertTransition => ({
    id: `${ruleId}:${to}:${hour}`,
    ruleId,
    from: from as AlertTransition["from"],
    to: to as AlertTransition["to"],
    reason: "test",
    at: at(hour),
    record: null,
  });
  const alerts: Alert[] = [
    { ruleId: "a", name: "Audio", category: "audio", status: "firing", since: at(20), latest: null },
    { ruleId: "v", name: "Video", category: "video", status: "ok", since: at(0), latest: null },
  ];

  it("turns transitions (newest first, as the API lists them) into firing periods per rule", () => {
    const history = [
      transition("a", "resolved", "firing", 20),
      transition("v", "resolved", "ok", 16),
      transition("a", "firing", "resolved", 12),
      transition("v", "firing", "resolved", 11),
      transition("a", "ok", "firing", 10),
      transition("v", "ok", "firing", 9),
    ];
    const range = { fromMs: Date.parse(at(0)), toMs: Date.parse(at(24)) };
    assert.deepEqual(
      firingPeriods(history, alerts, range).map((p) => [p.ruleId, p.name, p.category, p.fromMs, p.toMs]),
      [
        ["v", "Video", "video", Date.parse(at(9)), Date.parse(at(11))],
        ["a", "Audio", "audio", Date.parse(at(10)), Date.parse(at(12))],
        ["a", "Audio", "audio", Date.parse(at(20)), null],
      ],
    );
    // Only the periods that overlap the range: one that ended before it starts is left out, an open one
    // that started before it is kept.
    const later = { fromMs: Date.parse(at(13)), toMs: Date.parse(at(30)) };
    assert.deepEqual(
      firingPeriods(history, alerts, later).map((p) => [p.ruleId, p.fromMs]),
      [["a", Date.parse(at(20))]],
    );
    const before = { fromMs: Date.parse(at(0)), toMs: Date.parse(at(9)) };
    assert.deepEqual(firingPeriods(history, alerts, before), []);
  });
});
