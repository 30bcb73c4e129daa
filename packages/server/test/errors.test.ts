/**
 * AftercallError: a client error (4xx) is an answer and carries no stack trace, which would cost a flood
 * of refused requests CPU for nothing; a server error (5xx) keeps its stack for the log.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AftercallError } from "../src/errors.js";

describe("AftercallError", () => {
  it("carries its code, status and message, and no stack frames when it answers a client (4xx)", () => {
    const error = new AftercallError("RATE_LIMITED", "Too many surveys from this address");
    assert.equal(error.status, 429);
    assert.equal(error.code, "RATE_LIMITED");
    assert.equal(error.message, "Too many surveys from this address");
    assert.ok(error instanceof Error);
    assert.doesNotMatch(String(error.stack), /\n\s+at /);
  });

  it("keeps the stack of a server error (5xx)", () => {
    const error = new AftercallError("STORE_UNAVAILABLE", "The store refused the write");
    assert.equal(error.status, 503);
    assert.match(String(error.stack), /\n\s+at /);
  });

  it("leaves Error.stackTraceLimit as it found it, so other errors keep their stacks", () => {
    const before = Error.stackTraceLimit;
    new AftercallError("INVALID_JSON", "The body is not JSON");
    assert.equal(Error.stackTraceLimit, before);
    assert.match(String(new Error("plain").stack), /\n\s+at /);
  });
});
