/**
 * Stream destination: NATS JetStream, shaped like Azure Monitor's Event Hubs export. A batch is published
 * as one message `{"records":[…]}` (split into several only when it exceeds the server's max_payload),
 * with `Nats-Msg-Id` = the batch id so that the stream drops a re-sent batch within its duplicate window,
 * and `deliver` resolves on the PubAck. The connection is opened on first use, kept between batches and
 * re-established by the client after outages; a first connect that fails is retried on the next batch.
 */
import { type JetStreamClient, jetstream } from "@nats-io/jetstream";
import { connect, type NatsConnection, type NodeConnectionOptions } from "@nats-io/transport-node";
import { type DeliveryBatch, DeliveryFailure, type Destination } from "../destination.js";
import type { OutboundPolicy } from "../outbound-policy.js";
import { abortedFailure, DestinationLifecycle, raceAbort, throwIfAborted } from "./abort.js";
import { refusalOf, serviceCode } from "./failure-text.js";
import type { StreamDestinationConfig } from "./stream-config.js";

/** Room left in max_payload for the headers of a message. */
const HEADER_ALLOWANCE = 512;
/**
 * Upper bound on waiting for a PubAck. A PubAck normally takes milliseconds; while the connection is down
 * the client buffers the publish, and failing after a few seconds lets the engine's backoff (and the
 * destination's status) show the outage instead of one delivery hanging for long.
 */
const PUBLISH_TIMEOUT_MS = 5_000;
const RECORDS_OPEN = Buffer.from('{"records":[');
const RECORDS_CLOSE = Buffer.from("]}");
const COMMA = Buffer.from(",");

interface Connection {
  nc: NatsConnection;
  js: JetStreamClient;
}

export function createStreamDestination(
  config: StreamDestinationConfig,
  outbound: OutboundPolicy,
): Destination {
  let connection: Promise<Connection> | undefined;
  const lifecycle = new DestinationLifecycle("stream");

  function connected(): Promise<Connection> {
    if (!connection) {
      const attempt = open(config, outbound);
      connection = attempt;
      attempt.then(
        // The client gives up only on fatal errors (e.g. authorization); start afresh on the next batch.
        ({ nc }) =>
          nc.closed().then(() => {
            if (connection === attempt) connection = undefined;
          }),
        () => {
          if (connection === attempt) connection = undefined;
        },
      );
    }
    return connection;
  }

  return {
    type: "stream",
    async deliver(batch: DeliveryBatch, engineSignal: AbortSignal): Promise<void> {
      const signal = lifecycle.begin(engineSignal);
      const { nc, js } = await raceAbort(connected(), signal).catch((error: unknown) => {
        throw connectFailure(error, config, signal);
      });
      const maxPayload = (nc.info?.max_payload ?? 1024 * 1024) - HEADER_ALLOWANCE;
      for (const message of batchMessages(batch, maxPayload)) {
        throwIfAborted(signal);
        try {
          await raceAbort(
            js.publish(config.subject, message.body, { msgID: message.id, timeout: PUBLISH_TIMEOUT_MS }),
            signal,
          );
        } catch (error) {
          throw publishFailure(error, config, signal);
        }
      }
    },
    async close(): Promise<void> {
      if (!lifecycle.close()) return;
      const current = connection;
      connection = undefined;
      const opened = await current?.catch(() => undefined);
      await opened?.nc.close();
    },
  };
}

/**
 * Connect to the servers' addresses as resolved and checked by the outbound policy now. The client is
 * given those addresses (not the names, which it would resolve again, and which a rebinding DNS server
 * could answer differently) and ignores the servers a cluster announces, so every address it ever dials
 * (reconnects included) was checked. TLS still verifies the certificate against the configured name.
 */
