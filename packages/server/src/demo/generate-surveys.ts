/**
 * Realistic, deterministic demo surveys for the dashboard: a weekly and daily call rhythm, a bad release
 * (app version {@link BAD_RELEASE} with echo and audio drop-outs), issue tags that follow the poor ratings,
 * several platforms, browsers, SDK versions and scales, some free text, and the lifecycle events
 * (shown / dismissed / submitted) that make the response rate meaningful.
 *
 * Everything comes from one seeded generator, so a seed and a clock give the same surveys every time.
 *
 * @module
 */

import type { CallRating, SurveyEvent, SurveySubmission } from "@aftercall/schema";
import { CONDITION_MIX, drawCondition, type NetworkCondition, syntheticCallQuality } from "./call-quality.js";

/** The release that made audio worse: released {@link BAD_RELEASE_DAYS_AGO} days before `now`. */
export const BAD_RELEASE = "2.4.0";
export const BAD_RELEASE_DAYS_AGO = 10;

const DAY_MS = 86_400_000;

/** mulberry32: a small, fast, seedable PRNG; plenty for demo data (not for anything secret). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

type Random = () => number;

function pick<T>(random: Random, weighted: readonly (readonly [T, number])[]): T {
  const total = weighted.reduce((sum, [, w]) => sum + w, 0);
  let r = random() * total;
  for (const [value, w] of weighted) {
    r -= w;
    if (r < 0) return value;
  }
  return (weighted[weighted.length - 1] as readonly [T, number])[0];
}

/**
 * A time-ordered (version 7) UUID: the millisecond `ms` in its first 48 bits, then bits drawn from the
 * seeded generator. The time prefix makes a run at another time (another `nowMs`) produce other ids, so
 * demo data added to a store that already has some (the first start's) never collides with it; and the
 * surveys, inserted oldest first, append to the id index instead of scattering over it.
 */
function uuid(random: Random, ms: number): string {
  const word = () =>
    Math.floor(random() * 4_294_967_296)
      .toString(16)
      .padStart(8, "0");
  const bits = word() + word() + word(); // 24 hex digits; 20 are used
  const time = Math.max(0, Math.floor(ms)).toString(16).padStart(12, "0").slice(-12);
  const variant = ((Number.parseInt(bits[4] as string, 16) & 0x3) | 0x8).toString(16);
  return `${time.slice(0, 8)}-${time.slice(8)}-7${bits.slice(1, 4)}-${variant}${bits.slice(5, 8)}-${bits.slice(8, 20)}`;
}

/**
 * Relative call volume at a time (UTC): weekends have about 40 % of a weekday's calls, and the day has
 * a working-hours peak with a quiet night.
 */
export function callVolume(ms: number): number {
  const date = new Date(ms);
  const weekday = date.getUTCDay();
  const hour = date.getUTCHours() + date.getUTCMinutes() / 60;
  const week = weekday === 0 || weekday === 6 ? 0.4 : 1;
  const day = 0.15 + Math.exp(-((hour - 11) ** 2) / 8) + 0.7 * Math.exp(-((hour - 16) ** 2) / 6);
  return week * day;
}
const MAX_VOLUME = 1.8;

const PLATFORMS = [
  ["Windows", 38],
  ["macOS", 22],
  ["Android", 18],
  ["iOS", 14],
  ["Linux", 8],
] as const;

const BROWSERS: Record<string, readonly (readonly [string, number])[]> = {
  Windows: [
    ["Chrome", 60],
    ["Edge", 30],
    ["Firefox", 10],
  ],
  macOS: [
    ["Chrome", 45],
    ["Safari", 45],
    ["Firefox", 10],
  ],
  Android: [
    ["Chrome", 85],
    ["Samsung Internet", 15],
  ],
  iOS: [["Safari", 100]],
  Linux: [
    ["Chrome", 50],
    ["Firefox", 50],
  ],
};

