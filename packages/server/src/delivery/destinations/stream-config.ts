/** Configuration of the NATS JetStream destination ({@link ./stream.ts}). */
import {
  type DestinationConfigRules,
  hostOf,
  invalid,
  isSecretMarker,
  readObject,
  readSecret,
  readString,
  readUrl,
  SECRET_SET,
  type SecretMarker,
} from "./config-fields.js";

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

export type PublicStreamDestinationConfig = Omit<StreamDestinationConfig, "token" | "password"> & {
  token?: SecretMarker;
  password?: SecretMarker;
};

export const DEFAULT_STREAM_SUBJECT = "aftercall.callsurvey";

function parse(input: object, path: string, previous?: StreamDestinationConfig): StreamDestinationConfig {
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

export const streamConfigRules: DestinationConfigRules<
  StreamDestinationConfig,
  PublicStreamDestinationConfig
> = {
  parse,
  secretTarget: (config) => [...config.servers].sort(),
  keptSecrets(previous, input, path) {
    const kept = (key: string) =>
      input[key] === undefined || input[key] === null || isSecretMarker(input[key]);
    return [
      ...(previous.token !== undefined && kept("token") ? [`${path}.token`] : []),
      ...(previous.password !== undefined && kept("password") ? [`${path}.password`] : []),
    ];
  },
  toPublic({ token, password, ...rest }) {
    return {
      ...rest,
      ...(token !== undefined ? { token: SECRET_SET } : {}),
      ...(password !== undefined ? { password: SECRET_SET } : {}),
    };
  },
  hosts: (config, path) =>
    config.servers.map((s, i) => ({ host: hostOf(s), field: `${path}.servers[${i}]` })),
};
