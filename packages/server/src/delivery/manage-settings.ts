import { randomUUID } from "node:crypto";
import { toSurveyRecord } from "@aftercall/schema";
import { AftercallError } from "../errors.js";
import type { Project } from "../projects/project.js";
import { failureMessage } from "./delivery-engine.js";
import type { DeliveryStore, DestinationStatus, ParkedBatch } from "./delivery-types.js";
import { DESTINATION_TYPES, type DeliveryBatch, type DestinationType } from "./destination.js";
import { chatTestMessage, checkChatPayloads, isChatPayload } from "./destinations/chat-payload.js";
import { createDestination, requireDestinationSdks } from "./destinations/create-destination.js";
import {
  type DestinationConfig,
  destinationHosts,
  type PublicDestinationConfig,
  publicDestinationConfig,
} from "./destinations/destination-config.js";
import { refusalOf } from "./destinations/failure-text.js";
import { ADDRESS_REFUSED, type OutboundPolicy, OutboundRefusedError } from "./outbound-policy.js";
import { renderSurvey } from "./render-records.js";
import {
  type DestinationState,
  type DiagnosticSetting,
  MAX_SETTINGS_PER_PROJECT,
  patchedDestinations,
  type RecordFormat,
  type SettingInput,
  type SettingPatch,
} from "./settings.js";

/** A destination as the API shows it: public configuration (no secrets) and delivery status. */
export interface DestinationView {
  id: string;
  type: DestinationType;
  format: RecordFormat;
  config: PublicDestinationConfig;
  paused: boolean;
  status: {
    state: "paused" | "caught-up" | "delivering" | "retrying";
    /** Seconds since the oldest undelivered survey or event was received; 0 when caught up. */
    lagSeconds: number;
    undelivered: number;
    deliveredRecords: number;
    lastSuccessAt?: string;
    lastError?: string;
    lastErrorAt?: string;
    failedAttempts: number;
    nextAttemptAt?: string;
    parkedBatches: number;
    parkedRecords: number;
  };
}

export type SettingView = Omit<DiagnosticSetting, "destinations"> & { destinations: DestinationView[] };

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

function destinationView(d: DestinationState, s: DestinationStatus, nowMs: number): DestinationView {
  const oldest = s.oldestUndeliveredAtMs;
  const state = d.paused
    ? "paused"
    : oldest === undefined
      ? "caught-up"
      : d.failedAttempts > 0
        ? "retrying"
        : "delivering";
  const status: DestinationView["status"] = {
    state,
    lagSeconds: oldest === undefined ? 0 : Math.max(0, Math.round((nowMs - oldest) / 100) / 10),
    undelivered: s.undelivered,
    deliveredRecords: d.deliveredRecords,
    failedAttempts: d.failedAttempts,
    parkedBatches: s.parkedBatches,
    parkedRecords: s.parkedRecords,
  };
  const optional = {
    lastSuccessAt: iso(d.lastSuccessAtMs),
    lastError: d.lastError,
    lastErrorAt: iso(d.lastErrorAtMs),
    nextAttemptAt: d.failedAttempts > 0 ? iso(d.nextAttemptAtMs) : undefined,
  };
  for (const [key, value] of Object.entries(optional))
    if (value !== undefined) Object.assign(status, { [key]: value });
  return {
    id: d.id,
    type: d.type,
    format: d.format,
    config: publicDestinationConfig(d.config),
    paused: d.paused,
    status,
  };
}

/** The setting as the API shows it, with each destination's live status. */
export async function settingView(
  store: DeliveryStore,
  setting: DiagnosticSetting,
  nowMs = Date.now(),
): Promise<SettingView> {
  const destinations = await Promise.all(
    setting.destinations.map(async (d) =>
      destinationView(d, await store.destinationStatus(d, setting.categories), nowMs),
    ),
  );
  return { ...setting, destinations };
}

