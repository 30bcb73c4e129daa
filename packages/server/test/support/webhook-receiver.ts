/**
 * A webhook receiver for tests: a node:http server on 127.0.0.1 that checks Standard Webhooks signatures
 * with its own code (independent of the server's signer), records every delivery, and can be told to
 * answer with a status, to hang, or be stopped and started again on the same port (outage tests).
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";

export interface ReceivedDelivery {
  /** `webhook-id` */
  id: string;
  /** `webhook-timestamp` (unix seconds) */
  timestamp: number;
  /** Whether one of the `v1,` signatures matched the body under the receiver's secret. */
  signatureValid: boolean;
  headers: IncomingMessage["headers"];
  /** The raw body as received. */
  body: string;
  /** `body.records` when the body is `{"records":[…]}`, else undefined. */
  records: unknown[] | undefined;
  /** The status the receiver answered with. */
  status: number;
}

export type ReceiverMode =
  /** 204 for a valid signature, 401 for an invalid one. */
  | { kind: "accept" }
  /** Answer every request with `status` (and `body`), whatever its signature. */
  | { kind: "fail"; status: number; body?: string }
  /** Read the request, never answer (until `stop()`). */
  | { kind: "hang" };

export interface WebhookReceiver {
  /** `http://127.0.0.1:<port>/hook` */
  url: string;
  port: number;
  /** Every request received, in arrival order (also failed and hung ones). */
  deliveries: ReceivedDelivery[];
  /** How the next requests are answered; default `{ kind: "accept" }`. */
  mode: ReceiverMode;
  /** Resolves once `count` deliveries have been received (rejects after `timeoutMs`, default 10 s). */
  waitFor(count: number, timeoutMs?: number): Promise<void>;
  /** Stop listening and cut open connections (hung requests included); `start()` listens again. */
  stop(): Promise<void>;
  /** Listen again on the same port. */
  start(): Promise<void>;
}

/** The receiver's own check of a Standard Webhooks signature header, with a 5-minute timestamp tolerance. */
export function verifyStandardWebhook(
  secret: string,
  headers: IncomingMessage["headers"],
  body: string,
  nowSeconds = Math.floor(Date.now() / 1000),
): boolean {
  const id = headers["webhook-id"];
  const timestamp = Number(headers["webhook-timestamp"]);
  const signatures = headers["webhook-signature"];
  if (typeof id !== "string" || typeof signatures !== "string" || !Number.isInteger(timestamp)) return false;
  if (Math.abs(nowSeconds - timestamp) > 300) return false;
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const expected = createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest();
  return signatures.split(" ").some((candidate) => {
    const [version, value] = candidate.split(",");
    if (version !== "v1" || !value) return false;
    const given = Buffer.from(value, "base64");
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

/** Start a receiver on a free port (or `port`) of 127.0.0.1 that verifies with `secret`. */
export async function startWebhookReceiver(secret: string, port = 0): Promise<WebhookReceiver> {
  const deliveries: ReceivedDelivery[] = [];
  const waiters = new Set<() => void>();
  const receiver = {
    url: "",
    port: 0,
    deliveries,
    mode: { kind: "accept" } as ReceiverMode,
  };
  const handle = (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const signatureValid = verifyStandardWebhook(secret, request.headers, body);
      const mode = receiver.mode;
      const status =
        mode.kind === "fail" ? mode.status : mode.kind === "hang" ? 0 : signatureValid ? 204 : 401;
      deliveries.push({
        id: String(request.headers["webhook-id"] ?? ""),
        timestamp: Number(request.headers["webhook-timestamp"]),
        signatureValid,
        headers: request.headers,
        body,
        records: parseRecords(body),
        status,
      });
      for (const wake of waiters) wake();
      if (mode.kind === "hang") return;
      response.writeHead(status, { "content-type": "text/plain" });
      response.end(mode.kind === "fail" ? (mode.body ?? "") : "");
    });
  };
  // One server for the receiver's life: node allows listen() again after close().
  const server: Server = createServer(handle);
  const listen = async (on: number) => {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(on, "127.0.0.1", () => resolve());
    });
    const address = server.address();
    if (address === null || typeof address === "string") throw new Error("receiver has no TCP address");
    return address.port;
  };
  receiver.port = await listen(port);
  receiver.url = `http://127.0.0.1:${receiver.port}/hook`;
  return Object.assign(receiver, {
    waitFor(count: number, timeoutMs = 10_000) {
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (deliveries.length < count) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`expected ${count} webhook deliveries, got ${deliveries.length}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    async stop() {
      if (!server.listening) return;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
    async start() {
      if (server.listening) return;
      await listen(receiver.port);
    },
  });
}

function parseRecords(body: string): unknown[] | undefined {
  try {
    const parsed = JSON.parse(body) as { records?: unknown };
    return Array.isArray(parsed.records) ? parsed.records : undefined;
  } catch {
    return undefined;
  }
}
