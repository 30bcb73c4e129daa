/**
 * Characters refused in text (`INVALID_CHARACTER`): control characters, U+2028/U+2029 and Unicode
 * noncharacters in identifiers, context fields and dimension values; free text (improvement suggestions)
 * keeps tab, line feed, carriage return and the two separators. NUL and lone surrogates stay
 * `INVALID_FORMAT` (text no store can keep; see bad-inputs.corpus.test.ts).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  isLabelText,
  textFault,
  validateStampedSurvey,
  validateSurvey,
  validateSurveyEvent,
} from "../src/index.js";

const BASE = {
  id: "0b5e4f3c-9d2a-4c1e-8f7a-1a2b3c4d5e6f",
  callId: "call-1",
  participantId: "p-1",
  clientTime: "2026-11-23T10:15:00Z",
  overallRating: { score: 4 },
};

/** Every character class refused in labels, one example or more each, by name. */
const REFUSED: Array<[string, string]> = [
  ["U+0001 (C0)", "\u0001"],
  ["U+0007 bell (C0)", "\u0007"],
  ["U+0009 tab (C0)", "\t"],
  ["U+000A line feed (C0)", "\n"],
  ["U+000D carriage return (C0)", "\r"],
  ["U+001B escape (C0)", "\u001b"],
  ["U+001F (C0)", "\u001f"],
  ["U+007F delete", "\u007f"],
  ["U+0080 (C1)", "\u0080"],
  ["U+0085 next line (C1)", "\u0085"],
  ["U+009F (C1)", "\u009f"],
  ["U+2028 line separator", "\u2028"],
  ["U+2029 paragraph separator", "\u2029"],
  ["U+FDD0 noncharacter", "\ufdd0"],
  ["U+FDEF noncharacter", "\ufdef"],
  ["U+FFFE noncharacter", "\ufffe"],
  ["U+FFFF noncharacter", "\uffff"],
  ["U+1FFFE noncharacter", "\u{1fffe}"],
  ["U+1FFFF noncharacter", "\u{1ffff}"],
  ["U+10FFFE noncharacter", "\u{10fffe}"],
  ["U+10FFFF noncharacter", "\u{10ffff}"],
];

/** Neighbours of the refused ranges and ordinary text, all accepted everywhere. */
const ACCEPTED = [
  " ",
  "~",
  "\u00a0", // no-break space, the first code point after C1
  "é",
  "\u2027", // hyphenation point, just before U+2028
  "\u202a", // a bidi control (format, not a control character)
  "\ufdcf", // just before the noncharacter block
  "\ufdf0",
  "\ufffd", // replacement character
  "\u{1fffd}",
  "📞 Anruf – 通話",
];

const LABEL_MESSAGE = (path: string) => `${path} must not contain control characters or noncharacters.`;

/** The errors of `validateSurvey` as [code, path, message]. */
const errorsOf = (input: Record<string, unknown>) => {
  const result = validateSurvey(input);
  return result.ok ? [] : result.errors.map((e) => [e.code, e.path, e.message]);
};

describe("INVALID_CHARACTER in identifiers, context and dimension values", () => {
  const fields: Array<[string, (text: string) => Record<string, unknown>]> = [
    ["callId", (t) => ({ callId: `call${t}1` })],
    ["participantId", (t) => ({ participantId: `${t}p` })],
    ["appVersion", (t) => ({ appVersion: `1.2${t}` })],
    ["platform", (t) => ({ platform: t })],
    ["browser", (t) => ({ browser: `Firefox${t}` })],
    ["sdkVersion", (t) => ({ sdkVersion: `0.1${t}` })],
    ["dimensions.region", (t) => ({ dimensions: { region: `eu${t}west` } })],
  ];
  for (const [path, patch] of fields) {
    it(`refuses every refused class in ${path}, naming the field`, () => {
      for (const [name, text] of REFUSED) {
        assert.deepEqual(
          errorsOf({ ...BASE, ...patch(text) }),
          [["INVALID_CHARACTER", path, LABEL_MESSAGE(path)]],
          name,
        );
      }
    });
    it(`accepts their neighbours and ordinary unicode in ${path}`, () => {
      for (const text of ACCEPTED) assert.deepEqual(errorsOf({ ...BASE, ...patch(text) }), [], text);
    });
  }

  it("reports each offending field of one survey", () => {
    assert.deepEqual(
      errorsOf({ ...BASE, callId: "a\u0085", platform: "web\u2028", dimensions: { a: "\uffff", b: "ok" } }),
      [
        ["INVALID_CHARACTER", "callId", LABEL_MESSAGE("callId")],
        ["INVALID_CHARACTER", "platform", LABEL_MESSAGE("platform")],
        ["INVALID_CHARACTER", "dimensions.a", LABEL_MESSAGE("dimensions.a")],
      ],
    );
  });

  it("NUL and lone surrogates stay INVALID_FORMAT (text no store keeps), even next to a control character", () => {
    assert.deepEqual(errorsOf({ ...BASE, callId: "\u0007\u0000" }), [
      ["INVALID_FORMAT", "callId", "callId must be valid Unicode text without NUL characters."],
    ]);
    assert.deepEqual(errorsOf({ ...BASE, callId: "\u0007\ud800" })[0]?.[0], "INVALID_FORMAT");
  });
});

