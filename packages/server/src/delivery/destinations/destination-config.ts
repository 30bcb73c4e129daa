/**
 * The configuration of each destination type, as stored with a diagnostic setting: a discriminated union
 * on `type`, a validator for untrusted JSON, and the secret handling every read and log goes through.
 *
 * Secrets (NATS token/password, blob connection string, S3 secret key, webhook secret and header values)
 * are never returned: `publicDestinationConfig` replaces each with `{ "set": true }`. On update, a secret
 * that is omitted or sent back as that marker keeps its stored value (`mergeDestinationSecrets`), but only
 * while the destination keeps its target: a stored secret is never sent anywhere new (`checkSecretTarget`).
 */
import { isAbsolute, normalize } from "node:path";
import { WEBHOOK_PAYLOADS, type WebhookPayload } from "@aftercall/api";
import { AftercallError } from "../../errors.js";
import { DESTINATION_TYPES, type DestinationType } from "../destination.js";
import {
  invalid,
  isSecretMarker,
  type JsonObject,
  readBoolean,
  readInteger,
  readObject,
  readString,
  readUrl,
  SECRET_SET,
  type SecretMarker,
} from "./config-fields.js";
import { isWebhookSecret } from "./webhook-signature.js";

/** NATS JetStream: each batch is one message `{"records":[…]}` on `subject`, de-duplicated by batch id. */
export interface StreamDestinationConfig {
  type: "stream";
  /** `nats://host:port` or `tls://host:port`, 1 to 10 of them (a cluster). */
  servers: string[];
  /** Subject to publish on; a JetStream stream must capture it. Default `aftercall.callsurvey`. */
  subject: string;
  /** Secret. Token authentication (exclusive with user/password). */
  token?: string;
  user?: string;
  /** Secret. */
  password?: string;
}

/** Azure Blob Storage: one append blob per project, category and hour (container `insights-logs-<category>`). */
export interface BlobDestinationConfig {
  type: "blob";
  /** Secret. `DefaultEndpointsProtocol=…;AccountName=…;AccountKey=…` or with `SharedAccessSignature=…`. */
  connectionString: string;
}

/** S3-compatible object storage, the same key layout as blob below `prefix`. */
export interface S3DestinationConfig {
  type: "s3";
  /** For S3-compatible services (MinIO, Ceph…); AWS when omitted. */
  endpoint?: string;
  region: string;
  bucket: string;
  accessKeyId: string;
  /** Secret. */
  secretAccessKey: string;
  /** Path-style URLs (`endpoint/bucket/key`); default true when `endpoint` is set. */
  forcePathStyle: boolean;
  /** Prepended to every key, e.g. `aftercall/`; default none. */
  prefix: string;
}

/** A local directory, the same layout as blob below `path`, fsynced before a batch counts as delivered. */
export interface DirectoryDestinationConfig {
  type: "directory";
  /** Absolute path. */
  path: string;
}

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

export type DestinationConfig =
  | StreamDestinationConfig
  | BlobDestinationConfig
  | S3DestinationConfig
  | DirectoryDestinationConfig
  | WebhookDestinationConfig;

/** A config as reads return it: every secret replaced by `{ "set": true }`. */
export type PublicDestinationConfig =
  | (Omit<StreamDestinationConfig, "token" | "password"> & { token?: SecretMarker; password?: SecretMarker })
  | (Omit<BlobDestinationConfig, "connectionString"> & { connectionString: SecretMarker })
  | (Omit<S3DestinationConfig, "secretAccessKey"> & { secretAccessKey: SecretMarker })
  | DirectoryDestinationConfig
  | (Omit<WebhookDestinationConfig, "secret" | "headers"> & {
      secret: SecretMarker;
      headers: Record<string, SecretMarker>;
    });

export const DEFAULT_STREAM_SUBJECT = "aftercall.callsurvey";
export const DEFAULT_WEBHOOK_TIMEOUT_MS = 10_000;
export const MAX_WEBHOOK_TIMEOUT_MS = 60_000;

/**
 * Validate untrusted JSON as a destination config. `path` prefixes field names in messages (e.g.
 * `destinations.webhook` gives `destinations.webhook.url must be an http(s) URL.`). With `previous` (the
 * stored config of an update), omitted secrets and `{ "set": true }` markers keep the stored values.
 * @throws AftercallError `VALIDATION_FAILED` naming the first bad field; never echoes a value.
 */
