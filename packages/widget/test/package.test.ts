import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";

describe("package entry points", () => {
  it("load without a DOM (server-side rendering) and export the element", async () => {
    const widget = await import("../src/index.js");
    assert.equal(widget.TAG_NAME, "aftercall-survey");
    assert.equal(typeof widget.AftercallSurveyElement, "function");
    assert.equal(typeof widget.defineAftercallSurvey, "function");
    assert.equal(typeof widget.createSurveyClient, "function");
    assert.deepEqual([...widget.LOCALE_NAMES].sort(), ["ar", "de", "en", "fr"]);
    assert.equal((await widget.loadLocale("de")).submit, "Senden");
    // Registering is a no-op where custom elements do not exist.
    assert.doesNotThrow(() => widget.defineAftercallSurvey());
  });

  it("declares attributes in kebab case and keeps objects as properties", async () => {
    const { AftercallSurveyElement } = await import("../src/index.js");
    assert.deepEqual(AftercallSurveyElement.observedAttributes, [
      "endpoint",
      "project-key",
      "call-id",
      "participant-id",
      "modalities",
      "details",
      "theme",
      "lang",
    ]);
  });

  it("renders the React wrapper to the element with its attributes", async () => {
    const { AftercallSurvey } = await import("../src/react.js");
    const html = renderToStaticMarkup(
      createElement(AftercallSurvey, {
        endpoint: "https://surveys.example.com",
        projectKey: "ac_pk_x",
        callId: "c1",
        participantId: "p1",
        modalities: ["audio", "video"],
        lang: "de",
        theme: "dark",
        className: "survey",
        onSubmit: () => {},
      }),
    );
    assert.match(html, /^<aftercall-survey [^>]*><\/aftercall-survey>$/);
    for (const attribute of [
      'endpoint="https://surveys.example.com"',
      'project-key="ac_pk_x"',
      'call-id="c1"',
      'participant-id="p1"',
      'modalities="audio,video"',
      'lang="de"',
      'theme="dark"',
      'class="survey"',
    ]) {
      assert.ok(html.includes(attribute), `${attribute} in ${html}`);
    }
    assert.doesNotMatch(html, /onSubmit|client|call=/);
  });
});
