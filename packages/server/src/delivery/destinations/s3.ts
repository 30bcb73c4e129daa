/**
 * S3-compatible destination with the archive key layout (see archive-layout.ts) below `prefix`. S3 objects
 * cannot be appended to, so each delivered batch is one object below its hour's prefix
 * (`…/h=HH/m=00/part-<first seq>-<last seq>.json`): a delivery costs the same whatever the hour already
 * holds, and a retry of the batch replaces its own object. (Rewriting a whole `PT1H.json` per batch cost
 * gigabytes of transfer per hour at sustained volume.)
 */
import { PutObjectCommand, S3Client, S3ServiceException } from "@aws-sdk/client-s3";
import { type DeliveryBatch, DeliveryFailure, type Destination } from "../destination.js";
import type { OutboundPolicy } from "../outbound-policy.js";
import { abortedFailure, DestinationLifecycle } from "./abort.js";
import { type ArchiveChunk, appendChunks } from "./archive-layout.js";
import { refusalOf, serviceCode } from "./failure-text.js";
import type { S3DestinationConfig } from "./s3-config.js";

export function createS3Destination(config: S3DestinationConfig, outbound: OutboundPolicy): Destination {
  const client = new S3Client({
    // Every connection through the outbound policy, checked on the address dialled.
    requestHandler: { httpAgent: outbound.httpAgent(), httpsAgent: outbound.httpsAgent() },
    region: config.region,
    ...(config.endpoint !== undefined ? { endpoint: config.endpoint } : {}),
    forcePathStyle: config.forcePathStyle,
    credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey },
    // Checksums only where S3 requires them: S3-compatible servers mangle aws-chunked bodies.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    // The engine owns retries and backoff.
    maxAttempts: 1,
  });
  const lifecycle = new DestinationLifecycle("s3");

  async function put(chunk: ArchiveChunk, signal: AbortSignal): Promise<void> {
    const key = `${config.prefix}${chunk.container}/${chunk.name}`;
    await client.send(
      new PutObjectCommand({
        Bucket: config.bucket,
        Key: key,
        Body: Buffer.from(chunk.text, "utf8"),
        ContentType: "application/json",
      }),
      { abortSignal: signal },
    );
  }

  return {
    type: "s3",
    async deliver(batch: DeliveryBatch, engineSignal: AbortSignal): Promise<void> {
      const signal = lifecycle.begin(engineSignal);
      await appendChunks(
        batch,
        signal,
        put,
        (error, chunk) =>
          s3Failure(error, `${config.prefix}${chunk.container}/${chunk.name}`, config, signal),
        "part",
      );
    },
    async close(): Promise<void> {
      if (lifecycle.close()) client.destroy();
    },
  };
}

/** Status and error code only, no `cause`: SDK errors carry the signed request. */
function s3Failure(
  error: unknown,
  key: string,
  config: S3DestinationConfig,
  signal: AbortSignal,
): DeliveryFailure {
  if (error instanceof DeliveryFailure) return error;
  if (signal.aborted) return abortedFailure(signal);
  const refused = refusalOf(error);
  if (refused) return new DeliveryFailure(refused.message, true, { cause: refused });
  if (error instanceof S3ServiceException && error.$metadata.httpStatusCode !== undefined) {
    const status = error.$metadata.httpStatusCode;
    const what = error.name === "NoSuchBucket" ? ` (bucket ${config.bucket} does not exist)` : "";
    // 400 and 413 reject the request itself; everything else (auth, missing bucket, 5xx) an operator
    // or the service can fix, and the engine parks the batch after its attempts anyway.
    return new DeliveryFailure(
      `S3 answered HTTP ${status}${serviceCode(error.name)}${what} writing ${key}`,
      status !== 400 && status !== 413,
    );
  }
  const code = (error as { code?: unknown }).code ?? (error as { name?: unknown }).name;
  return new DeliveryFailure(
    `S3 unreachable (${serviceCode(code).trim() || "network error"}) writing ${key}`,
  );
}