/** App versions in use at a time: 2.4.0 spreads from its release day, replacing 2.3.x. */
function appVersion(random: Random, ms: number, releaseMs: number): string {
  const daysSince = (ms - releaseMs) / DAY_MS;
  if (daysSince >= 0 && random() < Math.min(0.75, 0.15 + 0.07 * daysSince)) return BAD_RELEASE;
  return pick(random, [
    ["2.3.1", 60],
    ["2.3.0", 25],
    ["2.2.5", 15],
  ]);
}

const SUGGESTIONS = {
  audio: [
    "Audio kept cutting out for a second every minute or so.",
    "Others said my voice sounded robotic.",
    "Lots of background noise from the other side.",
  ],
  video: [
    "Video froze whenever someone shared their screen.",
    "The picture was blurry and pixelated the whole time.",
    "Video was a few seconds behind the audio.",
  ],
  overall: [
    "Had to rejoin twice before it worked.",
    "The call dropped right when we were wrapping up.",
    "Joining took forever, then it failed.",
  ],
  screenshare: ["Nobody could see my screen until I restarted sharing."],
} as const;

/** What people write about the audio of the bad release. */
const BAD_RELEASE_SUGGESTIONS = [
  "I could hear my own voice echoing back the whole call.",
  "Since the last update the echo is really bad on my laptop.",
  "Audio drops out every few seconds since 2.4.",
];

/** What people write under a good overall rating. */
const PRAISE = [
  "Great call, crystal clear!",
  "Works well, but joining takes too long.",
  "Please add noise suppression.",
];

type Category = keyof typeof SUGGESTIONS;

/** Base poor-rates per category, and what the bad release does to audio. */
function poorChance(category: Category, ctx: { bad: boolean; platform: string }): number {
  switch (category) {
    case "audio":
      return ctx.bad ? 0.34 : 0.07;
    case "video":
      return ctx.platform === "Android" ? 0.16 : 0.09;
    case "screenshare":
      return 0.08;
    case "overall":
      return 0.05;
  }
}

const POOR_TAGS = {
  overall: [
    ["CallEndedUnexpectedly", 35],
    ["HadToRejoin", 35],
    ["CallCannotJoin", 15],
    ["OtherIssues", 15],
  ],
  audio: [
    ["NoRemoteAudio", 20],
    ["AudioNoise", 20],
    ["LowVolume", 15],
    ["Echo", 15],
    ["DistortedSpeech", 15],
    ["AudioInterruption", 15],
  ],
  video: [
    ["Freezes", 40],
    ["LowQuality", 30],
    ["AudioVideoOutOfSync", 15],
    ["NoVideoReceived", 10],
    ["DarkVideoReceived", 5],
  ],
  screenshare: [
    ["Freezes", 35],
    ["LargeDelay", 30],
    ["NoContentRemote", 20],
    ["CannotPresent", 15],
  ],
} as const;
const BAD_RELEASE_AUDIO_TAGS = [
  ["Echo", 55],
  ["AudioInterruption", 30],
  ["AudioStoppedUnexpectedly", 15],
] as const;

/**
 * Sampling by band in the demo: every call after a fair or poor network is asked, one good-network call
 * in four; each survey records its probability, so the call-quality view's weighted rates apply.
 */
export const DEMO_ASK_PROBABILITY: Readonly<Record<NetworkCondition, number>> = {
  good: 0.25,
  fair: 1,
  poor: 1,
};
/** The network conditions among surveyed calls: the calls' mix times the probability of being asked. */
const SURVEYED_MIX = {
  good: CONDITION_MIX.good * DEMO_ASK_PROBABILITY.good,
  fair: CONDITION_MIX.fair * DEMO_ASK_PROBABILITY.fair,
  poor: CONDITION_MIX.poor * DEMO_ASK_PROBABILITY.poor,
};
/** Share of poor ratings a network alone brings (ratings 1–2 of `SCORE_WEIGHTS`). */
const NETWORK_POOR_SHARE: Readonly<Record<NetworkCondition, number>> = { good: 0.06, fair: 0.16, poor: 0.4 };

