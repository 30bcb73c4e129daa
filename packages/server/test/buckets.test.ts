/**
 * The fast wall clock of time-series folding (one offset per UTC day unless the zone changes offset that
 * day) equals the exact one (Intl per instant) for every 15-minute slot of 2026 in zones with DST, with
 * half-hour DST (Lord Howe), with 45-minute offsets (Chatham, Kathmandu) and without DST.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Zone } from "../src/analytics/buckets.js";

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
