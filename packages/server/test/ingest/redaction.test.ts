/**
 * Redaction at ingest: e-mail addresses, phone numbers and an operator's RE2 patterns are replaced
 * before a survey is stored, and ordinary sentences (dates, times, versions, scores, ranges, prices)
 * are left alone.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  checkRedactionPattern,
  compileRedactor,
  isPhoneNumber,
  REDACTION_MARKERS,
} from "../../src/ingest/redaction.js";

const everything = compileRedactor({ emailAddresses: true, phoneNumbers: true, patterns: [] });
const redact = (text: string) => (everything as (t: string) => string)(text);
const EMAIL = REDACTION_MARKERS.emailAddresses;
const PHONE = REDACTION_MARKERS.phoneNumbers;

describe("redaction of e-mail addresses", () => {
  for (const address of [
    "jane@example.com",
    "first.last+tag@sub.example.co.uk",
    "j_doe-99@mail.example.org",
    "müller@beispiel.de",
    "UPPER.Case@Example.COM",
    "x@y.io",
  ])
    it(`replaces ${address}`, () => {
      assert.equal(redact(`write to ${address}, thanks`), `write to ${EMAIL}, thanks`);
    });

  for (const obfuscated of [
    "jane at example dot com",
    "jane (at) example (dot) com",
    "jane [at] mail [dot] example [dot] org",
  ])
    it(`replaces the obfuscated "${obfuscated}"`, () => {
      assert.equal(redact(`mail ${obfuscated} please`), `mail ${EMAIL} please`);
    });
});

describe("redaction of phone numbers", () => {
  for (const number of [
    "+44 20 7946 0958",
    "+1-202-555-0173",
    "(555) 123-4567",
    "555-123-4567",
    "555.123.4567",
    "020 7946 0958",
    "+49 30 901820",
    "0049 30 901820",
    "+33 1 23 45 67 89",
    "06 12 34 56 78",
    "+91 98765 43210",
    "+81 3-1234-5678",
    "+4915112345678",
    "0612345678",
  ])
    it(`replaces ${number}`, () => {
      assert.equal(redact(`call me on ${number} tomorrow`), `call me on ${PHONE} tomorrow`);
    });
});

describe("ordinary sentences are left alone", () => {
  for (const sentence of [
    "The call on 2026-11-23 at 10:30 dropped twice.",
    "Audio was fine until 15.11.2026, then echo.",
    "Version 1.12.3 on Chrome 131.0.6778.85 freezes.",
    "I'd give it 4/5, video 3 out of 5.",
    "It lasted 45 minutes with 12 people and 3 screens.",
    "Between 1000 - 2000 ms of delay, sometimes 300-400.",
    "Router at 192.168.1.1 was rebooted.",
    "We paid $1,234.56 for this and it costs 99.99 a month.",
    "Look at the chart dot by dot, it is at most 5 seconds late.",
    "My email is broken, and I am at home.",
    "Room 4021, floor 3, building 12.",
    "The year 2026 was better than 2025.",
  ])
    it(`keeps "${sentence}"`, () => {
      assert.equal(redact(sentence), sentence);
    });

  it("does not take a long order number of 8 digits for a phone number, but does a 10-digit run", () => {
    assert.equal(isPhoneNumber("12345678"), false);
    assert.equal(isPhoneNumber("1234567890"), true);
  });
});

describe("operator patterns (RE2)", () => {
  it("replace every match with the marker, case-insensitively when the pattern says (?i)", () => {
    const redactor = compileRedactor({
      emailAddresses: false,
      phoneNumbers: false,
      patterns: ["ACME-\\d{6}", "(?i)project\\s+falcon"],
    });
    assert.ok(redactor);
    assert.equal(
      redactor("Ticket ACME-123456 about Project  FALCON and ACME-654321"),
      "Ticket [redacted] about [redacted] and [redacted]",
    );
  });

  it("are refused when invalid, empty-matching or too long, with the reason", () => {
    assert.match(checkRedactionPattern("(a") ?? "", /not a valid RE2 pattern/);
    assert.match(checkRedactionPattern("(?<=a)b") ?? "", /not a valid RE2 pattern/);
    assert.match(checkRedactionPattern("a*") ?? "", /must not match empty text/);
    assert.match(checkRedactionPattern("a".repeat(201)) ?? "", /1 to 200 characters/);
    assert.equal(checkRedactionPattern("ACME-\\d{6}"), undefined);
  });

  it("run in linear time on a pattern that backtracks catastrophically in JavaScript", () => {
    // (a+)+$ on 'aaaa…b' takes exponential time in a backtracking engine; RE2 answers at once.
    const redactor = compileRedactor({ emailAddresses: false, phoneNumbers: false, patterns: ["(a+)+$"] });
    assert.ok(redactor);
    const hostile = `${"a".repeat(5000)}b`;
    assert.equal(redactor(hostile), hostile);
  });

  it("a project that redacts nothing has no redactor", () => {
    assert.equal(compileRedactor({ emailAddresses: false, phoneNumbers: false, patterns: [] }), undefined);
  });
});