describe("free text: improvement suggestions keep their lines", () => {
  const path = "overallRating.improvementSuggestion";
  const withSuggestion = (text: string) => ({
    ...BASE,
    overallRating: { score: 2, improvementSuggestion: text },
  });

  it("accepts tab, line feed, carriage return, CRLF and U+2028/U+2029", () => {
    for (const text of [
      "Line one\nline two",
      "Windows\r\nlines",
      "old\rMac",
      "a\ttab",
      "pasted\u2028line",
      "para\u2029graph",
    ]) {
      const result = validateSurvey(withSuggestion(text));
      assert.ok(result.ok, JSON.stringify(text));
      assert.equal(result.value.overallRating?.improvementSuggestion, text, "kept unchanged");
    }
  });

  it("refuses the other control characters and the noncharacters, naming the field", () => {
    const refused = REFUSED.filter(([, t]) => !["\t", "\n", "\r", "\u2028", "\u2029"].includes(t));
    assert.equal(refused.length, REFUSED.length - 5);
    for (const [name, text] of refused) {
      assert.deepEqual(
        errorsOf(withSuggestion(`bad ${text} text`)),
        [["INVALID_CHARACTER", path, LABEL_MESSAGE(path)]],
        name,
      );
    }
    // Also in every rating category, not just the overall one.
    assert.deepEqual(errorsOf({ ...BASE, audioRating: { score: 1, improvementSuggestion: "\u001b[31m" } }), [
      [
        "INVALID_CHARACTER",
        "audioRating.improvementSuggestion",
        LABEL_MESSAGE("audioRating.improvementSuggestion"),
      ],
    ]);
  });
});

describe("lifecycle events", () => {
  const event = {
    id: "0b5e4f3c-9d2a-4c1e-8f7a-1a2b3c4d5e6f",
    type: "shown",
    callId: "c",
    participantId: "p",
    clientTime: "2026-11-23T10:15:00Z",
  };
  it("refuse the same characters in callId and participantId, naming the field", () => {
    for (const [name, text] of REFUSED) {
      for (const key of ["callId", "participantId"]) {
        const result = validateSurveyEvent({ ...event, [key]: `x${text}` });
        assert.deepEqual(
          !result.ok && result.errors.map((e) => [e.code, e.path, e.message]),
          [["INVALID_CHARACTER", key, LABEL_MESSAGE(key)]],
          `${name} in ${key}`,
        );
      }
    }
    for (const text of ACCEPTED) assert.ok(validateSurveyEvent({ ...event, callId: text }).ok, text);
  });
  it("keep INVALID_FORMAT for NUL", () => {
    const result = validateSurveyEvent({ ...event, callId: "a\u0000" });
    assert.equal(!result.ok && result.errors[0]?.code, "INVALID_FORMAT");
  });
});

describe("the shared checks", () => {
  it("textFault and isLabelText agree with the validator", () => {
    for (const [name, text] of REFUSED) {
      assert.equal(textFault(text), "INVALID_CHARACTER", name);
      assert.equal(isLabelText(`a${text}`), false, name);
    }
    for (const text of ACCEPTED) {
      assert.equal(textFault(text), undefined, text);
      assert.equal(textFault(text, true), undefined, text);
      assert.equal(isLabelText(text), true, text);
    }
    assert.equal(textFault("a\u0000"), "INVALID_FORMAT");
    assert.equal(isLabelText("a\u0000"), false);
    assert.equal(isLabelText("\udc00"), false);
    assert.equal(textFault("two\nlines", true), undefined);
    assert.equal(textFault("bell\u0007", true), "INVALID_CHARACTER");
  });

  it("validateStampedSurvey (the SDK's) leaves INVALID_CHARACTER to the server, and nothing else", () => {
    const input = { ...BASE, platform: "web\u0007", dimensions: { region: "eu\u2028" } };
    assert.ok(validateStampedSurvey(input).ok);
    assert.deepEqual(
      errorsOf(input).map(([code]) => code),
      ["INVALID_CHARACTER", "INVALID_CHARACTER"],
    );
  });
});
