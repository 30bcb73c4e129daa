import { VALIDATION_CODES } from "@aftercall/schema";
import { type Static, Type } from "typebox";
import { oneOf } from "./common.js";

/**
 * The closed list of error codes the HTTP API answers with, and their status. Clients switch on `code`;
 * `message` is for people and may be reworded.
 */
export const ERROR_STATUS = {
  /** The survey (or a survey of a batch) broke a schema rule; `errors` lists each problem. */
  VALIDATION_FAILED: 400,
  /** The body is not JSON. */
  INVALID_JSON: 400,
  /** The body is not valid UTF-8, or does not decode with its Content-Encoding. */
  INVALID_ENCODING: 400,
  /** A query-string or path parameter is malformed; the message names it. */
  INVALID_PARAMETER: 400,
  /**
   * A destination's host is (or resolves to) an address the server's outbound policy refuses: loopback,
   * private, link-local, CGNAT, multicast, metadata… The operator may allow hosts (AFTERCALL_OUTBOUND_ALLOW).
   */
  DESTINATION_ADDRESS_REFUSED: 400,
  /**
   * An update changes where a destination's secret goes (URL, endpoint, servers, account, bucket…) without
   * sending the secret again: a stored secret is never sent to a new target.
   */
  SECRET_REQUIRED_FOR_NEW_TARGET: 400,
  /**
   * A webhook with payload `slack` or `teams` is in a setting whose categories are not exactly
   * `CallSurveyAlert`: chat payloads carry alerts only.
   */
  CHAT_PAYLOAD_ALERTS_ONLY: 400,
  /** No key, or a key that does not exist or was revoked. */
  UNAUTHORIZED: 401,
  /** The key is valid but may not do this (e.g. an ingest key reading surveys). */
  FORBIDDEN: 403,
  /** The request's Origin is not in the project's allowed origins. */
  ORIGIN_NOT_ALLOWED: 403,
  NOT_FOUND: 404,
  /** A survey with this id was already stored with different content. */
  SURVEY_CONFLICT: 409,
  /** A project with this id already exists. */
  PROJECT_EXISTS: 409,
  /** A project already has the most diagnostic settings allowed (5). */
  SETTING_LIMIT_REACHED: 409,
  /** A project already has the most alert rules allowed (50). */
  ALERT_RULE_LIMIT_REACHED: 409,
  /** A diagnostic setting with this name already exists in the project. */
  SETTING_EXISTS: 409,
  /** A backfill from before the oldest delivered entry still kept (the backfill horizon). */
  BACKFILL_BEYOND_HORIZON: 409,
  /** The body did not arrive in time (answered by the HTTP layer itself, without a JSON body). */
  REQUEST_TIMEOUT: 408,
  /** The declared, received or decoded body is larger than the endpoint accepts. */
  PAYLOAD_TOO_LARGE: 413,
  /** Content-Type is neither application/json nor text/plain, or a Content-Encoding other than gzip, deflate, br. */
  UNSUPPORTED_MEDIA_TYPE: 415,
  /** A rate limit (per ingest key or client address) or too many connections; retry after `Retry-After` seconds. */
  RATE_LIMITED: 429,
  /** The project's daily quota is used up; `Retry-After` says when it renews (midnight UTC). */
  QUOTA_EXCEEDED: 429,
  /** The server is shutting down; retry against another instance or later. */
  SHUTTING_DOWN: 503,
  /** The store did not accept the commit; nothing was written; retry. */
  STORE_UNAVAILABLE: 503,
  /** A bug. Logged with the request id. */
  INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** Codes of alert-rule problems beyond the survey validator's (see docs/alerts.md). */
export const ALERT_RULE_ISSUE_CODES = ["UNKNOWN_CATEGORY", "TOO_MANY", "EFFECT_UNREACHABLE"] as const;

export const ValidationIssueSchema = Type.Object(
  {
    code: oneOf([...VALIDATION_CODES, ...ALERT_RULE_ISSUE_CODES]),
    path: Type.String({ description: "Dotted path of the offending field; empty for the whole input." }),
    message: Type.String(),
  },
  { additionalProperties: false },
);

/** The JSON body of every error response. */
export const ErrorBodySchema = Type.Object(
  {
    code: oneOf(Object.keys(ERROR_STATUS) as ErrorCode[]),
    message: Type.String(),
    requestId: Type.String(),
    errors: Type.Optional(Type.Array(ValidationIssueSchema, { description: "One entry per problem." })),
  },
  { additionalProperties: false, title: "Error" },
);

export type ErrorBody = Static<typeof ErrorBodySchema>;