export function parseDestinationConfig(
  input: unknown,
  path: string,
  previous?: DestinationConfig,
): DestinationConfig {
  const type = (input as JsonObject | null)?.type;
  if (typeof input !== "object" || input === null || Array.isArray(input))
    invalid(path, "must be an object", "INVALID_TYPE");
  if (!DESTINATION_TYPES.includes(type as DestinationType))
    invalid(`${path}.type`, `must be one of ${DESTINATION_TYPES.join(", ")}`, "REQUIRED");
  const kept = previous?.type === type ? previous : undefined;
  const parsed = parseOfType(input, path, type as DestinationType, kept);
  if (kept) checkSecretTarget(kept, parsed, input as JsonObject, path);
  return parsed;
}

function parseOfType(
  input: object,
  path: string,
  type: DestinationType,
  kept: DestinationConfig | undefined,
): DestinationConfig {
  switch (type) {
    case "stream":
      return parseStream(input, path, kept as StreamDestinationConfig | undefined);
    case "blob":
      return parseBlob(input, path, kept as BlobDestinationConfig | undefined);
    case "s3":
      return parseS3(input, path, kept as S3DestinationConfig | undefined);
    case "directory":
      return parseDirectory(input, path);
    case "webhook":
      return parseWebhook(input, path, kept as WebhookDestinationConfig | undefined);
  }
}

/**
 * Where a config's secrets go: the fields that, changed, make a new target. A blob connection string is
 * the secret and its target at once, so it cannot be retargeted without being sent again.
 */
function secretTarget(config: DestinationConfig): unknown {
  switch (config.type) {
    case "webhook":
      return config.url;
    case "s3":
      return [config.endpoint ?? null, config.region, config.bucket, config.accessKeyId];
    case "stream":
      return [...config.servers].sort();
    case "blob":
    case "directory":
      return null;
  }
}

/** The secret fields of `input` that were left out (or sent as `{ "set": true }`) and so kept. */
function keptSecrets(previous: DestinationConfig, input: JsonObject, path: string): string[] {
  const kept = (key: string) => input[key] === undefined || input[key] === null || isSecretMarker(input[key]);
  switch (previous.type) {
    case "webhook": {
      const headers = (input.headers ?? undefined) as JsonObject | undefined;
      const keptHeaders = Object.keys(previous.headers).filter(
        (name) => headers === undefined || isSecretMarker(headers[name]),
      );
      return [
        ...(kept("secret") ? [`${path}.secret`] : []),
        ...keptHeaders
          .filter((name) => headers === undefined || name in headers)
          .map((n) => `${path}.headers.${n}`),
      ];
    }
    case "s3":
      return kept("secretAccessKey") ? [`${path}.secretAccessKey`] : [];
    case "stream":
      return [
        ...(previous.token !== undefined && kept("token") ? [`${path}.token`] : []),
        ...(previous.password !== undefined && kept("password") ? [`${path}.password`] : []),
      ];
    case "blob":
    case "directory":
      return [];
  }
}

/**
 * Refuse an update that changes where a destination sends its secrets while keeping a stored one: a
 * project admin could otherwise point an operator's secret at their own listener and read it there.
 * @throws AftercallError `SECRET_REQUIRED_FOR_NEW_TARGET` naming the secrets to send again.
 */
function checkSecretTarget(
  previous: DestinationConfig,
  next: DestinationConfig,
  input: JsonObject,
  path: string,
) {
  if (JSON.stringify(secretTarget(previous)) === JSON.stringify(secretTarget(next))) return;
  const kept = keptSecrets(previous, input, path);
  if (kept.length === 0) return;
  throw new AftercallError(
    "SECRET_REQUIRED_FOR_NEW_TARGET",
    `${path}: the destination's target changes, so its secrets must be sent again: ${kept.join(", ")}. ` +
      "A stored secret is never sent to a new target.",
  );
}

/**
 * The config of an update, with the secrets the update left out (or sent back as `{ "set": true }`)
 * taken from `previous`. Same as `parseDestinationConfig(input, path, previous)`.
 */
export function mergeDestinationSecrets(
  previous: DestinationConfig,
  input: unknown,
  path: string,
): DestinationConfig {
  return parseDestinationConfig(input, path, previous);
}

/** The config with every secret replaced by `{ "set": true }`: the only form reads and logs may show. */
export function publicDestinationConfig(config: DestinationConfig): PublicDestinationConfig {
  switch (config.type) {
    case "stream": {
      const { token, password, ...rest } = config;
      return {
        ...rest,
        ...(token !== undefined ? { token: SECRET_SET } : {}),
        ...(password !== undefined ? { password: SECRET_SET } : {}),
      };
    }
    case "blob":
      return { ...config, connectionString: SECRET_SET };
    case "s3":
      return { ...config, secretAccessKey: SECRET_SET };
    case "directory":
      return { ...config };
    case "webhook":
      return {
        ...config,
        secret: SECRET_SET,
        headers: Object.fromEntries(Object.keys(config.headers).map((name) => [name, SECRET_SET])),
      };
  }
}