export async function requireSetting(
  store: DeliveryStore,
  projectId: string,
  id: string,
): Promise<DiagnosticSetting> {
  const setting = await store.getSetting(projectId, id);
  if (!setting)
    throw new AftercallError("NOT_FOUND", `Diagnostic setting ${id} was not found in project ${projectId}.`);
  return setting;
}

const destinationId = (settingId: string, type: DestinationType) => `${settingId}.${type}`;

/**
 * Who configures a setting, and under which outbound policy: only the operator may make the server
 * write into its own file system, and no one may point a destination at an address the policy refuses.
 */
export interface SettingAuthor {
  operator: boolean;
  outbound: OutboundPolicy;
}

/** Longest wait for DNS when checking a new destination's hosts; a slow or failing name is checked at delivery. */
const RESOLVE_CHECK_MS = 3_000;

/**
 * Refuse destinations whose hosts are, or now resolve to, refused addresses, so a mistake shows on
 * create/update. Delivery checks again on every connection (DNS may answer differently later).
 * @throws AftercallError `DESTINATION_ADDRESS_REFUSED` naming the field.
 */
async function checkTargets(
  outbound: OutboundPolicy,
  configs: Partial<Record<DestinationType, DestinationConfig>>,
): Promise<void> {
  for (const [type, config] of Object.entries(configs) as Array<[DestinationType, DestinationConfig]>) {
    for (const { host, field } of destinationHosts(config, `destinations.${type}`)) {
      const checked = outbound.resolve(host).then(
        () => undefined,
        (error: unknown) => (error instanceof OutboundRefusedError ? error : undefined),
      );
      const timeout = new Promise<undefined>((r) => setTimeout(() => r(undefined), RESOLVE_CHECK_MS).unref());
      const refused = await Promise.race([checked, timeout]);
      if (refused)
        throw new AftercallError(
          ADDRESS_REFUSED,
          `${field}: ${host} is not allowed by this server's outbound policy (loopback, private, link-local ` +
            "and similar addresses are refused; the operator can allow hosts with AFTERCALL_OUTBOUND_ALLOW).",
        );
    }
  }
}

/** The author may configure these destination types, and this server has their SDKs installed. */
function checkDestinations(author: SettingAuthor, types: readonly string[]): void {
  requireDestinationSdks(types);
  if (types.includes("directory") && !author.operator)
    throw new AftercallError(
      "FORBIDDEN",
      "Only the operator may configure a directory destination: it writes into the server's own file system.",
    );
}

/**
 * Refuse a backfill from before the oldest outbox entry still kept (`lifecycle/outbox-pruning.ts`): it
 * could only deliver part of what was asked, and silently.
 */
async function checkBackfillHorizon(store: DeliveryStore, projectId: string, fromMs: number): Promise<void> {
  const prunedBefore = await store.logPrunedBeforeMs(projectId);
  if (fromMs < prunedBefore)
    throw new AftercallError(
      "BACKFILL_BEYOND_HORIZON",
      `backfillFrom: delivered entries received before ${new Date(prunedBefore).toISOString()} are no longer kept (AFTERCALL_BACKFILL_HORIZON_DAYS); backfill from that time or later.`,
    );
}

/** Deliver again what the setting's destinations (`types`) stored since `fromMs`. */
export async function backfillSetting(
  store: DeliveryStore,
  setting: Pick<DiagnosticSetting, "id" | "projectId">,
  types: readonly DestinationType[],
  fromMs: number,
): Promise<void> {
  await checkBackfillHorizon(store, setting.projectId, fromMs);
  await store.backfill(setting.id, types, fromMs);
}

