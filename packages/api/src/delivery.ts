import { type TSchema, Type } from "typebox";
import { InstantSchema, ItemsOf, oneOf, ProjectIdSchema, ProjectParams } from "./common.js";
import { defineRoute } from "./route.js";

/**
 * Diagnostic settings (as in Azure): which log categories of a project go to which destinations, in
 * which record format; each destination's delivery status and parked batches.
 *
 * @module
 */

/** Destination types, at most one of each per diagnostic setting (as in Azure). */
export const DESTINATION_TYPES = ["stream", "blob", "s3", "directory", "webhook"] as const;
export type DestinationType = (typeof DESTINATION_TYPES)[number];

/** Log categories a diagnostic setting can carry (CallSurveyAlert: alert transitions, docs/alerts.md). */
export const LOG_CATEGORIES = ["CallSurvey", "CallSurveyEvent", "CallSurveyAlert"] as const;
export type LogCategory = (typeof LOG_CATEGORIES)[number];

/**
 * The record an erasure sends to every destination that carries surveys or events (whatever categories
 * it chose), listing the erased ids so downstream copies can be erased too.
 */
export const TOMBSTONE_CATEGORY = "CallSurveyDeleted";

/** Categories of delivered records: the chosen log categories, and erasure tombstones. */
export type RecordCategory = LogCategory | typeof TOMBSTONE_CATEGORY;

/** How records are written: Aftercall's native survey record or the Azure resource-log record. */
export const RECORD_FORMATS = ["native", "acs"] as const;
export type RecordFormat = (typeof RECORD_FORMATS)[number];

/**
 * What a webhook POSTs: `records` — `{"records":[…]}` in the destination's record format (any category);
 * `slack` — one Slack incoming-webhook message (Block Kit) per alert; `teams` — one Microsoft Teams
 * message with an Adaptive Card per alert. The chat payloads carry `CallSurveyAlert` records only: a
 * setting with such a webhook must choose exactly that category (400 CHAT_PAYLOAD_ALERTS_ONLY).
 */
export const WEBHOOK_PAYLOADS = ["records", "slack", "teams"] as const;
export type WebhookPayload = (typeof WEBHOOK_PAYLOADS)[number];

/** At most this many diagnostic settings per project, as in Azure Monitor. */
export const MAX_SETTINGS_PER_PROJECT = 5;

/** Reads show a stored secret as this marker; sending it back (or leaving the field out) keeps it. */
export const SecretSetSchema = Type.Object(
  { set: Type.Literal(true) },
  { additionalProperties: false, description: "A stored secret (never shown)." },
);

/** A secret field of an input: a new value, or the marker to keep the stored one. */
const secret = (description: string, maxLength: number) =>
  Type.Union([Type.String({ minLength: 1, maxLength, description }), SecretSetSchema]);

const FORMAT = Type.Optional(oneOf(RECORD_FORMATS, { description: "Default: the setting's format." }));

