/**
 * What a failure may say to a project admin about the remote end: a status, a short code. Never a body,
 * an address or a free-text message of the remote (it could be whatever an internal service answers).
 */
import { ADDRESS_REFUSED, OutboundRefusedError } from "../outbound-policy.js";

/** A service or socket error code (`NoSuchBucket`, `ECONNREFUSED`) as " code", or "" for anything else. */
export function serviceCode(code: unknown): string {
  return typeof code === "string" && /^[A-Za-z0-9_.-]{1,64}$/.test(code) ? ` ${code}` : "";
}

/** The policy's refusal behind an error (possibly wrapped by an SDK as a cause), if that is what it is. */
export function refusalOf(error: unknown): OutboundRefusedError | undefined {
  let e = error;
  for (let depth = 0; e && depth < 6; depth++) {
    if (e instanceof OutboundRefusedError) return e;
    // Some SDKs rebuild the error and keep only its code.
    if ((e as { code?: unknown }).code === ADDRESS_REFUSED)
      return new OutboundRefusedError("the destination", "unknown");
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}
