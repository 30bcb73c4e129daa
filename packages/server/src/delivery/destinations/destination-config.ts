/**
 * The configuration of a destination, as stored with a diagnostic setting: a discriminated union on
 * `type` whose members, validators and secret rules live beside each adapter (`<type>-config.ts`); this
 * module dispatches on the type and holds the rules every type shares.
 *
 * Secrets (NATS token/password, blob connection string, S3 secret key, webhook secret and header values)
 * are never returned: `publicDestinationConfig` replaces each with `{ "set": true }`. On update, a secret
 * that is omitted or sent back as that marker keeps its stored value (`mergeDestinationSecrets`), but only
 * while the destination keeps its target: a stored secret is never sent anywhere new (`checkSecretTarget`).
 */
import { AftercallError } from "../../errors.js";
import { DESTINATION_TYPES, type DestinationType } from "../destination.js";
import {
  type BlobDestinationConfig,
  blobConfigRules,
  type PublicBlobDestinationConfig,
} from "./blob-config.js";
import {
  type ConfiguredHost,
  type DestinationConfigRules,
  invalid,
  type JsonObject,
} from "./config-fields.js";
import { type DirectoryDestinationConfig, directoryConfigRules } from "./directory-config.js";
import { type PublicS3DestinationConfig, type S3DestinationConfig, s3ConfigRules } from "./s3-config.js";
import {
  type PublicStreamDestinationConfig,
  type StreamDestinationConfig,
  streamConfigRules,
} from "./stream-config.js";
import {
  type PublicWebhookDestinationConfig,
  type WebhookDestinationConfig,
  webhookConfigRules,
} from "./webhook-config.js";

export type { BlobDestinationConfig } from "./blob-config.js";
export type { DirectoryDestinationConfig } from "./directory-config.js";
export type { S3DestinationConfig } from "./s3-config.js";
export type { StreamDestinationConfig } from "./stream-config.js";
export type { WebhookDestinationConfig } from "./webhook-config.js";

export type DestinationConfig =
  | StreamDestinationConfig
  | BlobDestinationConfig
  | S3DestinationConfig
  | DirectoryDestinationConfig
  | WebhookDestinationConfig;

/** A config as reads return it: every secret replaced by `{ "set": true }`. */
export type PublicDestinationConfig =
  | PublicStreamDestinationConfig
  | PublicBlobDestinationConfig
  | PublicS3DestinationConfig
  | DirectoryDestinationConfig
  | PublicWebhookDestinationConfig;

type ConfigOf<T extends DestinationType> = Extract<DestinationConfig, { type: T }>;

/** One rule set per destination type; the mapped type makes a missing or mismatched entry a type error. */
const RULES: { [T in DestinationType]: DestinationConfigRules<ConfigOf<T>, PublicDestinationConfig> } = {
  stream: streamConfigRules,
  blob: blobConfigRules,
  s3: s3ConfigRules,
  directory: directoryConfigRules,
  webhook: webhookConfigRules,
};

/** The rules of a config's type, typed for that config (the union cannot be narrowed through `RULES`). */
function rulesOf(
  config: DestinationConfig,
): DestinationConfigRules<DestinationConfig, PublicDestinationConfig> {
  return RULES[config.type] as DestinationConfigRules<DestinationConfig, PublicDestinationConfig>;
}

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
  const rules = RULES[type as DestinationType] as DestinationConfigRules<
    DestinationConfig,
    PublicDestinationConfig
  >;
  const kept = previous?.type === type ? previous : undefined;
  const parsed = rules.parse(input, path, kept);
  if (kept) checkSecretTarget(kept, parsed, input as JsonObject, path);
  return parsed;
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
  const rules = rulesOf(previous);
  if (JSON.stringify(rules.secretTarget(previous)) === JSON.stringify(rules.secretTarget(next))) return;
  const kept = rules.keptSecrets(previous, input, path);
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
  return rulesOf(config).toPublic(config);
}

/**
 * The hosts a config connects to, each with the field that names it, for the outbound policy's check
 * when a setting is created or changed. AWS S3 and Azure accounts without an explicit endpoint are left
 * out: their service names are public.
 */
export function destinationHosts(config: DestinationConfig, path: string): ConfiguredHost[] {
  return rulesOf(config).hosts(config, path);
}
