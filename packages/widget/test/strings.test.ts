import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { RATING_CATEGORIES } from "@aftercall/schema";
import {
  dirOf,
  EN,
  format,
  isLocaleLoaded,
  LOCALE_NAMES,
  type Locale,
  loadLocale,
  mergeStrings,
  resolveLocale,
  STRING_KEYS,
  type SurveyStrings,
} from "../src/strings.js";

/** Every shipped table, loaded the way the element loads them. */
const LOCALES = {} as Record<Locale, Readonly<SurveyStrings>>;
before(async () => {
  for (const locale of LOCALE_NAMES) LOCALES[locale] = await loadLocale(locale);
});

describe("string tables", () => {
  it("have a label for every issue tag of every category", () => {
    const tagKeys = RATING_CATEGORIES.flatMap((c) => c.issues.map((t) => `${c.key}.${t}`));
    for (const key of tagKeys) assert.ok(STRING_KEYS.includes(key as keyof SurveyStrings), key);
    assert.equal(new Set(STRING_KEYS).size, STRING_KEYS.length, "keys are unique");
  });

  it("translate every key in every shipped language", () => {
    for (const [locale, table] of Object.entries(LOCALES)) {
      assert.deepEqual(Object.keys(table), [...STRING_KEYS], `${locale}: keys in order`);
      for (const key of STRING_KEYS) {
        const value = table[key];
        assert.ok(typeof value === "string" && value.trim().length > 0, `${locale}.${key} is empty`);
      }
    }
  });

  it("keep the placeholders of formatted strings", () => {
    for (const [locale, table] of Object.entries(LOCALES)) {
      for (const key of ["star", "counter"] as const) {
        assert.match(table[key], /\{0\}/, `${locale}.${key}`);
        assert.match(table[key], /\{1\}/, `${locale}.${key}`);
      }
    }
  });

  it("load English built in and the other languages on demand", async () => {
    assert.deepEqual(LOCALE_NAMES, ["en", "de", "fr", "ar"]);
    assert.equal(await loadLocale("en"), EN);
    assert.equal(LOCALES.de.submit, "Senden");
    assert.equal(LOCALES.ar.submit, "إرسال");
    assert.equal(await loadLocale("fr"), LOCALES.fr, "loaded once, then cached");
    for (const locale of LOCALE_NAMES) assert.equal(isLocaleLoaded(locale), true, locale);
  });

  it("label tags the way ACS means them", () => {
    assert.equal(LOCALES.en["audio.NoLocalAudio"], "Others could not hear me");
    assert.equal(LOCALES.en["screenshare.NoContentLocal"], "Others could not see my screen");
  });
});

describe("locale and direction", () => {
  it("resolves a language tag to a shipped locale, else English", () => {
    const cases: [string | null | undefined, Locale][] = [
      ["de", "de"],
      ["de-AT", "de"],
      ["FR_ca", "fr"],
      ["ar-EG", "ar"],
      ["es", "en"],
      ["", "en"],
      [null, "en"],
      [undefined, "en"],
      ["toString", "en"],
      ["__proto__", "en"],
    ];
    for (const [tag, locale] of cases) assert.equal(resolveLocale(tag), locale, String(tag));
  });

  it("writes Arabic, Hebrew, Persian and Urdu right to left", () => {
    for (const tag of ["ar", "ar-SA", "he", "fa-IR", "ur"]) assert.equal(dirOf(tag), "rtl", tag);
    for (const tag of ["en", "de", "fr", "", null, "arn"]) assert.equal(dirOf(tag), "ltr", String(tag));
  });
});

describe("string overrides", () => {
  it("take the overrides, then the locale, then English", () => {
    const s = mergeStrings("de", { title: "Wie lief's?", "audio.Echo": "Hall" });
    assert.equal(s.title, "Wie lief's?");
    assert.equal(s["audio.Echo"], "Hall");
    assert.equal(s.submit, LOCALES.de.submit);
    assert.equal(mergeStrings("en").submit, "Submit");
  });

  it("ignore empty, non-string and unknown overrides", () => {
    const overrides = { title: "", submit: 42, nope: "x", __proto__: { skip: "inherited" } };
    const s = mergeStrings("fr", overrides as unknown as Partial<SurveyStrings>);
    assert.equal(s.title, LOCALES.fr.title);
    assert.equal(s.submit, LOCALES.fr.submit);
    assert.equal(s.skip, LOCALES.fr.skip);
    assert.equal("nope" in s, false);
  });

  it("never changes the shipped tables", () => {
    mergeStrings("en", { title: "Changed" });
    assert.equal(LOCALES.en.title, "How was the call quality?");
  });

  it("formats numbered placeholders", () => {
    assert.equal(format("{0} of {1} stars", 3, 5), "3 of 5 stars");
    assert.equal(format("{1}/{0}", 2000, 12), "12/2000");
    assert.equal(format("{0} {2}", 1), "1 {2}");
  });
});
