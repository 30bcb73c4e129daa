import { RATING_CATEGORIES, type RatingCategory } from "@aftercall/schema";
import { type TUnsafe, Type } from "typebox";

/** A string schema that accepts exactly `values` (JSON Schema `enum`), typed as their union. */
export function oneOf<const T extends string>(
  values: readonly T[],
  options: { description?: string; default?: T } = {},
): TUnsafe<T> {
  return Type.Unsafe<T>({ type: "string", enum: [...values], ...options });
}

export const CATEGORY_KEYS = RATING_CATEGORIES.map((c) => c.key) as readonly RatingCategory[];

/** A rating category: overall, audio, video or screenshare. */
export const CategorySchema = oneOf(CATEGORY_KEYS);

/** Project ids: lowercase letters, digits and dashes, 2–63 characters. */
export const ProjectIdSchema = Type.String({ minLength: 1, maxLength: 63, description: "A project id." });

export const ProjectParams = Type.Object({ projectId: ProjectIdSchema }, { additionalProperties: false });

/** An ISO 8601 / RFC 3339 instant as the API writes them (UTC, milliseconds). */
export const InstantSchema = Type.String({ description: "RFC 3339 date-time (UTC)." });

/** A 95 % interval `[low, high]`. */
export const IntervalSchema = Type.Tuple([Type.Number(), Type.Number()], {
  description: "95 % interval [low, high].",
});

/** A list answer. */
export function ItemsOf<T extends Parameters<typeof Type.Array>[0]>(item: T) {
  return Type.Object({ items: Type.Array(item) }, { additionalProperties: false });
}
