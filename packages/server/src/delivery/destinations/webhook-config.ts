/** Configuration of the signed webhook destination ({@link ./webhook.ts}). */
import { WEBHOOK_PAYLOADS, type WebhookPayload } from "@aftercall/api";
import {
  type DestinationConfigRules,
  hostOf,
  invalid,
  isSecretMarker,
  type JsonObject,
  readInteger,
  readObject,
  readSecret,
  readString,
  readUrl,
  SECRET_SET,
  type SecretMarker,
} from "./config-fields.js";
import { isWebhookSecret } from "./webhook-signature.js";

/**
 * HTTP POST of `{"records":[…]}`, or with `payload` `slack`/`teams` one chat message per alert, signed
 * following Standard Webhooks.
 */
export interface WebhookDestinationConfig {
  type: "webhook";
  url: string;
  /** What is posted; absent means `records`. */
  payload?: WebhookPayload;
  /** Secret. `whsec_` + base64 of 24 to 64 random bytes. */
  secret: string;
  /** Per request; default 10,000, at most 60,000. */
  timeoutMs: number;
  /** Extra request headers (e.g. an Authorization the receiver wants). Values are secret. */
  headers: Record<string, string>;
}

export type PublicWebhookDestinationConfig = Omit<WebhookDestinationConfig, "secret" | "headers"> & {
  secret: SecretMarker;
  headers: Record<string, SecretMarker>;
};

export const DEFAULT_WEBHOOK_TIMEOUT_MS = 10_000;
export const MAX_WEBHOOK_TIMEOUT_MS = 60_000;

/** Header names the adapter sets itself, which a config may not override. */
const RESERVED_HEADERS = ["content-type", "content-length", "host", "connection", "transfer-encoding"];

/**
 * The extra headers a webhook may carry: the credentials receivers commonly ask for, and `X-Aftercall-*`
 * for a receiver's own routing. A closed set, so that a webhook cannot forge hop-by-hop, proxy or
 * forwarding headers (`X-Forwarded-For`, `Proxy-Authorization`…) towards whatever it reaches.
 */
export const ALLOWED_WEBHOOK_HEADERS = ["authorization", "x-api-key", "x-auth-token", "user-agent"] as const;
const ALLOWED_HEADER_PREFIX = "x-aftercall-";

function parse(input: object, path: string, previous?: WebhookDestinationConfig): WebhookDestinationConfig {
  const o = readObject(input, path, ["type", "url", "secret", "timeoutMs", "headers", "payload"]);
  const url = readString(o, "url", path, 2048);
  const parsed = readUrl(url, `${path}.url`, ["http:", "https:"], "an http(s) URL");
  if (parsed.username || parsed.password)
    invalid(`${path}.url`, "must not contain credentials; send them in headers (kept secret)");
  const secret = readSecret(o, "secret", path, 200, previous?.secret);
  if (secret === undefined)
    invalid(`${path}.secret`, "is required (generate one with whsec_ + base64)", "REQUIRED");
  if (!isWebhookSecret(secret))
    invalid(`${path}.secret`, "must be whsec_ followed by the base64 of 24 to 64 bytes");
  const timeoutMs =
    readInteger(o, "timeoutMs", path, 100, MAX_WEBHOOK_TIMEOUT_MS) ?? DEFAULT_WEBHOOK_TIMEOUT_MS;
  const payload = o.payload ?? "records";
  if (!(WEBHOOK_PAYLOADS as readonly unknown[]).includes(payload))
    invalid(`${path}.payload`, `must be one of ${WEBHOOK_PAYLOADS.join(", ")}`);
  return {
    type: "webhook",
    url,
    // Absent means records, so configs keep the shape they had before chat payloads existed.
    ...(payload === "records" ? {} : { payload: payload as WebhookPayload }),
    secret,
    timeoutMs,
    headers: parseHeaders(o, path, previous),
  };
}

function parseHeaders(
  o: JsonObject,
  path: string,
  previous?: WebhookDestinationConfig,
): Record<string, string> {
  if (o.headers === undefined || o.headers === null) return previous ? { ...previous.headers } : {};
  const field = `${path}.headers`;
  if (typeof o.headers !== "object" || Array.isArray(o.headers))
    invalid(field, "must be an object", "INVALID_TYPE");
  const entries = Object.entries(o.headers as JsonObject);
  if (entries.length > 20) invalid(field, "must have at most 20 headers", "TOO_LONG");
  const headers: Record<string, string> = {};
  for (const [name, value] of entries) {
    checkHeaderName(name, `${field}.${name}`);
    const stored = previous?.headers[name];
    if (isSecretMarker(value)) {
      if (stored === undefined) invalid(`${field}.${name}`, "has no stored value to keep", "REQUIRED");
      headers[name] = stored;
    } else headers[name] = readString(o.headers as JsonObject, name, field, 4096);
  }
  return headers;
}

function checkHeaderName(name: string, field: string): void {
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/.test(name)) invalid(field, "is not a valid header name");
  const lower = name.toLowerCase();
  if (RESERVED_HEADERS.includes(lower) || lower.startsWith("webhook-"))
    invalid(field, "is set by Aftercall and cannot be configured");
  if (
    !(ALLOWED_WEBHOOK_HEADERS as readonly string[]).includes(lower) &&
    !lower.startsWith(ALLOWED_HEADER_PREFIX)
  )
    invalid(
      field,
      `is not an allowed header (allowed: Authorization, X-Api-Key, X-Auth-Token, User-Agent, X-Aftercall-*)`,
      "UNKNOWN_FIELD",
    );
}

export const webhookConfigRules: DestinationConfigRules<
  WebhookDestinationConfig,
  PublicWebhookDestinationConfig
> = {
  parse,
  secretTarget: (config) => config.url,
  keptSecrets(previous, input, path) {
    const secret = input.secret;
    const headers = (input.headers ?? undefined) as JsonObject | undefined;
    // Headers left out of `headers` are dropped, not kept; only markers (or no `headers` at all) keep them.
    const keptHeaders = Object.keys(previous.headers).filter(
      (name) => headers === undefined || (name in headers && isSecretMarker(headers[name])),
    );
    return [
      ...(secret === undefined || secret === null || isSecretMarker(secret) ? [`${path}.secret`] : []),
      ...keptHeaders.map((name) => `${path}.headers.${name}`),
    ];
  },
  toPublic: (config) => ({
    ...config,
    secret: SECRET_SET,
    headers: Object.fromEntries(Object.keys(config.headers).map((name) => [name, SECRET_SET])),
  }),
  hosts: (config, path) => [{ host: hostOf(config.url), field: `${path}.url` }],
};
