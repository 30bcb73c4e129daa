/**
 * One real destination system per destination type, behind one small interface, for the tests that drive
 * a whole server against them (outages, crashes, several servers): start it, read back which surveys
 * arrived, take it down and bring it back.
 */
import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DestinationType } from "../../src/delivery/destination.js";
import { generateWebhookSecret } from "../../src/delivery/destinations/webhook-signature.js";
import { azuriteSkip, startAzurite } from "./azurite.js";
import { natsSkip, startNats } from "./nats.js";
import { S3RVER_ACCESS_KEY_ID, S3RVER_SECRET_ACCESS_KEY, s3rverSkip, startS3rver } from "./s3rver.js";
import { startWebhookReceiver, type WebhookReceiver } from "./webhook-receiver.js";

export interface DeliveryTarget {
  type: DestinationType;
  /** The `destinations.<type>` configuration of a diagnostic setting. */
  config: Record<string, unknown>;
  /** Record format the setting uses for this target (both formats get exercised across types). */
  format: "acs" | "native";
  /** Every survey or event record that arrived, duplicates included, in arrival order. */
  records(): Promise<unknown[]>;
  /** Every erasure tombstone that arrived (a record, or an archive's erasure manifest). */
  tombstones(): Promise<unknown[]>;
  /** Make the system unreachable (or unwritable), keeping what it stored. */
  down(): Promise<void>;
  up(): Promise<void>;
  dispose(): Promise<void>;
  /** The webhook receiver, for tests that make it hang. */
  receiver?: WebhookReceiver;
}

/** A survey id out of a record in either format. */
export function surveyIdOf(record: unknown): string {
  const r = record as { id?: string; properties?: { SurveyId?: string } };
  return String(r.properties?.SurveyId ?? r.id);
}

/** The format a record is in: the Azure resource-log record carries `properties`, the native one `schemaVersion`. */
export function formatOf(record: unknown): "acs" | "native" | "unknown" {
  const r = record as Record<string, unknown>;
  if (r.category === "CallSurvey" && typeof r.properties === "object") return "acs";
  if (r.schemaVersion === 1 && typeof r.ratings === "object") return "native";
  return "unknown";
}

/** Whether a record (native or acs) is an erasure tombstone. */
export const isTombstone = (record: unknown): boolean => {
  const r = record as { type?: unknown; category?: unknown };
  return r.type === "CallSurveyDeleted" || r.category === "CallSurveyDeleted";
};

/** records() and tombstones() of a target from one reader of everything that arrived. */
const split = (all: () => Promise<unknown[]>) => ({
  records: async () => (await all()).filter((r) => !isTombstone(r)),
  tombstones: async () => (await all()).filter(isTombstone),
});

const parseLines = (text: string | undefined): unknown[] =>
  (text ?? "")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line));

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(path)));
    else out.push(path);
  }
  return out.sort();
}

const STREAM = "CALLSURVEY";

async function streamTarget(): Promise<DeliveryTarget> {
  const nats = await startNats();
  await nats.createStream(STREAM, ["aftercall.>"]);
  return {
    type: "stream",
    config: { servers: [nats.url], subject: "aftercall.callsurvey" },
    format: "acs",
    ...split(async () => {
      const messages = await nats.messages(STREAM);
      return messages.flatMap((m) => (JSON.parse(m.data) as { records: unknown[] }).records);
    }),
    down: () => nats.process.stop(),
    up: () => nats.process.start(),
    dispose: () => nats.dispose(),
  };
}

async function blobTarget(): Promise<DeliveryTarget> {
  const azurite = await startAzurite();
  const read = async (container: string) => {
    const names = await azurite.listBlobs(container).catch(() => [] as string[]);
    const texts = await Promise.all(names.map((n) => azurite.readBlob(container, n)));
    return texts.flatMap(parseLines);
  };
  return {
    type: "blob",
    config: { connectionString: azurite.connectionString },
    format: "acs",
    records: () => read("insights-logs-callsurvey"),
    tombstones: () => read("insights-logs-callsurveydeleted"),
    down: () => azurite.process.stop(),
    up: () => azurite.process.start(),
    dispose: () => azurite.dispose(),
  };
}

async function s3Target(): Promise<DeliveryTarget> {
  const s3 = await startS3rver();
  return {
    type: "s3",
    config: {
      endpoint: s3.endpoint,
      region: "us-east-1",
      bucket: s3.bucket,
      accessKeyId: S3RVER_ACCESS_KEY_ID,
      secretAccessKey: S3RVER_SECRET_ACCESS_KEY,
      forcePathStyle: true,
    },
    format: "native",
    ...split(async () => {
      const keys = await s3.listKeys("");
      const texts = await Promise.all(keys.map((k) => s3.readObject(k)));
      return texts.flatMap(parseLines);
    }),
    down: () => s3.process.stop(),
    up: () => s3.process.start(),
    dispose: () => s3.dispose(),
  };
}

/** A local folder; "down" puts a plain file where the folder was, so no record can be written. */
async function directoryTarget(): Promise<DeliveryTarget> {
  const parent = await mkdtemp(join(tmpdir(), "aftercall-dir-target-"));
  const path = join(parent, "archive");
  await mkdir(path);
  return {
    type: "directory",
    config: { path },
    format: "acs",
    ...split(async () => {
      const files = await walk(path);
      return (await Promise.all(files.map((f) => readFile(f, "utf8")))).flatMap(parseLines);
    }),
    async down() {
      await rename(path, `${path}.away`);
      await writeFile(path, "not a directory");
    },
    async up() {
      await rm(path, { force: true });
      await rename(`${path}.away`, path);
    },
    dispose: () => rm(parent, { recursive: true, force: true }),
  };
}

async function webhookTarget(): Promise<DeliveryTarget> {
  const secret = generateWebhookSecret();
  const receiver = await startWebhookReceiver(secret);
  return {
    type: "webhook",
    config: { url: receiver.url, secret, timeoutMs: 5000 },
    format: "native",
    receiver,
    ...split(async () =>
      receiver.deliveries
        .filter((d) => d.status >= 200 && d.status < 300 && d.signatureValid)
        .flatMap((d) => d.records ?? []),
    ),
    down: () => receiver.stop(),
    up: () => receiver.start(),
    dispose: () => receiver.stop(),
  };
}

/** Every destination type with its real system, and why it cannot run here (never skipped in CI). */
export const DELIVERY_TARGETS: Array<{
  type: DestinationType;
  skip: () => string | false;
  start: () => Promise<DeliveryTarget>;
}> = [
  { type: "stream", skip: natsSkip, start: streamTarget },
  { type: "blob", skip: azuriteSkip, start: blobTarget },
  { type: "s3", skip: s3rverSkip, start: s3Target },
  { type: "directory", skip: () => false, start: directoryTarget },
  { type: "webhook", skip: () => false, start: webhookTarget },
];
