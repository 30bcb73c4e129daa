/**
 * Throwaway s3rver instances (a filesystem-backed fake S3 speaking the REST API over real HTTP) for tests:
 * the `s3rver` dev dependency on a free port of 127.0.0.1 with a temp data directory that survives
 * `stop()`/`start()` on the same port (outage tests). Clients must use path-style URLs and
 * `requestChecksumCalculation: "WHEN_REQUIRED"` (s3rver stores aws-chunked bodies verbatim otherwise).
 */

import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { GetObjectCommand, ListObjectsV2Command, NoSuchKey, S3Client } from "@aws-sdk/client-s3";
import { freePort } from "./postgres.js";
import { ServiceProcess, skipUnless } from "./service-process.js";

/** s3rver accepts any key pair whose signature is well-formed; these are the documented S3RVER ones. */
export const S3RVER_ACCESS_KEY_ID = "S3RVER";
export const S3RVER_SECRET_ACCESS_KEY = "S3RVER";

export interface S3rverServer {
  port: number;
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  /** The bucket created at start-up (`aftercall-test`). */
  bucket: string;
  /** The server process (stop, kill, start again on the same port; its log). */
  process: ServiceProcess;
  /** Text of an object of the bucket, or undefined when it does not exist. */
  readObject(key: string): Promise<string | undefined>;
  /** Keys of the bucket below `prefix`. */
  listKeys(prefix?: string): Promise<string[]>;
  /** Stop the server and delete its data directory. Safe to call twice. */
  dispose(): Promise<void>;
}

function s3rverBin(): string | undefined {
  try {
    const manifest = createRequire(import.meta.url).resolve("s3rver/package.json");
    return join(dirname(manifest), "bin", "s3rver.js");
  } catch {
    return undefined;
  }
}

/** For `describe(name, { skip: s3rverSkip() })`: false, or why s3rver tests cannot run (throws in CI). */
export function s3rverSkip(): string | false {
  return skipUnless(s3rverBin() !== undefined, "the s3rver dev dependency is not installed (npm install)");
}

/** Start s3rver on a free port of 127.0.0.1 with a fresh directory and the bucket `aftercall-test`. */
export async function startS3rver(bucket = "aftercall-test"): Promise<S3rverServer> {
  const bin = s3rverBin();
  if (!bin) throw new Error("s3rver is not installed; check s3rverSkip() first");
  const directory = await mkdtemp(join(tmpdir(), "aftercall-s3rver-"));
  const port = await freePort();
  const process = new ServiceProcess({
    name: "s3rver",
    command: globalThis.process.execPath,
    args: [
      bin,
      "-d",
      directory,
      "-a",
      "127.0.0.1",
      "-p",
      String(port),
      "--silent",
      "--configure-bucket",
      bucket,
    ],
    port,
  });
  try {
    await process.start();
  } catch (error) {
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
  const endpoint = `http://127.0.0.1:${port}`;
  const client = () =>
    new S3Client({
      endpoint,
      region: "us-east-1",
      forcePathStyle: true,
      credentials: { accessKeyId: S3RVER_ACCESS_KEY_ID, secretAccessKey: S3RVER_SECRET_ACCESS_KEY },
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
    });
  let disposed = false;
  return {
    port,
    endpoint,
    bucket,
    process,
    async readObject(key) {
      const s3 = client();
      try {
        const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return (await object.Body?.transformToString("utf8")) ?? "";
      } catch (error) {
        if (error instanceof NoSuchKey) return undefined;
        throw error;
      } finally {
        s3.destroy();
      }
    },
    async listKeys(prefix = "") {
      const s3 = client();
      try {
        const keys: string[] = [];
        let token: string | undefined;
        do {
          const page = await s3.send(
            new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
          );
          for (const item of page.Contents ?? []) if (item.Key) keys.push(item.Key);
          token = page.NextContinuationToken;
        } while (token);
        return keys;
      } finally {
        s3.destroy();
      }
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      await process.stop();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
