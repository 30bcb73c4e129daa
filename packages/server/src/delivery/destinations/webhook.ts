/**
 * Webhook destination: POST `{"records":[…]}` to the configured URL, signed following Standard Webhooks
 * with the batch id as `webhook-id` (stable across retries, so receivers can de-duplicate). 2xx means
 * delivered. Timeouts, network errors, 5xx, 408 and 429 are retryable, and so are 401, 403 and 404: a
 * receiver whose credentials, secret or route are being fixed should get the batches once it is, not have
 * every one of them parked meanwhile (after the engine's last attempt a batch is parked anyway). Any other
 * status (4xx such as 400, 410, 413 or 422: the receiver refuses this payload; 3xx: redirects are not
 * followed, the signature is for this URL) is a non-retryable failure.
 *
 * With a chat payload (`slack`, `teams`: chat-payload.ts) each alert of the batch is one request, signed
 * the same way with the record id as `webhook-id`. A batch that fails part way is retried whole; the
 * messages this destination already posted are remembered (the last {@link POSTED_MEMORY}) and not
 * posted again, so a channel sees a repeat only when another server or a restart retries the batch.
 */
import http, { STATUS_CODES } from "node:http";
import https from "node:https";
import { type DeliveryBatch, DeliveryFailure, type Destination } from "../destination.js";
import { type OutboundPolicy, OutboundRefusedError } from "../outbound-policy.js";
import { abortedFailure, DestinationLifecycle } from "./abort.js";
import { chatMessages, isChatPayload } from "./chat-payload.js";
import type { WebhookDestinationConfig } from "./webhook-config.js";
import { signWebhook } from "./webhook-signature.js";

/** 4xx answers that say "not now" or "not yet configured" rather than "never this payload". */
const RETRYABLE_STATUSES = new Set([401, 403, 404, 408, 429]);

const USER_AGENT = "Aftercall-Webhooks/1";

/** Chat messages a destination remembers having posted, so that a retried batch does not repeat them. */
export const POSTED_MEMORY = 1000;

/** Signed POSTs of JSON bodies to one webhook: the transport of the destination and of tests. */
export interface WebhookSender {
  /** POST `payload` with `id` as `webhook-id`; resolves on 2xx, throws a DeliveryFailure otherwise. */
  send(id: string, payload: unknown, signal: AbortSignal): Promise<void>;
  close(): void;
}

/**
 * The sender of `config`. Connections go through `outbound` (checked on the address dialled) and are
 * kept alive between requests. The receiver's answer is reduced to its status: its body is never read, so
 * a project admin cannot use a webhook to read what an address answers.
 */
export function createWebhookSender(
  config: WebhookDestinationConfig,
  outbound: OutboundPolicy,
): WebhookSender {
  const url = new URL(config.url);
  const agent = url.protocol === "https:" ? outbound.httpsAgent() : outbound.httpAgent();
  return {
    async send(id, payload, signal) {
      const body = JSON.stringify(payload);
      const timestamp = Math.floor(Date.now() / 1000);
      const timeout = AbortSignal.timeout(config.timeoutMs);
      let status: number;
      try {
        status = await post(
          url,
          agent,
          requestHeaders(config, id, timestamp, body),
          body,
          AbortSignal.any([signal, timeout]),
        );
      } catch (error) {
        throw requestFailure(error, signal, timeout, config);
      }
      if (status >= 200 && status < 300) return;
      const retryable = status >= 500 || RETRYABLE_STATUSES.has(status);
      throw new DeliveryFailure(`webhook answered ${statusLine(status)}`, retryable);
    },
    close: () => agent.destroy(),
  };
}

/** The webhook destination of `config`: `{"records":[…]}` per batch, or one chat message per alert. */
export function createWebhookDestination(
  config: WebhookDestinationConfig,
  outbound: OutboundPolicy,
): Destination {
  const lifecycle = new DestinationLifecycle("webhook");
  const sender = createWebhookSender(config, outbound);
  const posted = new Set<string>();
  return {
    type: "webhook",
    async deliver(batch: DeliveryBatch, engineSignal: AbortSignal): Promise<void> {
      const signal = lifecycle.begin(engineSignal);
      if (!isChatPayload(config.payload)) {
        await sender.send(batch.id, { records: batch.records.map((r) => r.body) }, signal);
        return;
      }
      for (const message of chatMessages(config.payload, batch.records)) {
        if (posted.has(message.id)) continue;
        await sender.send(message.id, message.body, signal);
        posted.add(message.id);
        if (posted.size > POSTED_MEMORY) posted.delete(posted.values().next().value as string);
      }
    },
    async close(): Promise<void> {
      if (lifecycle.close()) sender.close();
    },
  };
}

/** "HTTP 500 Internal Server Error": the standard reason phrase, never the receiver's own text. */
export function statusLine(status: number): string {
  const reason = STATUS_CODES[status];
  return reason ? `HTTP ${status} ${reason}` : `HTTP ${status}`;
}

/** POST `body` and resolve with the status once the headers arrive; the body is discarded unread. */
function post(
  url: URL,
  agent: http.Agent,
  headers: Record<string, string>,
  body: string,
  signal: AbortSignal,
): Promise<number> {
  const request = url.protocol === "https:" ? https.request : http.request;
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "POST", headers, agent, signal }, (response) => {
      response.resume();
      response.on("error", () => {});
      resolve(response.statusCode ?? 0);
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** The configured headers (which may replace the user agent), then the ones the signature needs. */
function requestHeaders(config: WebhookDestinationConfig, id: string, timestamp: number, body: string) {
  const headers: Record<string, string> = { "user-agent": USER_AGENT };
  for (const [name, value] of Object.entries(config.headers)) headers[name.toLowerCase()] = value;
  headers["content-type"] = "application/json";
  headers["content-length"] = String(Buffer.byteLength(body));
  headers["webhook-id"] = id;
  headers["webhook-timestamp"] = String(timestamp);
  headers["webhook-signature"] = signWebhook(config.secret, id, timestamp, body);
  return headers;
}

/**
 * A failure naming the socket error's code only (ECONNREFUSED, ENOTFOUND…), never an address or port:
 * refused addresses are refused before any connection, so this cannot map the operator's network.
 */
function requestFailure(
  error: unknown,
  signal: AbortSignal,
  timeout: AbortSignal,
  config: WebhookDestinationConfig,
): DeliveryFailure {
  if (error instanceof OutboundRefusedError)
    return new DeliveryFailure(error.message, true, { cause: error });
  if (signal.aborted) return abortedFailure(signal);
  if (timeout.aborted)
    return new DeliveryFailure(`webhook did not answer within ${config.timeoutMs} ms`, true, {
      cause: error,
    });
  const code = (error as { code?: unknown }).code;
  const reason = typeof code === "string" && /^[A-Z0-9_]{1,40}$/.test(code) ? code : "network error";
  return new DeliveryFailure(`webhook request failed (${reason})`, true, { cause: error });
}