/** The configuration of each destination type, as sent (secrets as values or `{"set": true}`). */
export const DESTINATION_CONFIG_SCHEMAS = {
  stream: Type.Object(
    {
      type: Type.Optional(Type.Literal("stream")),
      servers: Type.Array(Type.String({ maxLength: 300 }), {
        minItems: 1,
        maxItems: 10,
        description: "nats://host:port or tls://host:port, without credentials.",
      }),
      subject: Type.Optional(Type.String({ maxLength: 255, default: "aftercall.callsurvey" })),
      token: Type.Optional(secret("Token authentication (exclusive with user/password).", 1024)),
      user: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
      password: Type.Optional(secret("Password of user.", 1024)),
      format: FORMAT,
    },
    { additionalProperties: false, description: "NATS JetStream: one message {records} per batch." },
  ),
  blob: Type.Object(
    {
      type: Type.Optional(Type.Literal("blob")),
      connectionString: secret("Azure Storage connection string (account key or SAS).", 4096),
      format: FORMAT,
    },
    { additionalProperties: false, description: "Azure Blob Storage: one append blob per hour." },
  ),
  s3: Type.Object(
    {
      type: Type.Optional(Type.Literal("s3")),
      endpoint: Type.Optional(Type.String({ maxLength: 2048, description: "For S3-compatible services." })),
      region: Type.String({ minLength: 1, maxLength: 64 }),
      bucket: Type.String({ minLength: 3, maxLength: 63 }),
      accessKeyId: Type.String({ minLength: 1, maxLength: 256 }),
      secretAccessKey: secret("The secret access key.", 1024),
      forcePathStyle: Type.Optional(Type.Boolean({ description: "Default: true when endpoint is set." })),
      prefix: Type.Optional(Type.String({ maxLength: 256, description: "Prepended to every key." })),
      format: FORMAT,
    },
    { additionalProperties: false, description: "S3-compatible object storage, the blob layout." },
  ),
  directory: Type.Object(
    {
      type: Type.Optional(Type.Literal("directory")),
      path: Type.String({ minLength: 1, maxLength: 1024, description: "Absolute path (operator only)." }),
      format: FORMAT,
    },
    { additionalProperties: false, description: "A local directory, the blob layout, fsynced." },
  ),
  webhook: Type.Object(
    {
      type: Type.Optional(Type.Literal("webhook")),
      url: Type.String({ minLength: 1, maxLength: 2048, description: "http(s) URL without credentials." }),
      secret: secret("Standard Webhooks signing secret: whsec_ + base64 of 24 to 64 bytes.", 200),
      timeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 60_000, default: 10_000 })),
      headers: Type.Optional(
        Type.Record(Type.String(), Type.Union([Type.String({ maxLength: 4096 }), SecretSetSchema]), {
          description: "Extra request headers; values are secret.",
        }),
      ),
      payload: Type.Optional(
        oneOf(WEBHOOK_PAYLOADS, {
          default: "records",
          description:
            "records: {records} in the record format; slack or teams: one chat message per CallSurveyAlert (the setting must carry CallSurveyAlert only).",
        }),
      ),
      format: FORMAT,
    },
    {
      additionalProperties: false,
      description:
        "HTTPS POST of {records} (or, with payload slack/teams, of one chat message per alert), signed per Standard Webhooks.",
    },
  ),
} satisfies Record<DestinationType, TSchema>;

const destinations = (nullable: boolean) =>
  Type.Object(
    Object.fromEntries(
      DESTINATION_TYPES.map((type) => [
        type,
        Type.Optional(
          nullable
            ? Type.Union([DESTINATION_CONFIG_SCHEMAS[type], Type.Null()])
            : DESTINATION_CONFIG_SCHEMAS[type],
        ),
      ]),
    ),
    {
      additionalProperties: false,
      description:
        "At most one destination per type, keyed by type. Secrets are write-only: reads show them as {set: true}, and an update that omits one keeps it.",
    },
  );

const SETTING_NAME = Type.String({ pattern: "^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$" });
const CATEGORIES = Type.Array(oneOf([...LOG_CATEGORIES, "allLogs"] as const), {
  minItems: 1,
  description: "Log categories; allLogs selects every one.",
});

export const SettingInputSchema = Type.Object(
  {
    name: SETTING_NAME,
    categories: Type.Optional(CATEGORIES),
    format: Type.Optional(oneOf(RECORD_FORMATS, { default: "acs" })),
    destinations: destinations(false),
    backfillFrom: Type.Optional(
      Type.String({
        maxLength: 64,
        description: "Also deliver what was stored since this time (default: only what arrives from now on).",
      }),
    ),
  },
  { additionalProperties: false, title: "DiagnosticSettingInput" },
);

export const SettingPatchSchema = Type.Object(
  {
    name: Type.Optional(SETTING_NAME),
    categories: Type.Optional(CATEGORIES),
    format: Type.Optional(oneOf(RECORD_FORMATS)),
    destinations: Type.Optional(destinations(true)),
  },
  { additionalProperties: false, description: "A destination set to null is removed." },
);

