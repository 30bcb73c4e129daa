import { RATING_CATEGORIES } from "@aftercall/schema";
import { OTHER_DIMENSION_VALUE } from "../limits/dimension-caps.js";
import type { SqlFragment } from "../store/database.js";
import type { SurveyQuery } from "./survey-query.js";

const CATEGORY_KEYS = new Set<string>(RATING_CATEGORIES.map((c) => c.key));

/** Build the filter of a survey query. Category names are checked against the catalogue before use. */
export function surveyFilter(projectId: string, query: SurveyQuery): SqlFragment {
  const clauses = ["project_id = ?"];
  const params: SqlFragment["params"] = [projectId];
  if (query.fromMs !== undefined) {
    clauses.push("received_at >= ?");
    params.push(query.fromMs);
  }
  if (query.toMs !== undefined) {
    clauses.push("received_at < ?");
    params.push(query.toMs);
  }
  if (query.callId !== undefined) {
    clauses.push("call_id = ?");
    params.push(query.callId);
  }
  if (query.participantId !== undefined) {
    clauses.push("participant_id = ?");
    params.push(query.participantId);
  }
  if (query.poor && query.poor.length > 0) {
    const any = query.poor.map((c) => `${column(c)}_poor = 1`);
    clauses.push(`(${any.join(" OR ")})`);
  }
  if (query.tag) {
    const { category, tag } = query.tag;
    // Only catalogue tags: they hold no LIKE wildcards or commas, so the padded match below is exact
    // and case-sensitive on both engines.
    if (
      !(RATING_CATEGORIES.find((c) => c.key === category)?.issues as readonly string[] | undefined)?.includes(
        tag,
      )
    ) {
      throw new RangeError(`"${tag}" is not an issue tag of category ${category}`);
    }
    // Tags are stored ACS-style, comma-separated; padding with commas makes the match exact.
    clauses.push(`(',' || ${column(query.tag.category)}_issues || ',') LIKE ?`);
    params.push(`%,${query.tag.tag},%`);
  }
  for (const [field, columnName] of CONTEXT_COLUMNS) {
    const value = query[field];
    if (value === undefined) continue;
    clauses.push(`${columnName} = ?`);
    params.push(value);
  }
  for (const [key, value] of Object.entries(query.dimensions ?? {})) {
    // aftercall_dimension: a SQL function on PostgreSQL (migration 5), a JS one on SQLite's connections.
    if (value === OTHER_DIMENSION_VALUE) {
      // A breakdown's "(other)" row: the surveys whose value the caps folded, and any that sent it as is.
      clauses.push(
        "(aftercall_dimension(dimensions, ?) = ? OR aftercall_dimension(rollup_dimensions, ?) = ?)",
      );
      params.push(key, value, key, value);
      continue;
    }
    clauses.push("aftercall_dimension(dimensions, ?) = ?");
    params.push(key, value);
  }
  if (query.networkBand !== undefined) {
    if (query.networkBand === "none") clauses.push("network_band IS NULL");
    else {
      clauses.push("network_band = ?");
      params.push(query.networkBand);
    }
  }
  if (query.q !== undefined) {
    // Both sides folded by aftercall_fold (a JS function on SQLite, ICU lower() on PostgreSQL), so
    // non-ASCII letters match case-insensitively and both engines agree; wildcards in q are escaped.
    const pattern = `%${escapeLike(query.q.toLowerCase())}%`;
    const any = RATING_CATEGORIES.map(({ key }) => `aftercall_fold(${key}_suggestion) LIKE ? ESCAPE '\\'`);
    clauses.push(`(${any.join(" OR ")})`);
    for (const _ of any) params.push(pattern);
  }
  return { sql: clauses.join(" AND "), params };
}

const CONTEXT_COLUMNS = [
  ["appVersion", "app_version"],
  ["platform", "platform"],
  ["browser", "browser"],
  ["sdkVersion", "sdk_version"],
] as const;

/** Escape LIKE's wildcards (and the escape character itself) so `q` matches literally. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function column(category: string): string {
  if (!CATEGORY_KEYS.has(category)) throw new RangeError(`Unknown rating category ${category}`);
  return category;
}

/** Cursor of a list page: the (received_at, id) of its last row, opaque to clients. */
export function encodeCursor(receivedAtMs: number, id: string): string {
  return Buffer.from(`${receivedAtMs}:${id}`).toString("base64url");
}

/** Returns undefined for a malformed cursor. */
export function decodeCursor(cursor: string): { receivedAtMs: number; id: string } | undefined {
  const text = Buffer.from(cursor, "base64url").toString();
  const match = /^(\d{1,15}):([0-9a-f-]{36})$/.exec(text);
  if (!match) return undefined;
  return { receivedAtMs: Number(match[1]), id: match[2] as string };
}
