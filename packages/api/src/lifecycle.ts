import { type Static, Type } from "typebox";
import { InstantSchema, ItemsOf, oneOf, ProjectIdSchema, ProjectParams } from "./common.js";
import { defineRoute } from "./route.js";

/**
 * Data lifecycle: a project's data policy (retention, redaction at ingest) and erasures of one
 * participant's or one call's data, each with a receipt.
 *
 * @module
 */

/** The longest retention a policy may set (100 years): beyond it, say "keep" (`null`). */
export const MAX_RETENTION_DAYS = 36_500;

// One schema with a type list rather than a union with null: the server coerces query-string types,
// and Ajv would coerce 0 to null in a union's null branch, turning "0 days" into "for ever".
const days = (description: string) =>
  Type.Unsafe<number | null>({
    type: ["integer", "null"],
    minimum: 1,
    maximum: MAX_RETENTION_DAYS,
    description: `${description} \`null\`: keep for ever.`,
    default: null,
  });

export const RetentionSchema = Type.Object(
  {
    surveysDays: days("Delete surveys this many days after they were received (rollups follow)."),
    freeTextDays: days(
      "Clear the free text (improvement suggestions) this many days after receipt; at most `surveysDays`.",
    ),
    eventsDays: days("Delete lifecycle events (shown, dismissed, submitted) this many days after receipt."),
  },
  { additionalProperties: false, default: {} },
);

export const RedactionSchema = Type.Object(
  {
    emailAddresses: Type.Boolean({
      default: false,
      description: "Replace e-mail addresses (also `name at example dot com`) with `[email redacted]`.",
    }),
    phoneNumbers: Type.Boolean({
      default: false,
      description: "Replace phone numbers (7–15 digits, national or international) with `[phone redacted]`.",
    }),
    patterns: Type.Array(Type.String({ minLength: 1, maxLength: 200 }), {
      maxItems: 20,
      default: [],
      description: "RE2 regular expressions (linear time); each match becomes `[redacted]`.",
    }),
  },
  { additionalProperties: false, default: {} },
);

/** What a project keeps and for how long, and what it redacts before storing. */
export const DataPolicySchema = Type.Object(
  { retention: RetentionSchema, redaction: RedactionSchema },
  { additionalProperties: false, title: "DataPolicy" },
);
export type DataPolicy = Static<typeof DataPolicySchema>;

/** The policy of a project that never set one: keep everything, redact nothing. */
export const DEFAULT_DATA_POLICY: DataPolicy = {
  retention: { surveysDays: null, freeTextDays: null, eventsDays: null },
  redaction: { emailAddresses: false, phoneNumbers: false, patterns: [] },
};

export const getDataPolicy = defineRoute({
  method: "GET",
  url: "/v1/projects/:projectId/data-policy",
  operationId: "getDataPolicy",
  summary: "Read the project's data policy (retention and redaction)",
  tags: ["data protection"],
  auth: "admin",
  params: ProjectParams,
  responses: { 200: DataPolicySchema },
});

export const putDataPolicy = defineRoute({
  method: "PUT",
  url: "/v1/projects/:projectId/data-policy",
  operationId: "putDataPolicy",
  summary: "Replace the project's data policy",
  description:
    "Omitted parts take their defaults (keep for ever, redact nothing). Redaction applies to surveys received from now on; retention is applied by every server's sweeper within minutes.",
  tags: ["data protection"],
  auth: "admin",
  params: ProjectParams,
  body: DataPolicySchema,
  responses: { 200: DataPolicySchema },
});

export const ERASURE_SELECTORS = ["participantId", "callId"] as const;

export const ErasureRequestSchema = Type.Object(
  {
    participantId: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    callId: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    id: Type.Optional(
      Type.String({
        pattern: "^[A-Za-z0-9_-]{8,64}$",
        description:
          "Your id for this erasure (8–64 letters, digits, `_` or `-`): repeating the request with it answers the first receipt.",
      }),
    ),
  },
  { additionalProperties: false, description: "Exactly one of `participantId` and `callId`." },
);

/** The record of one erasure: what was asked and how much was deleted, never the erased content. */
export const ErasureReceiptSchema = Type.Object(
  {
    id: Type.String(),
    projectId: ProjectIdSchema,
    selector: oneOf(ERASURE_SELECTORS, { description: "The field the erasure matched on." }),
    selectorHash: Type.String({
      description:
        "SHA-256 (hex) of `<selector>:<value>`: lets you check that a given person was erased without the receipt keeping who.",
    }),
    requestedBy: Type.String({ description: "The key id of the admin token, or `operator`." }),
    requestedAt: InstantSchema,
    surveys: Type.Integer({ minimum: 0, description: "Surveys deleted." }),
    events: Type.Integer({ minimum: 0, description: "Lifecycle events deleted." }),
    pendingDeliveries: Type.Integer({
      minimum: 0,
      description: "Outbox entries deleted before a destination received them.",
    }),
  },
  { additionalProperties: false, title: "ErasureReceipt" },
);
export type ErasureReceipt = Static<typeof ErasureReceiptSchema>;

export const eraseData = defineRoute({
  method: "POST",
  url: "/v1/projects/:projectId/erasures",
  operationId: "eraseData",
  summary: "Erase one participant's or one call's surveys and events",
  description:
    "Deletes the matching surveys, lifecycle events and their undelivered outbox entries in one transaction, corrects the rollups, and records a receipt. Destinations receiving CallSurvey records get a CallSurveyDeleted record (archives: an erasure manifest) with the erased ids. Idempotent: repeating it deletes nothing more; with the same `id` it answers the first receipt (200).",
  tags: ["data protection"],
  auth: "admin",
  params: ProjectParams,
  body: ErasureRequestSchema,
  responses: { 200: ErasureReceiptSchema, 201: ErasureReceiptSchema },
});

export const ErasureListQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
    before: Type.Optional(InstantSchema),
  },
  { additionalProperties: false },
);

export const listErasures = defineRoute({
  method: "GET",
  url: "/v1/projects/:projectId/erasures",
  operationId: "listErasures",
  summary: "List erasure receipts, newest first",
  tags: ["data protection"],
  auth: "admin",
  params: ProjectParams,
  querystring: ErasureListQuery,
  responses: { 200: ItemsOf(ErasureReceiptSchema) },
});

export const getErasure = defineRoute({
  method: "GET",
  url: "/v1/projects/:projectId/erasures/:erasureId",
  operationId: "getErasure",
  summary: "Read one erasure receipt",
  tags: ["data protection"],
  auth: "admin",
  params: Type.Object(
    { projectId: ProjectIdSchema, erasureId: Type.String({ minLength: 1, maxLength: 64 }) },
    { additionalProperties: false },
  ),
  responses: { 200: ErasureReceiptSchema },
  errors: [404],
});