/**
 * The hosts a config connects to, each with the field that names it, for the outbound policy's check
 * when a setting is created or changed. AWS S3 and Azure accounts without an explicit endpoint are left
 * out: their service names are public.
 */
export function destinationHosts(
  config: DestinationConfig,
  path: string,
): Array<{ host: string; field: string }> {
  const hostOf = (url: string) => new URL(url).hostname.replace(/^\[(.*)\]$/, "$1");
  switch (config.type) {
    case "webhook":
      return [{ host: hostOf(config.url), field: `${path}.url` }];
    case "s3":
      return config.endpoint === undefined
        ? []
        : [{ host: hostOf(config.endpoint), field: `${path}.endpoint` }];
    case "stream":
      return config.servers.map((s, i) => ({ host: hostOf(s), field: `${path}.servers[${i}]` }));
    case "blob": {
      const endpoint = /(?:^|;)\s*BlobEndpoint=([^;]+)/i.exec(config.connectionString)?.[1];
      return endpoint === undefined
        ? []
        : [{ host: hostOf(endpoint.trim()), field: `${path}.connectionString BlobEndpoint` }];
    }
    case "directory":
      return [];
  }
}

/**
 * A secret field: the new value, or (omitted or `{ "set": true }`) the stored one. Returns undefined when
 * neither exists; the caller decides whether that is allowed.
 */
function readSecret(
  object: JsonObject,
  key: string,
  path: string,
  max: number,
  stored: string | undefined,
): string | undefined {
  const value = object[key];
  if (value === undefined || value === null || isSecretMarker(value)) return stored;
  return readString(object, key, path, max);
}

function parseStream(
  input: object,
  path: string,
  previous?: StreamDestinationConfig,
): StreamDestinationConfig {
  const o = readObject(input, path, ["type", "servers", "subject", "token", "user", "password"]);
  const servers = o.servers;
  if (!Array.isArray(servers) || servers.length === 0 || servers.length > 10)
    invalid(`${path}.servers`, "must be a list of 1 to 10 nats:// URLs", "INVALID_TYPE");
  const list = servers.map((value: unknown, i) => {
    const field = `${path}.servers[${i}]`;
    if (typeof value !== "string" || value.length > 300) invalid(field, "must be a nats://host:port URL");
    const url = readUrl(value, field, ["nats:", "tls:"], "a nats://host:port URL");
    // Reads show server URLs and errors quote them: credentials belong in the secret fields.
    if (url.username || url.password)
      invalid(field, "must not contain credentials; use token or user/password");
    return value;
  });
  const subject = readString(o, "subject", path, 255, true) ?? DEFAULT_STREAM_SUBJECT;
  // A publish subject: dot-separated non-empty tokens, no wildcards or spaces.
  if (!/^[^.*>\s]+(\.[^.*>\s]+)*$/.test(subject))
    invalid(`${path}.subject`, "must be a NATS subject without wildcards, e.g. aftercall.callsurvey");
  const token = readSecret(o, "token", path, 1024, previous?.token);
  const user = readString(o, "user", path, 256, true);
  const password = user === undefined ? undefined : readSecret(o, "password", path, 1024, previous?.password);
  if (user === undefined && o.password !== undefined && !isSecretMarker(o.password))
    invalid(`${path}.user`, "is required with a password", "REQUIRED");
  if (token !== undefined && user !== undefined)
    invalid(`${path}.token`, "cannot be combined with user and password");
  return {
    type: "stream",
    servers: list,
    subject,
    ...(token !== undefined ? { token } : {}),
    ...(user !== undefined ? { user } : {}),
    ...(password !== undefined ? { password } : {}),
  };
}

function parseBlob(input: object, path: string, previous?: BlobDestinationConfig): BlobDestinationConfig {
  const o = readObject(input, path, ["type", "connectionString"]);
  const connectionString = readSecret(o, "connectionString", path, 4096, previous?.connectionString);
  if (connectionString === undefined) invalid(`${path}.connectionString`, "is required", "REQUIRED");
  const parts = new Map<string, string>();
  for (const part of connectionString.split(";").filter((p) => p.trim() !== "")) {
    const equals = part.indexOf("=");
    if (equals <= 0) invalid(`${path}.connectionString`, "must be a list of Key=Value; pairs");
    parts.set(part.slice(0, equals).trim(), part.slice(equals + 1));
  }
  const hasKey = parts.has("AccountName") && parts.has("AccountKey");
  if (!hasKey && !parts.has("SharedAccessSignature"))
    invalid(`${path}.connectionString`, "must hold AccountName and AccountKey, or SharedAccessSignature");
  const endpoint = parts.get("BlobEndpoint");
  if (endpoint !== undefined)
    readUrl(endpoint, `${path}.connectionString BlobEndpoint`, ["http:", "https:"], "an http(s) URL");
  else if (!parts.has("AccountName"))
    invalid(`${path}.connectionString`, "must hold BlobEndpoint or AccountName");
  return { type: "blob", connectionString };
}

