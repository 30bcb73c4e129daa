import type { FastifyInstance, FastifyRequest } from "fastify";
import { AftercallError } from "../errors.js";

/** JSON bodies as application/json or text/plain (what navigator.sendBeacon sends). */
export function installBodyParsers(fastify: FastifyInstance): void {
  fastify.removeAllContentTypeParsers();
  const parse = (
    _req: FastifyRequest,
    body: string | Buffer,
    done: (err: Error | null, value?: unknown) => void,
  ) => {
    const text = body.toString();
    if (text.trim() === "")
      return done(new AftercallError("INVALID_JSON", "The request body is empty; send a JSON survey."));
    try {
      done(null, JSON.parse(text));
    } catch (e) {
      done(new AftercallError("INVALID_JSON", `The request body is not valid JSON: ${(e as Error).message}`));
    }
  };
  fastify.addContentTypeParser(["application/json", "text/plain"], { parseAs: "string" }, parse);
}