/** A 1–5 score (or one on the survey's custom scale) that is poor or not as decided. */
function rating<T extends string>(
  random: Random,
  how: {
    category: Category;
    poor: boolean;
    tags: readonly (readonly [T, number])[];
    /** On the 0–10 scale instead of the default 1–5. */
    tenPoint?: boolean;
    /** From the bad release (its own free text about audio). */
    bad?: boolean;
  },
): CallRating<T> {
  const { category, poor, tags, tenPoint = false, bad = false } = how;
  const result: CallRating<T> = tenPoint
    ? {
        score: poor ? Math.floor(random() * 5) : 5 + Math.floor(random() * 6),
        scale: { lowerBound: 0, upperBound: 10, lowScoreThreshold: 4 },
      }
    : {
        score: poor
          ? 1 + Math.floor(random() * 2)
          : pick(random, [
              [3, 2],
              [4, 4],
              [5, 5],
            ] as const),
      };
  if (poor || random() < 0.03) {
    const issues = new Set([pick(random, tags)]);
    if (poor && random() < 0.35) issues.add(pick(random, tags));
    result.issues = [...issues];
  }
  if (poor ? random() < 0.25 : category === "overall" && random() < 0.03) {
    const texts = !poor
      ? PRAISE
      : bad && category === "audio"
        ? BAD_RELEASE_SUGGESTIONS
        : SUGGESTIONS[category];
    result.improvementSuggestion = texts[Math.floor(random() * texts.length)] as string;
  }
  return result;
}

export interface DemoOptions {
  surveys: number;
  days: number;
  seed: number;
  /** The end of the generated period (the newest survey is just before it). */
  nowMs: number;
}

/** One generated survey, the time the server received it, and its lifecycle events. */
export interface DemoSurvey {
  submission: SurveySubmission;
  receivedAtMs: number;
  /** `shown` and `submitted`, both at `receivedAtMs`. */
  events: SurveyEvent[];
}

/** A survey that was shown but not answered: `shown`, and `dismissed` when the participant closed it. */
export interface DemoNonResponse {
  atMs: number;
  events: SurveyEvent[];
}

/** Draw a time in the period with probability proportional to {@link callVolume} (rejection sampling). */
function callTime(random: Random, options: DemoOptions): number {
  const start = options.nowMs - options.days * DAY_MS;
  for (;;) {
    const t = start + random() * (options.nowMs - start - 1000);
    if (random() * MAX_VOLUME < callVolume(t)) return Math.floor(t);
  }
}