function parseS3(input: object, path: string, previous?: S3DestinationConfig): S3DestinationConfig {
  const o = readObject(input, path, [
    "type",
    "endpoint",
    "region",
    "bucket",
    "accessKeyId",
    "secretAccessKey",
    "forcePathStyle",
    "prefix",
  ]);
  const endpoint = readString(o, "endpoint", path, 2048, true);
  if (endpoint !== undefined) {
    const url = readUrl(endpoint, `${path}.endpoint`, ["http:", "https:"], "an http(s) URL");
    if (url.username || url.password)
      invalid(`${path}.endpoint`, "must not contain credentials; use accessKeyId and secretAccessKey");
  }
  const region = readString(o, "region", path, 64);
  if (!/^[a-z0-9-]+$/.test(region)) invalid(`${path}.region`, "must be a region name such as us-east-1");
  const bucket = readString(o, "bucket", path, 63);
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket))
    invalid(`${path}.bucket`, "must be a bucket name: 3 to 63 lowercase letters, digits, dots or dashes");
  const accessKeyId = readString(o, "accessKeyId", path, 256);
  const secretAccessKey = readSecret(o, "secretAccessKey", path, 1024, previous?.secretAccessKey);
  if (secretAccessKey === undefined) invalid(`${path}.secretAccessKey`, "is required", "REQUIRED");
  const prefix = o.prefix === "" ? "" : (readString(o, "prefix", path, 256, true) ?? "");
  if (prefix.startsWith("/") || prefix.split("/").some((s) => s === "." || s === ".."))
    invalid(`${path}.prefix`, "must be a relative key prefix without '.' or '..' segments");
  const forcePathStyle = readBoolean(o, "forcePathStyle", path) ?? endpoint !== undefined;
  return {
    type: "s3",
    ...(endpoint !== undefined ? { endpoint } : {}),
    region,
    bucket,
    accessKeyId,
    secretAccessKey,
    forcePathStyle,
    prefix,
  };
}

function parseDirectory(input: object, path: string): DirectoryDestinationConfig {
  const o = readObject(input, path, ["type", "path"]);
  const directory = readString(o, "path", path, 1024);
  if (!isAbsolute(directory)) invalid(`${path}.path`, "must be an absolute path");
  return { type: "directory", path: normalize(directory) };
}

/** Header names the adapter sets itself, which a config may not override. */
const RESERVED_HEADERS = ["content-type", "content-length", "host", "connection", "transfer-encoding"];

/**
 * The extra headers a webhook may carry: the credentials receivers commonly ask for, and `X-Aftercall-*`
 * for a receiver's own routing. A closed set, so that a webhook cannot forge hop-by-hop, proxy or
 * forwarding headers (`X-Forwarded-For`, `Proxy-Authorization`…) towards whatever it reaches.
 */
export const ALLOWED_WEBHOOK_HEADERS = ["authorization", "x-api-key", "x-auth-token", "user-agent"] as const;
const ALLOWED_HEADER_PREFIX = "x-aftercall-";

function parseWebhook(
  input: object,
  path: string,
  previous?: WebhookDestinationConfig,
): WebhookDestinationConfig {
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
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/.test(name))
      invalid(`${field}.${name}`, "is not a valid header name");
    const lower = name.toLowerCase();
    if (RESERVED_HEADERS.includes(lower) || lower.startsWith("webhook-"))
      invalid(`${field}.${name}`, "is set by Aftercall and cannot be configured");
    if (
      !(ALLOWED_WEBHOOK_HEADERS as readonly string[]).includes(lower) &&
      !lower.startsWith(ALLOWED_HEADER_PREFIX)
    )
      invalid(
        `${field}.${name}`,
        `is not an allowed header (allowed: Authorization, X-Api-Key, X-Auth-Token, User-Agent, X-Aftercall-*)`,
        "UNKNOWN_FIELD",
      );
    const stored = previous?.headers[name];
    if (isSecretMarker(value)) {
      if (stored === undefined) invalid(`${field}.${name}`, "has no stored value to keep", "REQUIRED");
      headers[name] = stored;
    } else headers[name] = readString(o.headers as JsonObject, name, field, 4096);
  }
  return headers;
}