export const DestinationViewSchema = Type.Object(
  {
    id: Type.String(),
    type: oneOf(DESTINATION_TYPES),
    format: oneOf(RECORD_FORMATS),
    config: Type.Record(Type.String(), Type.Unknown(), { description: "The configuration without secrets." }),
    paused: Type.Boolean(),
    status: Type.Object(
      {
        state: oneOf(["paused", "caught-up", "delivering", "retrying"] as const),
        lagSeconds: Type.Number({ description: "Age of the oldest undelivered record; 0 when caught up." }),
        undelivered: Type.Integer({ description: "Counted up to 100000." }),
        deliveredRecords: Type.Integer(),
        lastSuccessAt: Type.Optional(InstantSchema),
        lastError: Type.Optional(Type.String()),
        lastErrorAt: Type.Optional(InstantSchema),
        failedAttempts: Type.Integer(),
        nextAttemptAt: Type.Optional(InstantSchema),
        parkedBatches: Type.Integer(),
        parkedRecords: Type.Integer(),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export const SettingSchema = Type.Object(
  {
    id: Type.String(),
    projectId: Type.String(),
    name: Type.String(),
    categories: Type.Array(oneOf(LOG_CATEGORIES)),
    format: oneOf(RECORD_FORMATS),
    destinations: Type.Array(DestinationViewSchema),
    createdAt: InstantSchema,
    updatedAt: InstantSchema,
  },
  { additionalProperties: false, title: "DiagnosticSetting" },
);

const BASE = "/v1/projects/:projectId/diagnostic-settings";
const SettingParams = Type.Object(
  { projectId: ProjectIdSchema, settingId: Type.String({ minLength: 1, maxLength: 100 }) },
  { additionalProperties: false },
);
const DestinationQuery = Type.Object(
  {
    destination: Type.Optional(
      oneOf(DESTINATION_TYPES, { description: "Only this destination of the setting (default: all)." }),
    ),
  },
  { additionalProperties: false },
);
const common = { tags: ["delivery"], auth: "admin" } as const;

export const listSettings = defineRoute({
  ...common,
  method: "GET",
  url: BASE,
  operationId: "listSettings",
  summary: "List a project's diagnostic settings",
  params: ProjectParams,
  responses: { 200: ItemsOf(SettingSchema) },
});

export const createSetting = defineRoute({
  ...common,
  method: "POST",
  url: BASE,
  operationId: "createSetting",
  summary: "Create a diagnostic setting",
  description: `Routes the chosen log categories to up to one destination of each type (${DESTINATION_TYPES.join(", ")}). At most ${MAX_SETTINGS_PER_PROJECT} per project (409 SETTING_LIMIT_REACHED); names are unique per project (409 SETTING_EXISTS). Only the operator may configure a directory destination.`,
  params: ProjectParams,
  body: SettingInputSchema,
  bodyCheckedByHandler: true,
  responses: { 201: SettingSchema },
  errors: [409],
});

export const getSetting = defineRoute({
  ...common,
  method: "GET",
  url: `${BASE}/:settingId`,
  operationId: "getSetting",
  summary: "Read a setting and its destinations' status",
  params: SettingParams,
  responses: { 200: SettingSchema },
  errors: [404],
});

export const updateSetting = defineRoute({
  ...common,
  method: "PATCH",
  url: `${BASE}/:settingId`,
  operationId: "updateSetting",
  summary: "Update a setting",
  description:
    "name, categories, format and destinations; a destination set to null is removed, a new one starts with what arrives from now on, a changed one keeps its cursor. Omitted secrets are kept.",
  params: SettingParams,
  body: SettingPatchSchema,
  bodyCheckedByHandler: true,
  responses: { 200: SettingSchema },
  errors: [404, 409],
});

export const deleteSetting = defineRoute({
  ...common,
  method: "DELETE",
  url: `${BASE}/:settingId`,
  operationId: "deleteSetting",
  summary: "Delete a setting, its cursors and parked batches",
  params: SettingParams,
  responses: { 204: null },
  errors: [404],
});

const action = (verb: "pause" | "resume", summary: string, description: string) =>
  ({
    ...common,
    method: "POST",
    url: `${BASE}/:settingId/${verb}`,
    operationId: `${verb}Setting`,
    summary,
    description,
    params: SettingParams,
    querystring: DestinationQuery,
    responses: { 200: SettingSchema },
    errors: [404],
  }) as const;

export const pauseSetting = defineRoute(
  action("pause", "Pause delivery", "Records keep accumulating in the log and are delivered on resume."),
);
export const resumeSetting = defineRoute(
  action("resume", "Resume delivery", "Also clears the backoff of a failing destination."),
);

export const backfillSetting = defineRoute({
  ...common,
  method: "POST",
  url: `${BASE}/:settingId/backfill`,
  operationId: "backfillSetting",
  summary: "Deliver again from a time",
  description:
    "Moves the cursor so delivery restarts and delivers exactly what was received at or after `from` (at least once: receivers de-duplicate on record ids). 409 BACKFILL_BEYOND_HORIZON when `from` is before the oldest delivered entry still kept.",
  params: SettingParams,
  querystring: DestinationQuery,
  body: Type.Object(
    { from: Type.String({ maxLength: 64, description: "ISO 8601 date-time." }) },
    { additionalProperties: false },
  ),
  bodyCheckedByHandler: true,
  responses: { 200: SettingSchema },
  errors: [404, 409],
});

export const TestResultSchema = Type.Object(
  {
    type: oneOf(DESTINATION_TYPES),
    ok: Type.Boolean(),
    ms: Type.Integer(),
    error: Type.Optional(Type.String()),
    code: Type.Optional(
      Type.Literal("DESTINATION_ADDRESS_REFUSED", {
        description: "Set when the outbound policy refused the destination's address.",
      }),
    ),
  },
  { additionalProperties: false },
);

export const testSetting = defineRoute({
  ...common,
  method: "POST",
  url: `${BASE}/:settingId/test`,
  operationId: "testSetting",
  summary: "Send a test record now",
  description:
    "One clearly marked record (callId aftercall-test-call) in the setting's format, outside the delivery log.",
  params: SettingParams,
  querystring: DestinationQuery,
  responses: { 200: Type.Object({ results: Type.Array(TestResultSchema) }, { additionalProperties: false }) },
  errors: [404],
});

export const ParkedBatchSchema = Type.Object(
  {
    id: Type.String(),
    type: oneOf(DESTINATION_TYPES),
    destinationId: Type.String(),
    fromSeq: Type.Integer(),
    toSeq: Type.Integer(),
    records: Type.Integer(),
    attempts: Type.Integer(),
    error: Type.String(),
    parkedAtMs: Type.Integer(),
    retryRequested: Type.Boolean(),
  },
  { additionalProperties: false },
);

export const listParked = defineRoute({
  ...common,
  method: "GET",
  url: `${BASE}/:settingId/parked`,
  operationId: "listParked",
  summary: "Batches parked after failing too often",
  params: SettingParams,
  responses: { 200: ItemsOf(ParkedBatchSchema) },
  errors: [404],
});

const Requested = Type.Object({ requested: Type.Integer() }, { additionalProperties: false });

export const retryParked = defineRoute({
  ...common,
  method: "POST",
  url: `${BASE}/:settingId/parked/retry`,
  operationId: "retryParked",
  summary: "Retry every parked batch of the setting",
  params: SettingParams,
  responses: { 200: Requested },
  errors: [404],
});

export const retryParkedBatch = defineRoute({
  ...common,
  method: "POST",
  url: `${BASE}/:settingId/parked/:parkedId/retry`,
  operationId: "retryParkedBatch",
  summary: "Retry one parked batch",
  params: Type.Object(
    {
      projectId: ProjectIdSchema,
      settingId: Type.String({ minLength: 1, maxLength: 100 }),
      parkedId: Type.String({ minLength: 1, maxLength: 100 }),
    },
    { additionalProperties: false },
  ),
  responses: { 200: Requested },
  errors: [404],
});
