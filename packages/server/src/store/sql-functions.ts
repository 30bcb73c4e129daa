/**
 * SQL functions both engines provide under the same names, so shared SQL needs no dialect-specific
 * text functions: on SQLite these JavaScript functions are registered on every connection (the reader
 * worker carries its own copy), on PostgreSQL they are SQL functions created by migrations 4 and 5.
 *
 * @module
 */

/**
 * `aftercall_fold(text)`: JavaScript's Unicode lower case (SQLite's lower() is ASCII-only; PostgreSQL
 * uses ICU's `lower(t COLLATE "und-x-icu")`), the case folding of the `q` filter.
 */
export function foldCase(text: unknown): string | null {
  return typeof text === "string" ? text.toLowerCase() : null;
}

/** `aftercall_dimension(dimensions, key)`: the value of `key` in a dimensions JSON text, or NULL. */
export function dimensionValue(dimensions: unknown, key: unknown): string | null {
  if (typeof dimensions !== "string" || typeof key !== "string") return null;
  const parsed = JSON.parse(dimensions) as Record<string, unknown>;
  const value = Object.hasOwn(parsed, key) ? parsed[key] : undefined;
  return typeof value === "string" ? value : null;
}
