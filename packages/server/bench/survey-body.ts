/**
 * Realistic end-of-call survey bodies for the ingest benchmark: about 600 bytes each, every one with a
 * fresh random UUID `id`, so each request is a real insert rather than an idempotent replay.
 *
 * The parts that do not need to be unique (ratings, issue tags, suggestion text, context) are drawn from
 * a pool built once, so building a body costs one `randomUUID()` and a string concatenation: the load
 * generator shares a CPU core with nothing, but should still spend as little as possible per request.
 */
import { randomUUID } from "node:crypto";

/** Free-text suggestions and platform/browser pairs, shared with bench/query-data.ts. */
export const SUGGESTIONS = [
  "The others heard an echo of their own voice when I was on speaker.",
  "Video froze for a few seconds every couple of minutes.",
  "Screen share took ages to start and the slides were blurry.",
  "Had to rejoin twice when I switched from wifi to my hotspot.",
  "Some fan noise, otherwise clear. Please add noise suppression.",
  "Worked, but joining took twenty seconds longer than before.",
];
export const PLATFORMS = [
  ["Windows 11", "Chrome 131"],
  ["macOS 15.1", "Safari 18.1"],
  ["Android 14", "Chrome Mobile 131"],
  ["iOS 18.1", "Mobile Safari 18"],
  ["Ubuntu 24.04", "Firefox 133"],
] as const;
const REGIONS = ["eu-west", "eu-north", "us-east", "us-west", "ap-southeast"];
const TIERS = ["free", "pro", "enterprise"];
const OVERALL_ISSUES = [[], ["CallEndedUnexpectedly"], ["HadToRejoin"], ["OtherIssues"]];
const AUDIO_ISSUES = [["Echo"], ["AudioNoise", "LowVolume"], ["NoRemoteAudio"], ["DistortedSpeech"]];
const VIDEO_ISSUES = [["Freezes"], ["LowQuality", "Freezes"], ["AudioVideoOutOfSync"], ["NoVideoReceived"]];

/** Everything after the per-request identity fields, pre-rendered. */
function tail(i: number): string {
  const [platform, browser] = PLATFORMS[i % PLATFORMS.length] as readonly [string, string];
  const overall = OVERALL_ISSUES[i % OVERALL_ISSUES.length] as string[];
  const survey = {
    overallRating: { score: 1 + (i % 5), ...(overall.length ? { issues: overall } : {}) },
    audioRating: {
      score: 1 + ((i >> 1) % 5),
      issues: AUDIO_ISSUES[i % AUDIO_ISSUES.length],
      improvementSuggestion: SUGGESTIONS[i % SUGGESTIONS.length],
    },
    videoRating: { score: 1 + ((i >> 2) % 5), issues: VIDEO_ISSUES[(i >> 1) % VIDEO_ISSUES.length] },
    // A third of the calls shared a screen, rated on the app's own 0-10 scale.
    ...(i % 3 === 0
      ? {
          screenshareRating: {
            score: (i * 7) % 11,
            scale: { lowerBound: 0, upperBound: 10, lowScoreThreshold: 4 },
          },
        }
      : {}),
    appVersion: `4.${12 + (i % 3)}.${i % 10}`,
    platform,
    browser,
    sdkVersion: `1.3${i % 4}.0`,
    dimensions: {
      region: REGIONS[i % REGIONS.length],
      tier: TIERS[i % TIERS.length],
    },
  };
  // Drop the outer braces: the identity fields are prepended per request.
  return JSON.stringify(survey).slice(1);
}

const POOL = Array.from({ length: 240 }, (_, i) => tail(i));
const CALLS = Array.from({ length: 97 }, () => randomUUID());

/** Builds survey bodies; `next()` returns a fresh body and the id it carries. */
export class SurveyBodies {
  private n = 0;

  next(): { id: string; body: string } {
    const n = this.n++;
    const id = randomUUID();
    const call = CALLS[n % CALLS.length] as string;
    const body =
      `{"id":"${id}","callId":"${call}","participantId":"8:acs:${id}",` +
      `"clientTime":"${new Date().toISOString()}",${POOL[n % POOL.length]}`;
    return { id, body };
  }

  /** Mean body size in bytes over the pool (identity fields have a fixed length). */
  static averageBytes(): number {
    const bodies = new SurveyBodies();
    let total = 0;
    for (let i = 0; i < POOL.length; i++) total += Buffer.byteLength(bodies.next().body);
    return Math.round(total / POOL.length);
  }
}
