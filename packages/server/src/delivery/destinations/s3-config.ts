/** Configuration of the S3-compatible object storage destination ({@link ./s3.ts}). */
import {
  type DestinationConfigRules,
  hostOf,
  invalid,
  isSecretMarker,
  readBoolean,
  readObject,
  readSecret,
  readString,
  readUrl,
  SECRET_SET,
  type SecretMarker,
} from "./config-fields.js";

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

export type PublicS3DestinationConfig = Omit<S3DestinationConfig, "secretAccessKey"> & {
  secretAccessKey: SecretMarker;
};

const FIELDS = [
  "type",
  "endpoint",
  "region",
  "bucket",
  "accessKeyId",
  "secretAccessKey",
  "forcePathStyle",
  "prefix",
];

function parse(input: object, path: string, previous?: S3DestinationConfig): S3DestinationConfig {
  const o = readObject(input, path, FIELDS);
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

export const s3ConfigRules: DestinationConfigRules<S3DestinationConfig, PublicS3DestinationConfig> = {
  parse,
  secretTarget: (config) => [config.endpoint ?? null, config.region, config.bucket, config.accessKeyId],
  keptSecrets(_previous, input, path) {
    const value = input.secretAccessKey;
    return value === undefined || value === null || isSecretMarker(value) ? [`${path}.secretAccessKey`] : [];
  },
  toPublic: (config) => ({ ...config, secretAccessKey: SECRET_SET }),
  // AWS without an explicit endpoint: the service's names are public.
  hosts: (config, path) =>
    config.endpoint === undefined ? [] : [{ host: hostOf(config.endpoint), field: `${path}.endpoint` }],
};