async function open(config: StreamDestinationConfig, outbound: OutboundPolicy): Promise<Connection> {
  const servers: string[] = [];
  let tlsName: string | undefined;
  for (const server of config.servers) {
    const url = new URL(server);
    const port = url.port || "4222";
    if (url.protocol === "tls:") tlsName = url.hostname;
    for (const address of await outbound.resolve(url.hostname))
      servers.push(`${address.includes(":") ? `[${address}]` : address}:${port}`);
  }
  const nc = await connect({
    servers,
    resolve: false,
    ignoreClusterUpdates: true,
    // The client would verify the certificate against the address it dials; the name is what was configured.
    ...(tlsName !== undefined
      ? { tls: { servername: tlsName } as NonNullable<NodeConnectionOptions["tls"]> }
      : {}),
    name: "aftercall-delivery",
    ...(config.token !== undefined ? { token: config.token } : {}),
    ...(config.user !== undefined ? { user: config.user, pass: config.password ?? "" } : {}),
    reconnect: true,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    timeout: 10_000,
  });
  return { nc, js: jetstream(nc, { timeout: PUBLISH_TIMEOUT_MS }) };
}

/**
 * The messages of a batch: one, or as many as needed to stay under `maxPayload`, cut at record boundaries.
 * The cut depends only on the batch, so a re-sent batch gets the same message ids (`<batch id>` or
 * `<batch id>/<n>`) and is de-duplicated part by part.
 */
export function batchMessages(batch: DeliveryBatch, maxPayload: number): { id: string; body: Buffer }[] {
  const frame = RECORDS_OPEN.length + RECORDS_CLOSE.length;
  const groups: Buffer[][] = [];
  let group: Buffer[] = [];
  let size = frame;
  for (const record of batch.records) {
    const encoded = Buffer.from(JSON.stringify(record.body), "utf8");
    if (encoded.length + frame > maxPayload)
      throw new DeliveryFailure(
        `record ${record.id} is ${encoded.length} bytes, more than the NATS server's max_payload allows`,
        false,
      );
    if (group.length > 0 && size + COMMA.length + encoded.length > maxPayload) {
      groups.push(group);
      group = [];
      size = frame;
    }
    size += (group.length > 0 ? COMMA.length : 0) + encoded.length;
    group.push(encoded);
  }
  if (group.length > 0) groups.push(group);
  return groups.map((records, i) => ({
    id: groups.length === 1 ? batch.id : `${batch.id}/${i + 1}`,
    body: Buffer.concat([
      RECORDS_OPEN,
      ...records.flatMap((r, j) => (j > 0 ? [COMMA, r] : [r])),
      RECORDS_CLOSE,
    ]),
  }));
}

/**
 * The client's error reduced to its code or class (e.g. "ECONNREFUSED", "AuthorizationError"): never the
 * server's own text, which an internal service reached by a misconfigured URL could fill with anything.
 */
function reasonOf(error: unknown): string {
  const code = serviceCode((error as { code?: unknown }).code).trim();
  const name = serviceCode(error instanceof Error ? error.name : undefined).trim();
  const cause = (error as { cause?: { code?: unknown } }).cause;
  const causeCode = serviceCode(cause?.code).trim();
  return [name, code || causeCode].filter((s) => s && s !== "Error").join(" ") || "network error";
}

function connectFailure(
  error: unknown,
  config: StreamDestinationConfig,
  signal: AbortSignal,
): DeliveryFailure {
  if (error instanceof DeliveryFailure) return error;
  if (signal.aborted) return abortedFailure(signal);
  const refused = refusalOf(error);
  if (refused) return new DeliveryFailure(refused.message, true, { cause: refused });
  return new DeliveryFailure(
    `cannot connect to NATS at ${config.servers.join(", ")}: ${reasonOf(error)}`,
    true,
    {
      cause: error,
    },
  );
}

function publishFailure(
  error: unknown,
  config: StreamDestinationConfig,
  signal: AbortSignal,
): DeliveryFailure {
  if (error instanceof DeliveryFailure) return error;
  if (signal.aborted) return abortedFailure(signal);
  // A JetStream publish is a request; the client turns "no responders" (no stream listens on the subject)
  // into a JetStreamNotEnabled error, which the package does not export, hence the name test.
  if ((error as Error).name === "JetStreamNotEnabled")
    return new DeliveryFailure(
      `no JetStream stream captures subject ${config.subject} (or JetStream is not enabled on the server)`,
      true,
      { cause: error },
    );
  return new DeliveryFailure(`NATS publish on ${config.subject} failed: ${reasonOf(error)}`, true, {
    cause: error,
  });
}