export async function createSetting(
  store: DeliveryStore,
  project: Project,
  input: SettingInput,
  author: SettingAuthor,
): Promise<DiagnosticSetting> {
  checkDestinations(author, Object.keys(input.destinations));
  checkChatPayloads(input.categories, Object.values(input.destinations));
  if (input.backfillFromMs !== undefined) await checkBackfillHorizon(store, project.id, input.backfillFromMs);
  await checkTargets(author.outbound, input.destinations);
  const id = `ds_${randomUUID().replace(/-/g, "").slice(0, 20)}`;
  const outcome = await store.createSetting(
    {
      id,
      projectId: project.id,
      name: input.name,
      categories: input.categories,
      format: input.format,
      destinations: (Object.entries(input.destinations) as Array<[DestinationType, DestinationConfig]>).map(
        ([type, config]) => ({
          id: destinationId(id, type),
          type,
          config,
          format: input.destinationFormats[type] ?? input.format,
        }),
      ),
      ...(input.backfillFromMs === undefined ? {} : { backfillFromMs: input.backfillFromMs }),
      nowMs: Date.now(),
    },
    MAX_SETTINGS_PER_PROJECT,
  );
  if (outcome.status === "limit")
    throw new AftercallError(
      "SETTING_LIMIT_REACHED",
      `Project ${project.id} already has ${MAX_SETTINGS_PER_PROJECT} diagnostic settings, the most a project may have.`,
    );
  if (outcome.status === "name-taken")
    throw new AftercallError(
      "SETTING_EXISTS",
      `Project ${project.id} already has a diagnostic setting named "${input.name}".`,
    );
  return outcome.setting;
}

export async function updateSetting(
  store: DeliveryStore,
  project: Project,
  id: string,
  patch: SettingPatch,
  author: SettingAuthor,
): Promise<DiagnosticSetting> {
  checkDestinations(
    author,
    Object.entries(patch.destinations ?? {})
      .filter(([, config]) => config !== null)
      .map(([type]) => type),
  );
  const current = await requireSetting(store, project.id, id);
  const { keep, upsert, remove } = patchedDestinations(current.destinations, patch.destinations);
  checkChatPayloads(patch.categories ?? current.categories, [
    ...keep.map((d) => d.config),
    ...Object.values(upsert),
  ]);
  await checkTargets(author.outbound, upsert);
  const name = patch.name ?? current.name;
  // A destination's own format wins; a new setting-wide format applies to every destination; otherwise
  // a destination keeps its format, and a new one takes the setting's.
  const formatOf = (type: DestinationType) =>
    patch.destinationFormats?.[type] ??
    patch.format ??
    current.destinations.find((d) => d.type === type)?.format ??
    current.format;
  const updated = await store.updateSetting(project.id, id, {
    name,
    categories: patch.categories ?? current.categories,
    format: patch.format ?? current.format,
    upsert: (Object.entries(upsert) as Array<[DestinationType, DestinationConfig]>).map(([type, config]) => ({
      id: destinationId(id, type),
      type,
      config,
      format: formatOf(type),
    })),
    formats: current.destinations
      .filter((d) => !(d.type in upsert) && !remove.includes(d.type))
      .map((d) => ({ type: d.type, format: formatOf(d.type) })),
    remove,
    nowMs: Date.now(),
  });
  if (updated === "missing")
    throw new AftercallError("NOT_FOUND", `Diagnostic setting ${id} was not found in project ${project.id}.`);
  if (updated === "name-taken")
    throw new AftercallError(
      "SETTING_EXISTS",
      `Project ${project.id} already has a diagnostic setting named "${name}".`,
    );
  return requireSetting(store, project.id, id);
}

/** Destination types a request names (`destination=webhook`), or every type of the setting. */
export function selectTypes(setting: DiagnosticSetting, requested: unknown): DestinationType[] {
  if (setting.destinations.length === 0)
    throw new AftercallError("NOT_FOUND", `Diagnostic setting ${setting.id} has no destinations.`);
  if (requested === undefined) return setting.destinations.map((d) => d.type);
  if (typeof requested !== "string" || !(DESTINATION_TYPES as readonly string[]).includes(requested))
    throw new AftercallError(
      "INVALID_PARAMETER",
      `destination must be one of ${DESTINATION_TYPES.join(", ")}.`,
    );
  if (!setting.destinations.some((d) => d.type === requested))
    throw new AftercallError(
      "NOT_FOUND",
      `Diagnostic setting ${setting.id} has no ${requested} destination.`,
    );
  return [requested as DestinationType];
}

