/**
 * Webhook destination: POST `{"records":[…]}` to the configured URL, signed following Standard Webhooks
 * with the batch id as `webhook-id` (stable across retries, so receivers can de-duplicate). 2xx means
 * delivered. Timeouts, network errors, 5xx, 408 and 429 are retryable, and so are 401, 403 and 404: a
 * receiver whose credentials, secret or route are being fixed should get the batches once it is, not have
 * every one of them parked meanwhile (after the engine's last attempt a batch is parked anyway). Any other
 * status (4xx such as 400, 410, 413 or 422: the receiver refuses this payload; 3xx: redirects are not
 * followed, the signature is for this URL) is a non-retryable failure.
 */
import { type DeliveryBatch, DeliveryFailure, type Destination } from "../destination.js";
import { abortedFailure, DestinationLifecycle } from "./abort.js";
import type { WebhookDestinationConfig } from "./destination-config.js";
import { signWebhook } from "./webhook-signature.js";

/** 4xx answers that say "not now" or "not yet configured" rather than "never this payload". */
const RETRYABLE_STATUSES = new Set([401, 403, 404, 408, 429]);

/** How much of a response body an error message may quote. */
const EXCERPT_CHARS = 200;
const USER_AGENT = "Aftercall-Webhooks/1";

/** The webhook destination of `config`. Holds no connections beyond fetch's keep-alive pool. */
export function createWebhookDestination(config: WebhookDestinationConfig): Destination {
  const lifecycle = new DestinationLifecycle("webhook");
  return {
    type: "webhook",
    async deliver(batch: DeliveryBatch, engineSignal: AbortSignal): Promise<void> {
      const signal = lifecycle.begin(engineSignal);
      const body = JSON.stringify({ records: batch.records.map((r) => r.body) });
      const timestamp = Math.floor(Date.now() / 1000);
      const timeout = AbortSignal.timeout(config.timeoutMs);
      let response: Response;
      try {
        response = await fetch(config.url, {
          method: "POST",
          headers: requestHeaders(config, batch.id, timestamp, body),
          body,
          redirect: "manual",
          signal: AbortSignal.any([signal, timeout]),
        });
      } catch (error) {
        throw requestFailure(error, signal, timeout, config);
      }
      if (response.status >= 200 && response.status < 300) {
        await response.body?.cancel().catch(() => {});
        return;
      }
      const excerpt = await readExcerpt(response);
      const retryable = response.status >= 500 || RETRYABLE_STATUSES.has(response.status);
      throw new DeliveryFailure(
        `webhook answered HTTP ${response.status}${excerpt ? `: ${excerpt}` : ""}`,
        retryable,
      );
    },
    async close(): Promise<void> {
      lifecycle.close();
    },
  };
}

/** The configured headers (which may replace the user agent), then the ones the signature needs. */
function requestHeaders(config: WebhookDestinationConfig, id: string, timestamp: number, body: string) {
  const headers = new Headers({ "user-agent": USER_AGENT });
  for (const [name, value] of Object.entries(config.headers)) headers.set(name, value);
  headers.set("content-type", "application/json");
  headers.set("webhook-id", id);
  headers.set("webhook-timestamp", String(timestamp));
  headers.set("webhook-signature", signWebhook(config.secret, id, timestamp, body));
  return headers;
}

function requestFailure(
  error: unknown,
  signal: AbortSignal,
  timeout: AbortSignal,
  config: WebhookDestinationConfig,
): DeliveryFailure {
  if (signal.aborted) return abortedFailure(signal);
  if (timeout.aborted)
    return new DeliveryFailure(`webhook did not answer within ${config.timeoutMs} ms`, true, {
      cause: error,
    });
  // fetch wraps the socket error (ECONNREFUSED, ENOTFOUND…) in `cause`.
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const reason = cause?.message ?? cause?.code ?? (error as Error).message;
  return new DeliveryFailure(`webhook request failed: ${reason}`, true, { cause: error });
}

/** The first ~200 characters of the response body, on one line; never more (it may be a whole page). */
async function readExcerpt(response: Response): Promise<string> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < EXCERPT_CHARS * 4) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
  } catch {
    // A body that breaks off is still a failed delivery with a status; the excerpt is optional.
  } finally {
    await reader.cancel().catch(() => {});
  }
  const text = Buffer.concat(chunks).toString("utf8").replace(/\s+/g, " ").trim();
  return text.length > EXCERPT_CHARS ? `${text.slice(0, EXCERPT_CHARS)}…` : text;
}
