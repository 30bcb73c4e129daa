import { ERROR_STATUS, type ErrorCode } from "@aftercall/api";
import type { ValidationIssue } from "@aftercall/schema";

export { ERROR_STATUS, type ErrorBody, type ErrorCode } from "@aftercall/api";

/**
 * Sets `Error.stackTraceLimit` to 0 for an error that answers a client (4xx) and returns the message.
 * Such an error is an answer, not a fault: nothing reads its stack, and under a flood of refused requests
 * capturing it was 4.5 % of the server's busy time (bench:abuse CPU profile). Restored by
 * {@link restoreStackLimit} right after the `super` call it is an argument of.
 */
let savedStackLimit = Error.stackTraceLimit;
function withoutStackFor(code: ErrorCode, message: string): string {
  savedStackLimit = Error.stackTraceLimit;
  if (ERROR_STATUS[code] < 500) Error.stackTraceLimit = 0;
  return message;
}
function restoreStackLimit(): void {
  Error.stackTraceLimit = savedStackLimit;
}

/**
 * The one error type that crosses the HTTP boundary, with a code from the closed list of the API
 * contract (`@aftercall/api`). Anything else thrown is answered as INTERNAL. Client errors (4xx) carry
 * no stack trace; server errors (5xx) do.
 */
export class AftercallError extends Error {
  override readonly name = "AftercallError";
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly errors?: ValidationIssue[],
  ) {
    super(withoutStackFor(code, message));
    restoreStackLimit();
    this.status = ERROR_STATUS[code];
  }
}
