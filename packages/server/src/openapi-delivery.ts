import { DESTINATION_TYPES, LOG_CATEGORIES } from "./delivery/destination.js";
import { MAX_SETTINGS_PER_PROJECT, RECORD_FORMATS } from "./delivery/settings.js";

const json = (schema: object) => ({ content: { "application/json": { schema } } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const error = (description: string) => ({ description, ...json(ref("Error")) });

const errors = {
  "400": error("Invalid setting (VALIDATION_FAILED) or parameter (INVALID_PARAMETER)"),
  "401": error("Missing or unknown token (UNAUTHORIZED)"),
  "403": error("Not an admin token (FORBIDDEN)"),
  "404": error("No such project, setting, destination or parked batch (NOT_FOUND)"),
};
const security = [{ adminToken: [] }];
const projectId = { name: "projectId", in: "path", required: true, schema: { type: "string" } };
const settingId = { name: "settingId", in: "path", required: true, schema: { type: "string" } };
const destination = {
  name: "destination",
  in: "query",
  schema: { enum: [...DESTINATION_TYPES] },
  description: "Only this destination of the setting (default: all of them).",
};
const setting = {
  description: "The setting with each destination's status",
  ...json(ref("DiagnosticSetting")),
};

/** Schemas of the diagnostic-settings API, merged into `components.schemas`. */
export function deliverySchemas(): Record<string, unknown> {
  const destinations = {
    type: "object",
    description:
      "At most one destination per type, keyed by type; each value is that type's configuration (docs/configuration.md), optionally with its own `format` (native or acs; default: the setting's). Secrets (webhook secret, connection strings, keys, tokens) are write-only: reads show them as set, and an update that omits one keeps it.",
    propertyNames: { enum: [...DESTINATION_TYPES] },
    additionalProperties: { type: ["object", "null"] },
  };
  return {
    DiagnosticSettingInput: {
      type: "object",
      required: ["name", "destinations"],
      additionalProperties: false,
      properties: {
        name: { type: "string", pattern: "^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$" },
        categories: {
          type: "array",
          items: { enum: [...LOG_CATEGORIES, "allLogs"] },
          default: ["CallSurvey"],
        },
        format: { enum: [...RECORD_FORMATS], default: "acs" },
        destinations,
        backfillFrom: {
          type: "string",
          format: "date-time",
          description:
            "Also deliver what was stored since this time (default: only what arrives from now on).",
        },
      },
    },
    DiagnosticSetting: {
      type: "object",
      properties: {
        id: { type: "string" },
        projectId: { type: "string" },
        name: { type: "string" },
        categories: { type: "array", items: { enum: [...LOG_CATEGORIES] } },
        format: { enum: [...RECORD_FORMATS] },
        createdAt: { type: "string", format: "date-time" },
        updatedAt: { type: "string", format: "date-time" },
        destinations: {
          type: "array",
          items: {
            type: "object",
            properties: {
              id: { type: "string" },
              type: { enum: [...DESTINATION_TYPES] },
              format: { enum: [...RECORD_FORMATS] },
              config: { type: "object", description: "Configuration without secrets." },
              paused: { type: "boolean" },
              status: {
                type: "object",
                properties: {
                  state: { enum: ["paused", "caught-up", "delivering", "retrying"] },
                  lagSeconds: {
                    type: "number",
                    description: "Age of the oldest undelivered record; 0 when caught up.",
                  },
                  undelivered: { type: "integer", description: "Counted up to 100000." },
                  deliveredRecords: { type: "integer" },
                  lastSuccessAt: { type: "string", format: "date-time" },
                  lastError: { type: "string" },
                  lastErrorAt: { type: "string", format: "date-time" },
                  failedAttempts: { type: "integer" },
                  nextAttemptAt: { type: "string", format: "date-time" },
                  parkedBatches: { type: "integer" },
                  parkedRecords: { type: "integer" },
                },
              },
            },
          },
        },
      },
    },
  };
}

/** Paths of the diagnostic-settings API and `/metrics`, merged into `paths`. */
export function deliveryPaths(): Record<string, unknown> {
  const base = "/v1/projects/{projectId}/diagnostic-settings";
  const action = (summary: string, description: string, extra: object = {}) => ({
    post: {
      summary,
      description,
      security,
      parameters: [projectId, settingId, destination],
      ...extra,
      responses: { "200": setting, ...errors },
    },
  });
  return {
    [base]: {
      get: {
        summary: "List a project's diagnostic settings",
        security,
        parameters: [projectId],
        responses: { "200": { description: "{items: DiagnosticSetting[]}" }, ...errors },
      },
      post: {
        summary: "Create a diagnostic setting",
        description: `Routes the chosen log categories to up to one destination of each type (${DESTINATION_TYPES.join(", ")}). At most ${MAX_SETTINGS_PER_PROJECT} per project (409 SETTING_LIMIT_REACHED); names are unique per project (409 SETTING_EXISTS).`,
        security,
        parameters: [projectId],
        requestBody: { required: true, ...json(ref("DiagnosticSettingInput")) },
        responses: { "201": setting, ...errors, "409": error("SETTING_LIMIT_REACHED or SETTING_EXISTS") },
      },
    },
    [`${base}/{settingId}`]: {
      get: {
        summary: "Read a setting and its destinations' status",
        security,
        parameters: [projectId, settingId],
        responses: { "200": setting, ...errors },
      },
      patch: {
        summary: "Update a setting",
        description:
          "name, categories, format and destinations; a destination set to null is removed, a new one starts with what arrives from now on, a changed one keeps its cursor. Omitted secrets are kept.",
        security,
        parameters: [projectId, settingId],
        requestBody: { required: true, ...json({ type: "object" }) },
        responses: { "200": setting, ...errors, "409": error("SETTING_EXISTS") },
      },
      delete: {
        summary: "Delete a setting, its cursors and parked batches",
        security,
        parameters: [projectId, settingId],
        responses: { "204": { description: "Deleted" }, ...errors },
      },
    },
    [`${base}/{settingId}/pause`]: action(
      "Pause delivery",
      "Records keep accumulating in the log and are delivered on resume.",
    ),
    [`${base}/{settingId}/resume`]: action(
      "Resume delivery",
      "Also clears the backoff of a failing destination.",
    ),
    [`${base}/{settingId}/backfill`]: action(
      "Deliver again from a time",
      "Moves the cursor so delivery restarts with what was received at or after `from` (at least once: receivers de-duplicate on record ids).",
      {
        requestBody: {
          required: true,
          ...json({
            type: "object",
            required: ["from"],
            properties: { from: { type: "string", format: "date-time" } },
          }),
        },
      },
    ),
    [`${base}/{settingId}/test`]: {
      post: {
        summary: "Send a test record now",
        description:
          "One clearly marked record (callId aftercall-test-call) in the setting's format, outside the delivery log.",
        security,
        parameters: [projectId, settingId, destination],
        responses: { "200": { description: "{results: [{type, ok, ms, error?}]}" }, ...errors },
      },
    },
    [`${base}/{settingId}/parked`]: {
      get: {
        summary: "Batches parked after failing too often",
        security,
        parameters: [projectId, settingId],
        responses: {
          "200": {
            description:
              "{items: [{id, type, destinationId, fromSeq, toSeq, records, attempts, error, parkedAtMs, retryRequested}]}",
          },
          ...errors,
        },
      },
    },
    [`${base}/{settingId}/parked/retry`]: {
      post: {
        summary: "Retry every parked batch of the setting",
        security,
        parameters: [projectId, settingId],
        responses: { "200": { description: "{requested}" }, ...errors },
      },
    },
    [`${base}/{settingId}/parked/{parkedId}/retry`]: {
      post: {
        summary: "Retry one parked batch",
        security,
        parameters: [
          projectId,
          settingId,
          { name: "parkedId", in: "path", required: true, schema: { type: "string" } },
        ],
        responses: { "200": { description: "{requested: 1}" }, ...errors },
      },
    },
    "/metrics": {
      get: {
        summary: "Prometheus metrics (operator token)",
        description:
          "Per destination: aftercall_destination_lag_seconds, _undelivered_records, _parked_batches, _parked_records, _last_success_timestamp_seconds, _failed_attempts, _paused. Per process: aftercall_delivery_records_total, _failures_total, _parked_total, the aftercall_delivery_lag_seconds histogram, and Node process metrics.",
        security: [{ adminToken: [] }],
        responses: { "200": { description: "Prometheus text exposition format" }, ...errors },
      },
    },
  };
}
