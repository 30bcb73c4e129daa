import type { FastifyInstance, FastifyRequest } from "fastify";
import { AftercallError } from "../errors.js";

/** Strict: a malformed byte sequence is refused, never replaced with U+FFFD. */
const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/** JSON bodies as application/json or text/plain (what navigator.sendBeacon sends). */
export function installBodyParsers(fastify: FastifyInstance): void {
  fastify.removeAllContentTypeParsers();
  const parse = (
    _req: FastifyRequest,
    body: string | Buffer,
    done: (err: Error | null, value?: unknown) => void,
  ) => {
    let text: string;
    try {
      text = typeof body === "string" ? body : UTF8.decode(body);
    } catch {
      return done(
        new AftercallError(
          "INVALID_ENCODING",
          "The request body is not valid UTF-8; send it encoded as UTF-8.",
        ),
      );
    }
    if (text.trim() === "")
      return done(new AftercallError("INVALID_JSON", "The request body is empty; send a JSON survey."));
    try {
      done(null, JSON.parse(text));
    } catch (e) {
      done(new AftercallError("INVALID_JSON", `The request body is not valid JSON: ${(e as Error).message}`));
    }
  };
  fastify.addContentTypeParser(["application/json", "text/plain"], { parseAs: "buffer" }, parse);
}