/** Outcome of sending a test record to one destination. */
export interface TestResult {
  type: DestinationType;
  ok: boolean;
  ms: number;
  error?: string;
  /** `DESTINATION_ADDRESS_REFUSED` when the outbound policy refused the address. */
  code?: typeof ADDRESS_REFUSED;
}

/**
 * Deliver a test batch to one destination; a chat webhook (which posts alerts only) gets a marked test
 * message in its own envelope instead.
 */
async function sendTest(
  d: DestinationState,
  batch: DeliveryBatch,
  settingName: string,
  outbound: OutboundPolicy,
  timeoutMs: number,
): Promise<void> {
  const chat = d.config.type === "webhook" ? d.config : undefined;
  if (chat && isChatPayload(chat.payload)) {
    const sender = (await import("./destinations/webhook.js")).createWebhookSender(chat, outbound);
    try {
      const message = chatTestMessage(chat.payload, settingName, batch.projectId);
      await sender.send(batch.id, message, AbortSignal.timeout(timeoutMs));
    } finally {
      sender.close();
    }
    return;
  }
  const destination = await createDestination(d.config, outbound);
  try {
    await destination.deliver(batch, AbortSignal.timeout(timeoutMs));
  } finally {
    await destination.close().catch(() => {});
  }
}

/**
 * Send one clearly marked test record (in each destination's format) to each chosen destination, now, outside
 * the delivery log: it proves connectivity and credentials without touching cursors.
 */
export async function testSetting(
  project: Project,
  setting: DiagnosticSetting,
  types: readonly DestinationType[],
  outbound: OutboundPolicy,
  timeoutMs = 10_000,
): Promise<TestResult[]> {
  const now = new Date();
  const id = randomUUID();
  // A real, valid record built the way ingestion builds one, so receivers can parse it like any other.
  const survey = toSurveyRecord(
    {
      id,
      callId: "aftercall-test-call",
      participantId: "aftercall-test",
      clientTime: now.toISOString(),
      overallRating: { score: 5 },
    },
    { projectId: project.id, receivedAt: now },
  );
  return Promise.all(
    setting.destinations
      .filter((d) => types.includes(d.type))
      .map(async (d): Promise<TestResult> => {
        const started = performance.now();
        const batch: DeliveryBatch = {
          id: `test:${id}`,
          projectId: project.id,
          resourceId: project.resourceId,
          records: [
            {
              id: `test:${id}`,
              category: "CallSurvey",
              timeMs: now.getTime(),
              body: renderSurvey(survey, d.format, project.resourceId),
            },
          ],
        };
        try {
          await sendTest(d, batch, setting.name, outbound, timeoutMs);
          return { type: d.type, ok: true, ms: Math.round(performance.now() - started) };
        } catch (error) {
          return {
            type: d.type,
            ok: false,
            ms: Math.round(performance.now() - started),
            error: failureMessage(error),
            ...(refusalOf(error) ? { code: ADDRESS_REFUSED } : {}),
          };
        }
      }),
  );
}

/** Parked batches of a setting, with the destination type each belongs to. */
export async function parkedBatches(
  store: DeliveryStore,
  setting: DiagnosticSetting,
): Promise<Array<ParkedBatch & { type: DestinationType }>> {
  const typeOf = new Map(setting.destinations.map((d) => [d.id, d.type]));
  const parked = await store.listParked([...typeOf.keys()]);
  return parked.map((p) => ({ ...p, type: typeOf.get(p.destinationId) as DestinationType }));
}
