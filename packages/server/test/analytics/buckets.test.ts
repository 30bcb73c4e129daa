/**
 * The fast wall clock of time-series folding (one offset per UTC day unless the zone changes offset that
 * day) equals the exact one (Intl per instant) for every 15-minute slot of 2026 in zones with DST, with
 * half-hour DST (Lord Howe), with 45-minute offsets (Chatham, Kathmandu) and without DST.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { foldBuckets, resolveTimeZone, Zone, zoneFor } from "../../src/analytics/buckets.js";

describe("Zone.fastWallClock", () => {
  for (const tz of [
    "Europe/Berlin",
    "America/New_York",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "Asia/Kathmandu",
    "UTC",
  ]) {
    it(`equals the exact wall clock for every slot of 2026 in ${tz}`, () => {
      const zone = new Zone(tz);
      const exact = new Zone(tz);
      const start = Date.parse("2026-01-01T00:00:00Z");
      for (let ms = start; ms < start + 365 * 86_400_000; ms += 15 * 60_000) {
        assert.deepEqual(zone.fastWallClock(ms), exact.wallClock(ms), `${tz} ${new Date(ms).toISOString()}`);
      }
    });
  }
});

describe("zoneFor", () => {
  it("shares one zone per name, whose remembered day starts equal freshly computed ones", () => {
    assert.equal(zoneFor("Europe/Berlin"), zoneFor("Europe/Berlin"));
    const shared = zoneFor("America/New_York");
    const start = Date.UTC(2026, 0, 1);
    for (let pass = 0; pass < 2; pass++) {
      for (let day = 0; day < 365; day++) {
        const dateMs = start + day * 86_400_000;
        assert.equal(shared.startOfDay(dateMs), new Zone("America/New_York").startOfDay(dateMs));
      }
    }
  });

  it("folds the same buckets on a warm zone as on a cold one", () => {
    const slots = Array.from({ length: 4 * 24 * 10 }, (_, i) => ({
      startMs: Date.UTC(2026, 2, 25) + i * 15 * 60_000, // across Europe's switch to summer time
      surveys: 1,
      poor: i % 3 === 0 ? 1 : 0,
      normalizedScoreSum: 0.5,
    }));
    const cold = foldBuckets(slots, "day", "Europe/Paris");
    assert.deepEqual(foldBuckets(slots, "day", "Europe/Paris"), cold);
    // Ten UTC days from Paris' 01:00 of the 25th to 01:45 of April 4th: eleven local days, the 29th
    // (the switch) 23 hours long.
    const starts = cold.map((b) => new Date(b.startMs).toISOString());
    assert.equal(starts.length, 11);
    assert.deepEqual(starts.slice(4, 6), ["2026-03-28T23:00:00.000Z", "2026-03-29T22:00:00.000Z"]);
  });
});

describe("resolveTimeZone", () => {
  it("answers the canonical name, and undefined for an unknown zone, every time", () => {
    for (let i = 0; i < 2; i++) {
      assert.equal(resolveTimeZone("utc"), "UTC");
      assert.equal(resolveTimeZone("Mars/Olympus_Mons"), undefined);
    }
  });
});