function oneSurvey(random: Random, options: DemoOptions, index: number): DemoSurvey {
  const receivedAtMs = callTime(random, options);
  const releaseMs = options.nowMs - BAD_RELEASE_DAYS_AGO * DAY_MS;
  const platform = pick(random, PLATFORMS);
  const version = appVersion(random, receivedAtMs, releaseMs);
  const bad = version === BAD_RELEASE;
  const tenPoint = random() < 0.1;
  const callId = `call-${options.seed}-${Math.floor(index / 2)}`;
  const participantId = `p-${Math.floor(random() * options.surveys * 0.6)}`;
  const clientTime = new Date(receivedAtMs - Math.floor(random() * 3000)).toISOString();
  const submission: SurveySubmission = {
    id: uuid(random, receivedAtMs),
    callId,
    participantId,
    clientTime,
    appVersion: version,
    platform,
    browser: pick(random, BROWSERS[platform] ?? [["Chrome", 1]]),
    sdkVersion:
      version === BAD_RELEASE
        ? "0.3.0"
        : pick(random, [
            ["0.2.1", 70],
            ["0.2.0", 30],
          ] as const),
    dimensions: {
      region: pick(random, [
        ["eu-west", 45],
        ["us-east", 35],
        ["ap-south", 20],
      ] as const),
      plan: pick(random, [
        ["free", 60],
        ["pro", 40],
      ] as const),
    },
  };
  const ctx = { bad, platform };
  // The network of the call, from a stream of its own (the other draws stay as they were): the surveyed
  // mix follows the calls asked, good-network calls being asked with a lower probability.
  const network = seededRandom(options.seed * 7_919 + index);
  const condition = drawCondition(network, SURVEYED_MIX);
  const networkPoor = NETWORK_POOR_SHARE[condition];
  const poorAny: boolean[] = [];
  if (random() < 0.85) {
    // A poor network adds audio complaints, less than a bad release does.
    const poor = random() < poorChance("audio", ctx) + (condition === "poor" ? 0.15 : 0);
    poorAny.push(poor);
    const tags = bad ? BAD_RELEASE_AUDIO_TAGS : POOR_TAGS.audio;
    submission.audioRating = rating(random, { category: "audio", poor, tags, bad });
  }
  if (random() < 0.55) {
    const poor = random() < poorChance("video", ctx);
    poorAny.push(poor);
    submission.videoRating = rating(random, { category: "video", poor, tags: POOR_TAGS.video });
  }
  if (random() < 0.15) {
    const poor = random() < poorChance("screenshare", ctx);
    poorAny.push(poor);
    submission.screenshareRating = rating(random, {
      category: "screenshare",
      poor,
      tags: POOR_TAGS.screenshare,
    });
  }
  // A bad modality usually drags the overall rating down with it.
  const overallPoor =
    random() < (poorAny.includes(true) ? 0.5 : Math.max(poorChance("overall", ctx), networkPoor * 0.6));
  submission.overallRating = rating(random, {
    category: "overall",
    poor: overallPoor,
    tags: POOR_TAGS.overall,
    tenPoint,
  });
  submission.callQuality = syntheticCallQuality(network, condition, {
    video: submission.videoRating !== undefined,
    screenshare: submission.screenshareRating !== undefined,
  });
  submission.askProbability = DEMO_ASK_PROBABILITY[condition];
  const event = (type: "shown" | "submitted"): SurveyEvent => ({
    id: uuid(random, receivedAtMs),
    type,
    callId,
    participantId,
    surveyId: submission.id,
    clientTime: type === "shown" ? new Date(receivedAtMs - 20_000).toISOString() : clientTime,
  });
  return { submission, receivedAtMs, events: [event("shown"), event("submitted")] };
}

/**
 * Generate `options.surveys` surveys, oldest first, and the unanswered surveys that give a response rate
 * of about 45 % (`nonResponses`, about 60 % of them explicitly dismissed).
 */
export function generateDemoData(options: DemoOptions): {
  surveys: DemoSurvey[];
  nonResponses: DemoNonResponse[];
} {
  const random = seededRandom(options.seed);
  const surveys = Array.from({ length: options.surveys }, (_, i) => oneSurvey(random, options, i));
  surveys.sort((a, b) => a.receivedAtMs - b.receivedAtMs);
  const nonResponses: DemoNonResponse[] = [];
  const unanswered = Math.round((options.surveys * 0.55) / 0.45);
  for (let i = 0; i < unanswered; i++) {
    const atMs = callTime(random, options);
    const base = {
      callId: `call-${options.seed}-x${i}`,
      participantId: `p-${Math.floor(random() * options.surveys * 0.6)}`,
      clientTime: new Date(atMs).toISOString(),
    };
    const events: SurveyEvent[] = [{ id: uuid(random, atMs), type: "shown", ...base }];
    if (random() < 0.6) events.push({ id: uuid(random, atMs), type: "dismissed", ...base });
    nonResponses.push({ atMs, events });
  }
  return { surveys, nonResponses };
}
