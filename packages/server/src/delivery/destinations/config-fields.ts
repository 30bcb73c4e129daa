/**
 * Small readers for untrusted JSON config objects. Each throws `VALIDATION_FAILED` with a message that
 * names the field by its full dotted path and never echoes the value (it may be a secret).
 */
import type { ValidationCode } from "@aftercall/schema";
import { AftercallError } from "../../errors.js";

export type JsonObject = Record<string, unknown>;

/** Throw `VALIDATION_FAILED` for the field at `path`: "`path` `rule`." */
export function invalid(path: string, rule: string, code: ValidationCode = "INVALID_FORMAT"): never {
  const message = `${path} ${rule}.`;
  throw new AftercallError("VALIDATION_FAILED", message, [{ code, path, message }]);
}

/** The object at `path`, refusing any member not in `known` (typos must not be silently ignored). */
export function readObject(input: unknown, path: string, known: readonly string[]): JsonObject {
  if (typeof input !== "object" || input === null || Array.isArray(input))
    invalid(path, "must be an object", "INVALID_TYPE");
  for (const key of Object.keys(input)) {
    if (!known.includes(key)) invalid(`${path}.${key}`, "is not a known field", "UNKNOWN_FIELD");
  }
  return input as JsonObject;
}

/** A required or optional string of 1..max characters without control characters. */
export function readString(object: JsonObject, key: string, path: string, max: number): string;
export function readString(
  object: JsonObject,
  key: string,
  path: string,
  max: number,
  optional: true,
): string | undefined;
export function readString(
  object: JsonObject,
  key: string,
  path: string,
  max: number,
  optional = false,
): string | undefined {
  const value = object[key];
  const field = `${path}.${key}`;
  if (value === undefined || value === null) {
    if (optional) return undefined;
    invalid(field, "is required", "REQUIRED");
  }
  if (typeof value !== "string") invalid(field, "must be a string", "INVALID_TYPE");
  if (value.length === 0 || value.length > max)
    invalid(field, `must be 1 to ${max} characters long`, value.length === 0 ? "REQUIRED" : "TOO_LONG");
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused
  if (/[\u0000-\u001f\u007f]/.test(value)) invalid(field, "must not contain control characters");
  return value;
}

export function readBoolean(object: JsonObject, key: string, path: string): boolean | undefined {
  const value = object[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "boolean") invalid(`${path}.${key}`, "must be true or false", "INVALID_TYPE");
  return value;
}

export function readInteger(
  object: JsonObject,
  key: string,
  path: string,
  min: number,
  max: number,
): number | undefined {
  const value = object[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max)
    invalid(`${path}.${key}`, `must be a whole number from ${min} to ${max}`);
  return value;
}

/** An absolute URL whose scheme is one of `protocols` (e.g. `["http:", "https:"]`). */
export function readUrl(value: string, field: string, protocols: readonly string[], what: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    invalid(field, `must be ${what}`);
  }
  if (!protocols.includes(url.protocol) || url.hostname === "") invalid(field, `must be ${what}`);
  return url;
}

/**
 * The marker a secret is replaced with in every read of a config. Sending it back (or omitting the field)
 * on update keeps the stored secret.
 */
export const SECRET_SET = Object.freeze({ set: true as const });
export type SecretMarker = typeof SECRET_SET;

export function isSecretMarker(value: unknown): boolean {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as JsonObject).set === true &&
    Object.keys(value).length === 1
  );
}

/**
 * A secret field: the new value, or (omitted or `{ "set": true }`) the stored one. Returns undefined when
 * neither exists; the caller decides whether that is allowed.
 */
export function readSecret(
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

/** The host of a URL as the outbound policy checks it (IPv6 without brackets). */
export function hostOf(url: string): string {
  return new URL(url).hostname.replace(/^\[(.*)\]$/, "$1");
}

/** A host a destination connects to, with the config field that names it. */
export interface ConfiguredHost {
  host: string;
  field: string;
}

/**
 * Everything Aftercall knows about one destination type's configuration, kept beside its adapter:
 * adding a type is one such module plus one line in `destination-config.ts`.
 */
export interface DestinationConfigRules<Config, PublicConfig> {
  /** Validate untrusted JSON; on update `previous` is the stored config (same type) whose secrets are kept. */
  parse(input: object, path: string, previous?: Config): Config;
  /** Where the secrets go: the fields that, changed, make a new target (null: the secret is the target). */
  secretTarget(config: Config): unknown;
  /** The secret fields of `input` that were left out (or sent back as `{ "set": true }`) and so kept. */
  keptSecrets(previous: Config, input: JsonObject, path: string): string[];
  /** The config with every secret replaced by `{ "set": true }`. */
  toPublic(config: Config): PublicConfig;
  /** The hosts the config connects to, for the outbound policy (public cloud service names left out). */
  hosts(config: Config, path: string): ConfiguredHost[];
}
