import type { IncomingMessage, ServerResponse } from "node:http";
import type { Server, Socket } from "node:net";
import { Transform } from "node:stream";
import { createBrotliDecompress, createGunzip, createInflate } from "node:zlib";
import type { FastifyReply, FastifyRequest } from "fastify";
import { AftercallError } from "../errors.js";

/** What a request must look like before its body is read, and how long its body may take. */
export interface IngressOptions {
  /** Most time to receive a whole request (headers and body), ms; then 408 and the connection is closed. */
  bodyTimeoutMs: number;
  /** Most open connections from one socket address; more are answered 429 and closed at once. 0: no cap. */
  maxConnectionsPerAddress: number;
}

export const DEFAULT_INGRESS: IngressOptions = { bodyTimeoutMs: 5_000, maxConnectionsPerAddress: 512 };

const BODY_TYPES = new Set(["application/json", "text/plain"]);
const ENCODINGS = new Set(["identity", "gzip", "x-gzip", "deflate", "br"]);

/** Whether the request announces a body (a length above zero or a chunked transfer). */
function hasBody(request: Pick<IncomingMessage, "headers">): boolean {
  const length = request.headers["content-length"];
  if (length !== undefined) return length !== "0";
  return request.headers["transfer-encoding"] !== undefined;
}

/**
 * The route-level check run right after authentication and before a single body byte is read: the media
 * type, the content coding and the declared length. An answer here closes the connection (see
 * `sendError`), so a refused body is never read off the socket.
 */
export async function checkBodyHeaders(request: FastifyRequest): Promise<void> {
  if (!hasBody(request)) return;
  const type = (request.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  if (!BODY_TYPES.has(type))
    throw new AftercallError("UNSUPPORTED_MEDIA_TYPE", "Send the body as application/json or text/plain.");
  const encoding = contentEncoding(request);
  if (encoding !== undefined && !ENCODINGS.has(encoding))
    throw new AftercallError(
      "UNSUPPORTED_MEDIA_TYPE",
      `Content-Encoding "${encoding.slice(0, 32)}" is not supported; send gzip, deflate, br or no encoding.`,
    );
  const declared = Number(request.headers["content-length"]);
  const limit = request.routeOptions.bodyLimit;
  if (Number.isFinite(declared) && limit !== undefined && declared > limit)
    throw new AftercallError(
      "PAYLOAD_TOO_LARGE",
      `The request body is larger than this endpoint accepts (${limit} bytes).`,
    );
}

/** The one content coding of a request, lower-cased; undefined for none. Stacked codings are refused. */
function contentEncoding(request: FastifyRequest): string | undefined {
  const raw = request.headers["content-encoding"];
  if (raw === undefined || raw.trim() === "") return undefined;
  return raw.trim().toLowerCase();
}

function decoderFor(encoding: string) {
  if (encoding === "gzip" || encoding === "x-gzip") return createGunzip();
  if (encoding === "deflate") return createInflate();
  return createBrotliDecompress();
}

/**
 * preParsing: a gzip, deflate or br body is decoded as it streams, counting the decoded bytes. Past the
 * route's body limit the decoder is stopped and the request answered 413, so a compression bomb costs at
 * most the limit (plus one decoder chunk) of memory and CPU. A body that does not decode answers 400.
 */
export async function decodeBody(
  request: FastifyRequest,
  _reply: FastifyReply,
  payload: NodeJS.ReadableStream,
): Promise<NodeJS.ReadableStream> {
  const encoding = contentEncoding(request);
  if (encoding === undefined || encoding === "identity" || !hasBody(request)) return payload;
  const limit = request.routeOptions.bodyLimit ?? 64 * 1024;
  const raw = payload as NodeJS.ReadableStream & { on: NodeJS.ReadableStream["on"] };
  const decoder = decoderFor(encoding);
  let decoded = 0;
  const counted = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      decoded += chunk.length;
      if (decoded > limit) {
        raw.unpipe(decoder);
        decoder.destroy();
        const error = new AftercallError(
          "PAYLOAD_TOO_LARGE",
          `The decoded request body is larger than this endpoint accepts (${limit} bytes).`,
        );
        return callback(error);
      }
      callback(null, chunk);
    },
  }) as Transform & { receivedEncodedLength: number };
  counted.receivedEncodedLength = 0;
  raw.on("data", (chunk: Buffer) => {
    counted.receivedEncodedLength += chunk.length;
  });
  decoder.on("error", () => {
    raw.unpipe(decoder);
    counted.destroy(new AftercallError("INVALID_ENCODING", `The body is not valid ${encoding}.`));
  });
  raw.pipe(decoder).pipe(counted);
  return counted;
}

