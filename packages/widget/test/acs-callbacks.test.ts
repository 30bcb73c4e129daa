import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { surveySubmittedArguments } from "../src/acs-callbacks.js";
import type { SurveySubmitDetail } from "../src/events.js";

describe("the ACS UI library's survey callbacks", () => {
  it("onSurveySubmitted gets the ids, the ratings as ACS's CallSurvey, and the free text apart", () => {
    const scale = { lowerBound: 0, upperBound: 10, lowScoreThreshold: 6 };
    const detail: SurveySubmitDetail = {
      id: "3b241101-e2bb-4255-8caf-4136c566a962",
      callId: "call-1",
      localParticipantId: "alice",
      status: "queued",
      overallRating: { score: 2, scale, issues: ["HadToRejoin"] },
      survey: {
        overallRating: { score: 2, scale, issues: ["HadToRejoin"], improvementSuggestion: "Dropped twice" },
        audioRating: { score: 1, issues: ["Echo"] },
        videoRating: { score: 4, improvementSuggestion: "Fine" },
      },
    };
    assert.deepEqual(surveySubmittedArguments(detail), [
      "call-1",
      "3b241101-e2bb-4255-8caf-4136c566a962",
      {
        overallRating: { score: 2, scale, issues: ["HadToRejoin"] },
        audioRating: { score: 1, issues: ["Echo"] },
        videoRating: { score: 4 },
      },
      { overallRating: "Dropped twice", videoRating: "Fine" },
    ]);
  });

  it("disableSurvey renders no survey", async () => {
    const { AftercallSurvey } = await import("../src/react.js");
    const props = {
      endpoint: "https://surveys.example.com",
      projectKey: "ac_pk_x",
      callId: "c",
      participantId: "p",
    };
    assert.equal(renderToStaticMarkup(createElement(AftercallSurvey, { ...props, disableSurvey: true })), "");
    assert.match(
      renderToStaticMarkup(createElement(AftercallSurvey, { ...props, disableSurvey: false })),
      /^<aftercall-survey /,
    );
  });
});
