/**
 * Azure Blob Storage destination, written as Azure Monitor writes a storage account: one append blob per
 * project, category and hour (see archive-layout.ts), one JSON record per line. Containers and blobs are
 * created on first use. Appends are split at line boundaries below the 4 MiB block limit.
 *
 * An append blob holds at most 50,000 blocks, and each delivery appends at least one block per hour
 * object: the engine must batch so that a project stays below that (about 13 appends a second).
 */
import { type AppendBlobClient, BlobServiceClient, type ContainerClient } from "@azure/storage-blob";
import { type DeliveryBatch, DeliveryFailure, type Destination } from "../destination.js";
import type { OutboundPolicy } from "../outbound-policy.js";
import { abortedFailure, DestinationLifecycle, throwIfAborted } from "./abort.js";
import { type ArchiveChunk, appendChunks, splitLines } from "./archive-layout.js";
import type { BlobDestinationConfig } from "./blob-config.js";
import { refusalOf, serviceCode } from "./failure-text.js";

/** Largest append block the service accepts in every API version. */
export const MAX_APPEND_BYTES = 4 * 1024 * 1024;
/** Blobs known to exist, to save a round trip per append; bounded, a miss only costs one request. */
const MAX_KNOWN_BLOBS = 1000;

export function createBlobDestination(config: BlobDestinationConfig, outbound: OutboundPolicy): Destination {
  const agent = blobEndpointIsHttp(config.connectionString) ? outbound.httpAgent() : outbound.httpsAgent();
  // The engine owns retries and backoff; the SDK's own would hide outages behind long waits. The agent
  // sends every connection through the outbound policy (the pipeline's agent option; not in its types).
  const service = BlobServiceClient.fromConnectionString(config.connectionString, {
    retryOptions: { maxTries: 1 },
    agent,
  } as Parameters<typeof BlobServiceClient.fromConnectionString>[1]);
  const knownContainers = new Set<string>();
  const knownBlobs = new Set<string>();
  const lifecycle = new DestinationLifecycle("blob");

  async function container(name: string, signal: AbortSignal): Promise<ContainerClient> {
    const client = service.getContainerClient(name);
    if (!knownContainers.has(name)) {
      await client.createIfNotExists({ abortSignal: signal });
      knownContainers.add(name);
    }
    return client;
  }

  async function ensureBlob(blob: AppendBlobClient, key: string, signal: AbortSignal): Promise<void> {
    if (knownBlobs.has(key)) return;
    await blob.createIfNotExists({
      abortSignal: signal,
      blobHTTPHeaders: { blobContentType: "application/json" },
    });
    if (knownBlobs.size >= MAX_KNOWN_BLOBS) knownBlobs.clear();
    knownBlobs.add(key);
  }

  async function appendPiece(chunk: ArchiveChunk, key: string, piece: Buffer, signal: AbortSignal) {
    const blob = (await container(chunk.container, signal)).getAppendBlobClient(chunk.name);
    await ensureBlob(blob, key, signal);
    await blob.appendBlock(piece, piece.length, { abortSignal: signal });
  }

  async function append(chunk: ArchiveChunk, signal: AbortSignal): Promise<void> {
    if (chunk.whole) {
      // An erasure manifest: one small block blob, replaced whole on a retry.
      const blob = (await container(chunk.container, signal)).getBlockBlobClient(chunk.name);
      const body = Buffer.from(chunk.text, "utf8");
      await blob.upload(body, body.length, {
        abortSignal: signal,
        blobHTTPHeaders: { blobContentType: "application/json" },
      });
      return;
    }
    const key = `${chunk.container}/${chunk.name}`;
    for (const piece of splitLines(chunk.text, MAX_APPEND_BYTES)) {
      throwIfAborted(signal);
      try {
        await appendPiece(chunk, key, piece, signal);
      } catch (error) {
        // The blob or its container was deleted behind our back: forget what we knew, and go again once.
        if (statusOf(error) !== 404) throw error;
        knownBlobs.delete(key);
        knownContainers.delete(chunk.container);
        await appendPiece(chunk, key, piece, signal);
      }
    }
  }

  return {
    type: "blob",
    async deliver(batch: DeliveryBatch, engineSignal: AbortSignal): Promise<void> {
      const signal = lifecycle.begin(engineSignal);
      await appendChunks(batch, signal, append, (error, chunk) => blobFailure(error, chunk, signal));
    },
    async close(): Promise<void> {
      if (lifecycle.close()) agent.destroy();
    },
  };
}

/** Whether the blob endpoint is plain http (an emulator or a private endpoint); Azure itself is https. */
function blobEndpointIsHttp(connectionString: string): boolean {
  const endpoint = /(?:^|;)\s*BlobEndpoint=([^;]+)/i.exec(connectionString)?.[1];
  if (endpoint !== undefined) return endpoint.trim().toLowerCase().startsWith("http:");
  return /(?:^|;)\s*DefaultEndpointsProtocol=http\s*(;|$)/i.test(connectionString);
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown }).statusCode;
  return typeof status === "number" ? status : undefined;
}

/**
 * An operator-readable failure from the status and the service's error code only, without `cause`:
 * RestErrors carry the request, whose URL holds the SAS signature when one is configured.
 */
function blobFailure(error: unknown, chunk: ArchiveChunk, signal: AbortSignal): DeliveryFailure {
  if (error instanceof DeliveryFailure) return error;
  if (signal.aborted) return abortedFailure(signal);
  const refused = refusalOf(error);
  if (refused) return new DeliveryFailure(refused.message, true, { cause: refused });
  const status = statusOf(error);
  const code = (error as { code?: unknown }).code;
  const where = `${chunk.container}/${chunk.name}`;
  if (status === undefined)
    return new DeliveryFailure(
      `blob storage unreachable (${serviceCode(code).trim() || "network error"}) writing ${where}`,
    );
  // 400 and 413 reject the request itself, the same request will be rejected again.
  const retryable = status !== 400 && status !== 413;
  return new DeliveryFailure(
    `blob storage answered HTTP ${status}${serviceCode(code)} writing ${where}`,
    retryable,
  );
}
