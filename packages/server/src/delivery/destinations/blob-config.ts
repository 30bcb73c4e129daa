/** Configuration of the Azure Blob Storage destination ({@link ./blob.ts}). */
import {
  type DestinationConfigRules,
  hostOf,
  invalid,
  readObject,
  readSecret,
  readUrl,
  SECRET_SET,
  type SecretMarker,
} from "./config-fields.js";

/** Azure Blob Storage: one append blob per project, category and hour (container `insights-logs-<category>`). */
export interface BlobDestinationConfig {
  type: "blob";
  /** Secret. `DefaultEndpointsProtocol=…;AccountName=…;AccountKey=…` or with `SharedAccessSignature=…`. */
  connectionString: string;
}

export type PublicBlobDestinationConfig = Omit<BlobDestinationConfig, "connectionString"> & {
  connectionString: SecretMarker;
};

function parse(input: object, path: string, previous?: BlobDestinationConfig): BlobDestinationConfig {
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

export const blobConfigRules: DestinationConfigRules<BlobDestinationConfig, PublicBlobDestinationConfig> = {
  parse,
  // The connection string is the secret and its target at once: it cannot be retargeted without being
  // sent again.
  secretTarget: () => null,
  keptSecrets: () => [],
  toPublic: (config) => ({ ...config, connectionString: SECRET_SET }),
  hosts(config, path) {
    // Without an explicit endpoint the account's host is Azure's public service name.
    const endpoint = /(?:^|;)\s*BlobEndpoint=([^;]+)/i.exec(config.connectionString)?.[1];
    return endpoint === undefined
      ? []
      : [{ host: hostOf(endpoint.trim()), field: `${path}.connectionString BlobEndpoint` }];
  },
};
