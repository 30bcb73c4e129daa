import { createHash } from "node:crypto";
import { effectiveScale, RATING_CATEGORIES, type SurveySubmission } from "@aftercall/schema";

/** JSON with object keys sorted at every level, so equal content always serialises equally. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/**
 * Hash of what the client submitted, in a normal form: no scale means the default scale, and empty issue
 * lists or dimension maps mean none. So a survey exported and imported again, or a client that starts
 * sending explicit default scales, is recognised as the same content rather than refused as a conflict.
 */
export function submissionHash(submission: SurveySubmission): string {
  const normal: Record<string, unknown> = { ...submission };
  if (submission.dimensions && Object.keys(submission.dimensions).length === 0) delete normal.dimensions;
  for (const { field } of RATING_CATEGORIES) {
    const rating = submission[field];
    if (!rating) continue;
    const copy: Record<string, unknown> = { ...rating, scale: effectiveScale(rating) };
    if (rating.issues?.length === 0) delete copy.issues;
    normal[field] = copy;
  }
  return createHash("sha256").update(canonicalJson(normal)).digest("base64url").slice(0, 32);
}
