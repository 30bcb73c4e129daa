import { ERROR_STATUS, type ErrorCode } from "@aftercall/api";
import type { ValidationIssue } from "@aftercall/schema";

export { ERROR_STATUS, type ErrorBody, type ErrorCode } from "@aftercall/api";

/**
 * The one error type that crosses the HTTP boundary, with a code from the closed list of the API
 * contract (`@aftercall/api`). Anything else thrown is answered as INTERNAL.
 */
export class AftercallError extends Error {
  override readonly name = "AftercallError";
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly errors?: ValidationIssue[],
  ) {
    super(message);
    this.status = ERROR_STATUS[code];
  }
}
