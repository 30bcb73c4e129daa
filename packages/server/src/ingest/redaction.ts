import type { DataPolicy } from "@aftercall/api";
import { RE2JS } from "re2js";

/**
 * Redaction of personal data in free text before it is stored (per project, off by default): e-mail
 * addresses, phone numbers and the operator's own patterns are replaced with a marker. The stored
 * survey and every record delivered from it carry the redacted text; the idempotency hash is taken from
 * what the client sent (`ingest/pending-survey.ts`), so a retry of the same survey still replays.
 *
 * The built-in detectors are ordinary regular expressions written to run in linear time on the short
 * texts a survey allows (at most 1,000 characters each). The operator's patterns are compiled with RE2
 * (`re2js`), which guarantees linear time whatever the pattern: a project admin's pattern meets text
 * from the public internet, and a backtracking engine would let one pattern plus one crafted survey
 * hold the event loop for minutes.
 *
 * @module
 */

/** What redaction replaced, by kind; the marker says which kind was there, never what. */
export const REDACTION_MARKERS = {
  emailAddresses: "[email redacted]",
  phoneNumbers: "[phone redacted]",
  patterns: "[redacted]",
} as const;

/** A project's redaction settings (the `redaction` part of its data policy). */
export interface RedactionSettings {
  emailAddresses: boolean;
  phoneNumbers: boolean;
  /** RE2 syntax; matched case-sensitively unless the pattern says `(?i)`. */
  patterns: readonly string[];
}

/** At most this many operator patterns, each at most this long (checked by the data policy). */
export const MAX_REDACTION_PATTERNS = 20;
export const MAX_REDACTION_PATTERN_LENGTH = 200;

// name@example.com, first.last+tag@sub.example.co.uk, müller@example.de. The local part and each domain
// label are runs of one character class, so matching is linear.
const EMAIL = /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.\p{L}{2,24}/gu;
// name (at) example (dot) com, name [at] example [dot] com, name at example dot com.
const OBFUSCATED_EMAIL =
  /[\p{L}\p{N}._%+-]+\s*(?:\(at\)|\[at\]|\s+at\s+)\s*[\p{L}\p{N}-]+(?:\s*(?:\(dot\)|\[dot\]|\s+dot\s+)\s*[\p{L}\p{N}-]+)*\s*(?:\(dot\)|\[dot\]|\s+dot\s+)\s*(?:com|net|org|edu|gov|io|de|fr|uk|co|es|it|nl|ch|at|se|no|dk|fi|pl|jp|cn|in|br|au|ca|us|info|biz)\b/giu;
// A candidate phone number: an optional + or 00, then digits with single spaces, dots, dashes,
// slashes or parentheses between them. Whether it is one is decided by `isPhoneNumber`.
const PHONE_CANDIDATE = /(?<![\p{L}\p{N}+])(?:\+|00)?\(?\d(?:[ .\-/()]{0,2}\d){6,18}(?![\p{L}\p{N}])/gu;

const DATE_LIKE = /^(?:\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{2,4})$/;
const IPV4_LIKE = /^\d{1,3}(?:\.\d{1,3}){3}$/;
const RANGE_LIKE = /^\d+\s*[-/]\s*\d+$/;

/**
 * Whether a candidate is a phone number: 7 to 15 digits (E.164's maximum), not a date, an IPv4 address
 * or a range of two numbers; plain digit runs only when international (`+`, `00`) or 10 digits and more.
 */
export function isPhoneNumber(candidate: string): boolean {
  const digits = candidate.replace(/\D/g, "").length;
  if (digits < 7 || digits > 15) return false;
  if (DATE_LIKE.test(candidate) || IPV4_LIKE.test(candidate)) return false;
  const international = candidate.startsWith("+") || candidate.startsWith("00");
  if (!international && RANGE_LIKE.test(candidate)) return false;
  const groups = candidate.split(/[ .\-/()]+/).filter(Boolean);
  if (groups.length === 1) return international || digits >= 10;
  // Dotted numbers with a one-digit part are versions ("131.0.6778.85"), not phone numbers.
  if (!international && /^[\d.]+$/.test(candidate) && groups.some((g) => g.length === 1)) return false;
  // Real groupings have a group of three digits or more, or are national pairs ("06 12 34 56 78").
  const nationalPairs = candidate.startsWith("0") && digits >= 9 && groups.every((g) => g.length >= 2);
  return international || candidate.includes("(") || nationalPairs || groups.some((g) => g.length >= 3);
}

/** Replaces personal data in one text; `undefined` when the project redacts nothing. */
export type Redactor = (text: string) => string;

/**
 * Build the redactor of a project's settings, or `undefined` when it redacts nothing. Patterns must have
 * been checked with {@link checkRedactionPattern}; one that does not compile is skipped here rather
 * than failing every ingest of the project.
 */
export function compileRedactor(settings: RedactionSettings): Redactor | undefined {
  const patterns = settings.patterns.flatMap((p) => {
    try {
      return [RE2JS.compile(p)];
    } catch {
      return [];
    }
  });
  if (!settings.emailAddresses && !settings.phoneNumbers && patterns.length === 0) return undefined;
  return (text) => {
    let out = text;
    for (const pattern of patterns) out = pattern.matcher(out).replaceAll(REDACTION_MARKERS.patterns, true);
    if (settings.emailAddresses) {
      out = out.replace(EMAIL, REDACTION_MARKERS.emailAddresses);
      out = out.replace(OBFUSCATED_EMAIL, REDACTION_MARKERS.emailAddresses);
    }
    if (settings.phoneNumbers)
      out = out.replace(PHONE_CANDIDATE, (m) => (isPhoneNumber(m) ? REDACTION_MARKERS.phoneNumbers : m));
    return out;
  };
}

/** Why an operator's pattern is refused, or `undefined` when RE2 compiles it and it cannot match "". */
export function checkRedactionPattern(pattern: string): string | undefined {
  if (pattern.length === 0 || pattern.length > MAX_REDACTION_PATTERN_LENGTH)
    return `must be 1 to ${MAX_REDACTION_PATTERN_LENGTH} characters`;
  try {
    const compiled = RE2JS.compile(pattern);
    if (compiled.matches("")) return "must not match empty text";
    return undefined;
  } catch (error) {
    return `is not a valid RE2 pattern (${error instanceof Error ? error.message : String(error)})`;
  }
}

// A project object lives as long as the key cache keeps it; its redactor is compiled once per object.
const redactors = new WeakMap<DataPolicy["redaction"], Redactor | null>();

/** The redactor of a project's data policy, or `undefined` when it redacts nothing. */
export function redactorOf(project: { dataPolicy: DataPolicy }): Redactor | undefined {
  const settings = project.dataPolicy.redaction;
  let redactor = redactors.get(settings);
  if (redactor === undefined) {
    redactor = compileRedactor(settings) ?? null;
    redactors.set(settings, redactor);
  }
  return redactor ?? undefined;
}
