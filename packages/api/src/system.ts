import { Type } from "typebox";
import { defineRoute } from "./route.js";

/**
 * Health, readiness, the API description, metrics, and the pages the server serves (dashboard, demo,
 * widget bundle).
 *
 * @module
 */

export const healthz = defineRoute({
  method: "GET",
  url: "/healthz",
  operationId: "healthz",
  summary: "Liveness",
  tags: ["system"],
  auth: "public",
  responses: { 200: Type.Object({ status: Type.Literal("ok") }, { additionalProperties: false }) },
});

export const readyz = defineRoute({
  method: "GET",
  url: "/readyz",
  operationId: "readyz",
  summary: "Readiness (the store commits, not shutting down)",
  description:
    "503 with Retry-After while shutting down or while the store refuses commits (a one-row write, checked at most every 2 s, and any commit refused within that time); `reason` says why: disk-full, read-only or unavailable.",
  tags: ["system"],
  auth: "public",
  responses: {
    200: Type.Object(
      { status: Type.Literal("ready"), store: Type.String() },
      { additionalProperties: false },
    ),
    503: Type.Object(
      {
        status: Type.String({ description: "shutting-down or store-unavailable" }),
        store: Type.Optional(Type.String()),
        reason: Type.Optional(
          Type.String({ description: "Why the store refuses commits: disk-full, read-only or unavailable." }),
        ),
      },
      { additionalProperties: false },
    ),
  },
});

export const openApi = defineRoute({
  method: "GET",
  url: "/openapi.json",
  operationId: "openApi",
  summary: "This API description (OpenAPI 3.1)",
  tags: ["system"],
  auth: "public",
  responses: { 200: { mediaType: "application/json", description: "The OpenAPI document." } },
});

export const metrics = defineRoute({
  method: "GET",
  url: "/metrics",
  operationId: "metrics",
  summary: "Prometheus metrics (operator token)",
  description:
    "Per destination: aftercall_destination_lag_seconds, _undelivered_records, _parked_batches, _parked_records, _last_success_timestamp_seconds, _failed_attempts, _paused. Per process: aftercall_delivery_records_total, _failures_total, _parked_total, the aftercall_delivery_lag_seconds histogram, aftercall_refusals_held (429s held because their address ignored Retry-After), and Node process metrics.",
  tags: ["system"],
  auth: "operator",
  responses: { 200: { mediaType: "text/plain", description: "Prometheus text exposition format." } },
});

export const dashboardPage = defineRoute({
  method: "GET",
  url: "/",
  operationId: "dashboardPage",
  summary: "The analytics dashboard (sign in with an admin token)",
  tags: ["pages"],
  auth: "public",
  responses: { 200: { mediaType: "text/html", description: "The dashboard's page." } },
  errors: [404],
});

export const dashboardAsset = defineRoute({
  method: "GET",
  url: "/assets/:name",
  operationId: "dashboardAsset",
  summary: "The dashboard's content-hashed files (cached as immutable)",
  tags: ["pages"],
  auth: "public",
  params: Type.Object({ name: Type.String({ maxLength: 200 }) }, { additionalProperties: false }),
  responses: { 200: { mediaType: "application/octet-stream", description: "JavaScript, CSS or a font." } },
  errors: [404],
});

export const demoPage = defineRoute({
  method: "GET",
  url: "/demo",
  operationId: "demoPage",
  summary: "Simulated call page with the survey widget",
  tags: ["pages"],
  auth: "public",
  responses: { 200: { mediaType: "text/html", description: "The demo page." } },
});

export const widgetFile = defineRoute({
  method: "GET",
  url: "/widget/:file",
  operationId: "widgetFile",
  summary: "The survey widget's bundle and its language files",
  tags: ["pages"],
  auth: "public",
  params: Type.Object({ file: Type.String({ maxLength: 200 }) }, { additionalProperties: false }),
  responses: { 200: { mediaType: "text/javascript", description: "An ES module." } },
  errors: [404],
});