/** The shortest share of `bodyTimeoutMs` a request's deadline is drawn from (see {@link timeBodies}). */
export const BODY_DEADLINE_SPREAD = 0.75;

/**
 * A deadline per request for its body: drawn between {@link BODY_DEADLINE_SPREAD} and all of
 * `bodyTimeoutMs` after its headers arrived; a request whose body is not complete by then is answered
 * `408` and its connection closed, as Node's own `requestTimeout` does (which stays, at the full time, as
 * the backstop). Why not that alone: Node answers every expired connection at once, every
 * `connectionsCheckingInterval`, so a slow-body flood opened together expires together, and reconnects
 * together, every time: hundreds of 408s and new requests in one lump each cycle, which the well-behaved
 * requests of that moment waited behind (bench:abuse). Spread deadlines spread the lumps out.
 */
export function timeBodies(server: Server, bodyTimeoutMs: number, random: () => number = Math.random): void {
  server.on("request", (request: IncomingMessage, response: ServerResponse) => {
    if (request.complete || !hasBody(request)) return;
    const ms = bodyTimeoutMs * (BODY_DEADLINE_SPREAD + (1 - BODY_DEADLINE_SPREAD) * random());
    const timer = setTimeout(() => {
      if (request.complete || response.headersSent) return;
      // As Node writes its own 408: the handler waiting for the body sees the request aborted, and
      // nothing else is ever sent on this connection.
      answerAndClose(request.socket, "408 Request Timeout", BODY_TIMED_OUT);
    }, ms);
    const clear = () => clearTimeout(timer);
    request.once("end", clear);
    response.once("close", clear);
  });
}

/**
 * Write a whole response with a JSON error body straight to `socket`, outside of any request handling,
 * and close the connection once it is sent.
 */
function answerAndClose(socket: Socket, status: string, body: string, headers = ""): void {
  socket.end(
    `HTTP/1.1 ${status}\r\n${headers}Connection: close\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  socket.once("finish", () => socket.destroy());
}

const BODY_TIMED_OUT = JSON.stringify({
  code: "REQUEST_TIMEOUT",
  message: "The request body did not arrive in time.",
  requestId: "",
});

/**
 * Caps the open connections per socket address: one more is answered `429` with `Retry-After` and
 * closed before any request on it is read. Behind a proxy every connection comes from the proxy's
 * address, so the cap is a per-proxy cap there (raise it or set 0).
 */
export function capConnectionsPerAddress(server: Server, max: number): void {
  if (max <= 0) return;
  const open = new Map<string, number>();
  server.on("connection", (socket: Socket) => {
    const address = socket.remoteAddress ?? "";
    const count = (open.get(address) ?? 0) + 1;
    if (count > max) {
      // No request on it is ever parsed, so it costs no more than this.
      answerAndClose(socket, "429 Too Many Requests", TOO_MANY_CONNECTIONS, "Retry-After: 1\r\n");
      return;
    }
    open.set(address, count);
    socket.once("close", () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left <= 0) open.delete(address);
      else open.set(address, left);
    });
  });
}

const TOO_MANY_CONNECTIONS = JSON.stringify({
  code: "RATE_LIMITED",
  message: "Too many open connections from this address.",
  requestId: "",
});
