import type { ValidationCode, ValidationIssue } from "@aftercall/schema";
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { AftercallError, type ErrorBody } from "../errors.js";
import { storeFailureKind } from "../store/store-health.js";

/** One problem ajv found with a declared parameter, query or body (Fastify's `error.validation`). */
interface SchemaProblem {
  keyword: string;
  instancePath: string;
  message?: string;
  params: Record<string, unknown>;
}

/** `/destinations/webhook/url` → `destinations.webhook.url`; array indexes as `[3]`. */
function dotted(pointer: string): string {
  return pointer
    .split("/")
    .slice(1)
    .map((segment) => segment.replace(/~1/g, "/").replace(/~0/g, "~"))
    .reduce(
      (path, segment) =>
        /^\d+$/.test(segment) ? `${path}[${segment}]` : path ? `${path}.${segment}` : segment,
      "",
    );
}

const CODES: Record<string, ValidationCode> = {
  required: "REQUIRED",
  additionalProperties: "UNKNOWN_FIELD",
  type: "INVALID_TYPE",
  maxLength: "TOO_LONG",
  maxItems: "TOO_LONG",
};

/** A sentence naming the field, never echoing a body's value (it may be a secret). */
function describe(problem: SchemaProblem, inQuery: boolean): ValidationIssue {
  const base = dotted(problem.instancePath);
  const child = (name: unknown) => (base ? `${base}.${String(name)}` : String(name));
  const code = CODES[problem.keyword] ?? "INVALID_FORMAT";
  switch (problem.keyword) {
    case "additionalProperties": {
      const path = child(problem.params.additionalProperty);
      return {
        code,
        path,
        message: inQuery ? `Unknown parameter "${path}".` : `${path} is not a known field.`,
      };
    }
    case "required": {
      const path = child(problem.params.missingProperty);
      return { code, path, message: `${path} is required.` };
    }
    case "enum": {
      const allowed = (problem.params.allowedValues as unknown[]).join(", ");
      return { code, path: base, message: `${base} must be one of ${allowed}.` };
    }
    default:
      return { code, path: base, message: `${base || "The body"} ${problem.message ?? "is invalid"}.` };
  }
}

/**
 * A request that broke its route's declared schema: parameters and query answer INVALID_PARAMETER, a
 * body VALIDATION_FAILED with every problem; each message names the field.
 */
function fromSchemaError(error: FastifyError & { validation: SchemaProblem[] }): AftercallError {
  const context = (error as { validationContext?: string }).validationContext;
  const issues = error.validation.map((p) => describe(p, context !== "body"));
  const first = issues[0] as ValidationIssue;
  return context === "body"
    ? new AftercallError("VALIDATION_FAILED", first.message, issues.slice(0, 100))
    : new AftercallError("INVALID_PARAMETER", first.message);
}

function toAftercallError(error: unknown): AftercallError {
  if (error instanceof AftercallError) return error;
  const e = error as FastifyError & { validation?: SchemaProblem[] };
  if (Array.isArray(e.validation))
    return fromSchemaError(e as FastifyError & { validation: SchemaProblem[] });
  // A write anywhere (a rate bucket's lease, say) that the store refused: a full disk is not a bug.
  if (storeFailureKind(error))
    return Object.assign(
      new AftercallError(
        "STORE_UNAVAILABLE",
        "The store did not accept the write; nothing was written. Please try again.",
      ),
      { cause: error },
    );
  switch (e.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return new AftercallError(
        "PAYLOAD_TOO_LARGE",
        "The request body is larger than this endpoint accepts.",
      );
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
    case "FST_ERR_CTP_INVALID_CONTENT_LENGTH":
      return new AftercallError("UNSUPPORTED_MEDIA_TYPE", "Send the body as application/json or text/plain.");
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return new AftercallError("INVALID_JSON", "The request body is empty; send a JSON survey.");
  }
  if (e.statusCode === 400) return new AftercallError("INVALID_JSON", "The request could not be read.");
  if (e.statusCode === 415)
    return new AftercallError("UNSUPPORTED_MEDIA_TYPE", "Send the body as application/json or text/plain.");
  if (e.statusCode === 413) return new AftercallError("PAYLOAD_TOO_LARGE", "The request body is too large.");
  return new AftercallError("INTERNAL", "Something went wrong on our side; the error was logged.");
}

/**
 * Answer an error as `{code, message, requestId, errors?}`, logging server faults without the body. A
 * commit the store refused goes to `onStoreFailure` (one log line per interval, see StoreHealth) rather
 * than a stack per request.
 */
export function sendError(
  error: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
  onStoreFailure?: (cause: unknown) => void,
): FastifyReply {
  const mapped = toAftercallError(error);
  if (mapped.code === "STORE_UNAVAILABLE" && onStoreFailure)
    onStoreFailure((mapped as { cause?: unknown }).cause ?? error);
  else if (mapped.status >= 500) {
    // Log the original error (stack, cause) but never the request body: surveys hold personal text.
    request.log.error(
      { err: error, cause: (mapped as { cause?: unknown }).cause, requestId: request.id },
      "request failed",
    );
  }
  request.errorCode = mapped.code;
  const body: ErrorBody = { code: mapped.code, message: mapped.message, requestId: request.id };
  if (mapped.errors) body.errors = mapped.errors;
  // Refused before its body arrived (auth, type, length, rate): close rather than read the rest of it.
  if (!request.raw.complete) reply.header("connection", "close");
  if (mapped.code === "SHUTTING_DOWN") reply.header("connection", "close").header("retry-after", "1");
  // A 503 always says when to retry (the SDK honours Retry-After).
  if (mapped.code === "STORE_UNAVAILABLE" && !reply.hasHeader("retry-after"))
    reply.header("retry-after", "5");
  return reply.code(mapped.status).send(body);
}

/** One line per request: route pattern (never the raw URL, which may carry a key), status, timing, ids. */
export function logRequest(request: FastifyRequest, reply: FastifyReply): void {
  if (request.routeOptions.url === "/healthz" || request.routeOptions.url === "/readyz") return;
  request.log.info(
    {
      method: request.method,
      route: request.routeOptions.url ?? "(unmatched)",
      status: reply.statusCode,
      ms: Math.round(reply.elapsedTime * 100) / 100,
      projectId: request.projectId,
      surveys: request.surveyCount,
      error: request.errorCode,
    },
    "request",
  );
}
