/**
 * `@aftercall/api`: the Aftercall HTTP API contract. Every route is declared once here — its path
 * parameters, query, body and responses as TypeBox schemas — and from these declarations come the
 * server's validation and handler types, the OpenAPI document at `/openapi.json`, and the types of
 * every client (the dashboard's among them), so none of them re-declares a shape by hand.
 *
 * @example
 * ```ts
 * import { analyticsSummary, type RouteReply } from "@aftercall/api";
 * type Summary = RouteReply<typeof analyticsSummary>;
 * ```
 *
 * @module
 */
import * as alerts from "./alerts.js";
import * as analytics from "./analytics.js";
import * as callQuality from "./call-quality.js";
import * as client from "./client.js";
import * as delivery from "./delivery.js";
import * as lifecycle from "./lifecycle.js";
import * as limits from "./limits.js";
import * as projects from "./projects.js";
import type { RouteDeclaration } from "./route.js";
import * as surveys from "./surveys.js";
import * as system from "./system.js";

export * from "./alerts.js";
export * from "./analytics.js";
export * from "./call-quality.js";
export * from "./client.js";
export * from "./common.js";
export * from "./delivery.js";
export * from "./errors.js";
export * from "./filters.js";
export * from "./lifecycle.js";
export * from "./limits.js";
export { type OpenApiInfo, openApiDocument, openApiPath } from "./openapi.js";
export * from "./projects.js";
export * from "./route.js";
export * from "./surveys.js";
export * from "./surveys-schema.js";
export * from "./system.js";

const isRoute = (value: unknown): value is RouteDeclaration =>
  typeof value === "object" && value !== null && "operationId" in value && "responses" in value;

/** Every route of the API, in a stable order. */
export const ROUTES: readonly RouteDeclaration[] = [
  system,
  surveys,
  client,
  projects,
  limits,
  analytics,
  callQuality,
  delivery,
  lifecycle,
  alerts,
]
  .flatMap((module) => Object.values(module))
  .filter(isRoute);
