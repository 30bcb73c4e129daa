import type { SurveyError, SurveyErrorKind } from "./types.js";

/** Kind of each permanent 4xx answer; other 4xx mean a misconfigured client (wrong endpoint, route). */
const KIND_OF_STATUS: Record<number, SurveyErrorKind> = {
  400: "validation",
  401: "unauthorized",
  403: "forbidden",
  409: "conflict",
  413: "validation",
  415: "validation",
  429: "rate-limited",
};

/** Turn an HTTP error answer (`{ code, message, errors? }` from the server, or anything) into a value. */
export function httpError(status: number, body: unknown): SurveyError {
  const { message, errors } = (body ?? {}) as Partial<SurveyError>;
  const kind = KIND_OF_STATUS[status] ?? (status >= 500 ? "server" : "config");
  return { kind, message: message ?? `HTTP ${status}`, code: status, ...(errors && { errors }) };
}

/** The request never got an answer. Message and code are those of ACS for the same case (V6). */
export const networkError = (): SurveyError => ({ kind: "network", message: "Please try again.", code: 408 });
