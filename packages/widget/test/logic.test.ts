import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AUDIO_ISSUES, DEFAULT_SCALE, DEFAULT_SURVEY_CONFIG, type RatingCategory } from "@aftercall/schema";
import {
  type Answers,
  askedCategories,
  buildSurvey,
  detailsWhenOf,
  hash,
  isDefaultScale,
  needsDetails,
  parseModalities,
  ratingKeyIndex,
  scaleChoices,
  scaleOf,
  seededShuffle,
  tagOrder,
  unscored,
} from "../src/logic.js";

const scale = (lowerBound: number, upperBound: number, lowScoreThreshold: number) => ({
  lowerBound,
  upperBound,
  lowScoreThreshold,
});

describe("scale → choices", () => {
  it("draws the default 1–5 scale as five stars", () => {
    assert.deepEqual(scaleChoices(DEFAULT_SCALE), { kind: "stars", values: [1, 2, 3, 4, 5] });
    // Stars are about the bounds; a different threshold still draws stars.
    assert.equal(scaleChoices(scale(1, 5, 3)).kind, "stars");
  });

  it("draws 0–10 as eleven numbered choices, worst first", () => {
    const { kind, values } = scaleChoices(scale(0, 10, 6));
    assert.equal(kind, "numbers");
    assert.deepEqual(values, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it("draws two-value scales as bad/good", () => {
    assert.deepEqual(scaleChoices(scale(0, 1, 0)), { kind: "binary", values: [0, 1] });
    assert.equal(scaleChoices(scale(1, 2, 1)).kind, "binary");
  });

  it("sends a scale only when it is not the default", () => {
    assert.equal(isDefaultScale(DEFAULT_SCALE), true);
    assert.equal(isDefaultScale(scale(1, 5, 3)), false);
    assert.equal(isDefaultScale(scale(0, 5, 2)), false);
  });
});

describe("when to ask for details", () => {
  it("asks after a score at or below the threshold", () => {
    assert.equal(needsDetails(1, DEFAULT_SCALE, "poor"), true);
    assert.equal(needsDetails(2, DEFAULT_SCALE, "poor"), true);
    assert.equal(needsDetails(3, DEFAULT_SCALE, "poor"), false);
    assert.equal(needsDetails(6, scale(0, 10, 6), "poor"), true);
    assert.equal(needsDetails(7, scale(0, 10, 6), "poor"), false);
    assert.equal(needsDetails(0, scale(0, 1, 0), "poor"), true);
    assert.equal(needsDetails(1, scale(0, 1, 0), "poor"), false);
  });

  it("always asks when configured to", () => {
    assert.equal(needsDetails(5, DEFAULT_SCALE, "always"), true);
  });
});

describe("scale and details setting of a survey", () => {
  it("uses the project's scale of a category, else the default 1–5", () => {
    const tenPoint = scale(0, 10, 6);
    const config = { scales: { audio: tenPoint } };
    assert.equal(scaleOf(config, "audio"), tenPoint);
    assert.equal(scaleOf(config, "video"), DEFAULT_SCALE);
  });

  it("lets a valid details attribute override the project's detailsWhen", () => {
    assert.equal(detailsWhenOf("always", { detailsWhen: "poor" }), "always");
    assert.equal(detailsWhenOf("poor", { detailsWhen: "always" }), "poor");
    assert.equal(detailsWhenOf(undefined, { detailsWhen: "always" }), "always");
    // A typo in the attribute falls back to the project's setting rather than guessing.
    assert.equal(detailsWhenOf("never", { detailsWhen: "poor" }), "poor");
  });
});

describe("keyboard in a rating", () => {
  // Five choices, indexes 0–4, focus on the third (index 2).
  it("moves Down/Right forward and Up/Left back in a left-to-right page", () => {
    assert.equal(ratingKeyIndex("ArrowDown", 2, 5, false), 3);
    assert.equal(ratingKeyIndex("ArrowRight", 2, 5, false), 3);
    assert.equal(ratingKeyIndex("ArrowUp", 2, 5, false), 1);
    assert.equal(ratingKeyIndex("ArrowLeft", 2, 5, false), 1);
  });

  it("mirrors Left and Right in a right-to-left page, but not Up and Down", () => {
    assert.equal(ratingKeyIndex("ArrowLeft", 2, 5, true), 3);
    assert.equal(ratingKeyIndex("ArrowRight", 2, 5, true), 1);
    assert.equal(ratingKeyIndex("ArrowDown", 2, 5, true), 3);
    assert.equal(ratingKeyIndex("ArrowUp", 2, 5, true), 1);
  });

  it("wraps around at both ends, and Home/End jump to them", () => {
    assert.equal(ratingKeyIndex("ArrowRight", 4, 5, false), 0);
    assert.equal(ratingKeyIndex("ArrowLeft", 0, 5, false), 4);
    assert.equal(ratingKeyIndex("Home", 3, 5, false), 0);
    assert.equal(ratingKeyIndex("End", 1, 11, false), 10);
  });

  it("starts from the first choice when none has focus, and ignores other keys", () => {
    assert.equal(ratingKeyIndex("ArrowDown", -1, 5, false), 0);
    assert.equal(ratingKeyIndex("Tab", 2, 5, false), -1);
    assert.equal(ratingKeyIndex(" ", 2, 5, false), -1);
    assert.equal(ratingKeyIndex("3", 2, 5, false), -1);
  });
});

describe("categories asked", () => {
  it("parses the modalities attribute and ignores unknown names", () => {
    assert.deepEqual(parseModalities("audio,video"), ["audio", "video"]);
    assert.deepEqual(parseModalities(" video  screenshare "), ["video", "screenshare"]);
    assert.deepEqual(parseModalities(["screenshare", "smell", "overall"]), ["screenshare"]);
    assert.deepEqual(parseModalities(""), []);
    assert.equal(parseModalities(undefined), undefined);
    assert.equal(parseModalities(null), undefined);
  });

  it("asks overall first, then the configured categories the call used", () => {
    const config = DEFAULT_SURVEY_CONFIG;
    assert.deepEqual(askedCategories(config, undefined), ["overall", "audio", "video", "screenshare"]);
    assert.deepEqual(askedCategories(config, ["video", "audio"]), ["overall", "audio", "video"]);
    assert.deepEqual(askedCategories(config, []), ["overall"]);
    assert.deepEqual(askedCategories({ categories: ["overall", "video"] }, ["audio", "video"]), [
      "overall",
      "video",
    ]);
  });
});

describe("tag order", () => {
  it("hashes with FNV-1a 32-bit", () => {
    assert.equal(hash(""), 0x811c9dc5);
    assert.equal(hash("a"), 0xe40c292c);
    assert.equal(hash("foobar"), 0xbf9cf968);
  });

  it("shuffles to a permutation that depends only on the seed", () => {
    const items = Array.from({ length: 20 }, (_, i) => i);
    const a = seededShuffle(items, 42);
    assert.deepEqual(seededShuffle(items, 42), a);
    assert.deepEqual(
      [...a].sort((x, y) => x - y),
      items,
    );
    assert.notDeepEqual(seededShuffle(items, 43), a);
    assert.deepEqual(
      items,
      Array.from({ length: 20 }, (_, i) => i),
      "input untouched",
    );
  });

  it("puts every tag first about equally often across surveys", () => {
    const first = new Map<string, number>();
    for (let i = 0; i < 4000; i++) {
      const tag = tagOrder("audio", `call-${i}|p`, true)[0] as string;
      first.set(tag, (first.get(tag) ?? 0) + 1);
    }
    assert.equal(first.size, AUDIO_ISSUES.length - 1, "every tag but OtherIssues leads sometimes");
    for (const count of first.values()) assert.ok(count > 350 && count < 650, `count ${count} of ~500`);
  });

  it("is stable per survey, keeps OtherIssues last, and is the catalogue order when not randomised", () => {
    const order = tagOrder("audio", "c1|p1", true);
    assert.deepEqual(tagOrder("audio", "c1|p1", true), order);
    assert.deepEqual([...order].sort(), [...AUDIO_ISSUES].sort());
    assert.equal(order.at(-1), "OtherIssues");
    assert.notDeepEqual(order, [...AUDIO_ISSUES]);
    assert.notDeepEqual(tagOrder("video", "c1|p1", true), tagOrder("video", "c2|p1", true));
    assert.deepEqual(tagOrder("audio", "c1|p1", false), [...AUDIO_ISSUES]);
  });
});

describe("the survey sent", () => {
  const all: RatingCategory[] = ["overall", "audio", "video", "screenshare"];
  const defaults = () => ({ ...DEFAULT_SCALE });

  it("gives each category its own score and never copies the overall one", () => {
    const answers: Answers = { scores: { overall: 2, video: 4 }, tags: {}, text: {} };
    assert.deepEqual(buildSurvey(all, defaults, answers, true), {
      overallRating: { score: 2 },
      videoRating: { score: 4 },
    });
  });

  it("sends tags once each in catalogue order, trimmed suggestions, and custom scales", () => {
    const answers: Answers = {
      scores: { overall: 1, audio: 3 },
      tags: { audio: ["Echo", "NoLocalAudio", "Echo"], overall: [] },
      text: { audio: "  Bob echoed  ", overall: "   " },
    };
    const tenPoint = scale(0, 10, 6);
    const survey = buildSurvey(all, (c) => (c === "audio" ? tenPoint : defaults()), answers, true);
    assert.deepEqual(survey, {
      overallRating: { score: 1 },
      audioRating: {
        score: 3,
        scale: tenPoint,
        issues: ["NoLocalAudio", "Echo"],
        improvementSuggestion: "Bob echoed",
      },
    });
  });

  it("leaves out details when step 2 was not answered, and categories not asked", () => {
    const answers: Answers = {
      scores: { overall: 5, screenshare: 1 },
      tags: { overall: ["OtherIssues"] },
      text: { overall: "fine" },
    };
    assert.deepEqual(buildSurvey(["overall", "audio"], defaults, answers, false), {
      overallRating: { score: 5 },
    });
  });

  it("finds categories with tags or text but no score", () => {
    const answers: Answers = {
      scores: { overall: 2 },
      tags: { audio: ["Echo"], video: [] },
      text: { screenshare: "lag", video: "  " },
    };
    assert.deepEqual(unscored(all, answers), ["audio", "screenshare"]);
  });
});
