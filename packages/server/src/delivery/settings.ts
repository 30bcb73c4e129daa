import { RECORD_FORMATS, type RecordFormat } from "@aftercall/api";
import { AftercallError } from "../errors.js";
import { DESTINATION_TYPES, type DestinationType, LOG_CATEGORIES, type LogCategory } from "./destination.js";
import { type DestinationConfig, parseDestinationConfig } from "./destinations/destination-config.js";

export { MAX_SETTINGS_PER_PROJECT, RECORD_FORMATS, type RecordFormat } from "@aftercall/api";

/**
 * A diagnostic setting: which log categories of a project go where, in which record format. Each
 * destination has its own cursor and state, so one failing system never holds up another.
 */
export interface DiagnosticSetting {
  id: string;
  projectId: string;
  name: string;
  categories: LogCategory[];
  format: RecordFormat;
  destinations: DestinationState[];
  createdAt: string;
  updatedAt: string;
}

/** A destination of a setting with its delivery state, as stored. `config` holds secrets: never send it out. */
export interface DestinationState {
  id: string;
  settingId: string;
  projectId: string;
  type: DestinationType;
  config: DestinationConfig;
  /** Record format this destination receives. */
  format: RecordFormat;
  /** Sequence number of the last delivery-log entry delivered (or parked). */
  cursorSeq: number;
  paused: boolean;
  /** Consecutive failed attempts of the current batch. */
  failedAttempts: number;
  /** Epoch ms before which no attempt is made (backoff). */
  nextAttemptAtMs: number;
  deliveredRecords: number;
  lastSuccessAtMs?: number;
  lastError?: string;
  lastErrorAtMs?: number;
}

/** What an operator asks for when creating a setting (validated). */
export interface SettingInput {
  name: string;
  categories: LogCategory[];
  /** Default record format of the destinations. */
  format: RecordFormat;
  destinations: Partial<Record<DestinationType, DestinationConfig>>;
  /** Destinations that asked for another format than the setting's. */
  destinationFormats: Partial<Record<DestinationType, RecordFormat>>;
  /** Deliver what was stored since this time (epoch ms); absent means only what arrives from now on. */
  backfillFromMs?: number;
}

/**
 * A partial update; a destination set to `null` is removed. Destination configurations stay unparsed
 * until they meet the stored ones, whose secrets they keep when they leave them out.
 */
export interface SettingPatch {
  name?: string;
  categories?: LogCategory[];
  format?: RecordFormat;
  destinations?: Partial<Record<DestinationType, Record<string, unknown> | null>>;
  destinationFormats?: Partial<Record<DestinationType, RecordFormat>>;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/;
const SETTING_FIELDS = new Set(["name", "categories", "format", "destinations", "backfillFrom"]);

const invalid = (message: string): AftercallError => new AftercallError("VALIDATION_FAILED", message);

function object(input: unknown, path: string): Record<string, unknown> {
  if (typeof input !== "object" || input === null || Array.isArray(input))
    throw invalid(`${path} must be a JSON object.`);
  return input as Record<string, unknown>;
}

function parseName(value: unknown): string {
  if (typeof value !== "string" || !NAME.test(value))
    throw invalid("name must be 1–64 letters, digits, spaces, dots, dashes or underscores.");
  return value;
}

/** `allLogs` selects every category, as the Azure category group does. */
function parseCategories(value: unknown): LogCategory[] {
  if (!Array.isArray(value) || value.length === 0)
    throw invalid(`categories must be a non-empty list of ${[...LOG_CATEGORIES, "allLogs"].join(", ")}.`);
  const chosen = new Set<LogCategory>();
  for (const item of value) {
    if (item === "allLogs") for (const c of LOG_CATEGORIES) chosen.add(c);
    else if ((LOG_CATEGORIES as readonly unknown[]).includes(item)) chosen.add(item as LogCategory);
    else
      throw invalid(
        `categories: "${String(item)}" is not a log category (${LOG_CATEGORIES.join(", ")}, allLogs).`,
      );
  }
  return LOG_CATEGORIES.filter((c) => chosen.has(c));
}

function parseFormat(value: unknown, path = "format"): RecordFormat {
  if (!(RECORD_FORMATS as readonly unknown[]).includes(value))
    throw invalid(`${path} must be "native" or "acs", got ${JSON.stringify(value)}.`);
  return value as RecordFormat;
}

/** Check the shape of `destinations` and tag each configuration with its type (taken from its key). */
function destinationInputs(value: unknown, allowNull: boolean) {
  const input = object(value, "destinations");
  const out: Partial<Record<DestinationType, Record<string, unknown> | null>> = {};
  const formats: Partial<Record<DestinationType, RecordFormat>> = {};
  for (const [type, config] of Object.entries(input)) {
    if (!(DESTINATION_TYPES as readonly string[]).includes(type))
      throw invalid(`destinations.${type} is not a destination type (${DESTINATION_TYPES.join(", ")}).`);
    if (config === null && allowNull) {
      out[type as DestinationType] = null;
      continue;
    }
    const { format, ...fields } = object(config, `destinations.${type}`);
    if (fields.type !== undefined && fields.type !== type)
      throw invalid(`destinations.${type}.type must be "${type}" or left out.`);
    out[type as DestinationType] = { ...fields, type };
    if (format !== undefined)
      formats[type as DestinationType] = parseFormat(format, `destinations.${type}.format`);
  }
  return { configs: out, formats };
}

function parseTime(value: unknown, path: string): number {
  const ms = typeof value === "string" ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(ms))
    throw invalid(`${path} must be an ISO 8601 date-time, e.g. 2026-11-01T00:00:00Z.`);
  return ms;
}

function rejectUnknown(input: Record<string, unknown>, allowed: Set<string>): void {
  for (const key of Object.keys(input))
    if (!allowed.has(key)) throw invalid(`${key} is not a field of a diagnostic setting.`);
}

/** Validate the body of a create request. */
export function parseSettingInput(body: unknown): SettingInput {
  const input = object(body, "The diagnostic setting");
  rejectUnknown(input, SETTING_FIELDS);
  const destinations: SettingInput["destinations"] = {};
  const { configs, formats } = destinationInputs(input.destinations ?? {}, false);
  for (const [type, config] of Object.entries(configs))
    destinations[type as DestinationType] = parseDestinationConfig(config, `destinations.${type}`);
  if (Object.keys(destinations).length === 0)
    throw invalid(`destinations must name at least one of ${DESTINATION_TYPES.join(", ")}.`);
  const setting: SettingInput = {
    name: parseName(input.name),
    categories: parseCategories(input.categories ?? ["CallSurvey"]),
    format: parseFormat(input.format ?? "acs"),
    destinations,
    destinationFormats: formats,
  };
  if (input.backfillFrom !== undefined)
    setting.backfillFromMs = parseTime(input.backfillFrom, "backfillFrom");
  return setting;
}

/** Validate the body of an update request; absent fields stay as they are. */
export function parseSettingPatch(body: unknown): SettingPatch {
  const input = object(body, "The update");
  rejectUnknown(input, new Set(["name", "categories", "format", "destinations"]));
  const patch: SettingPatch = {};
  if (input.name !== undefined) patch.name = parseName(input.name);
  if (input.categories !== undefined) patch.categories = parseCategories(input.categories);
  if (input.format !== undefined) patch.format = parseFormat(input.format);
  if (input.destinations !== undefined) {
    const { configs, formats } = destinationInputs(input.destinations, true);
    patch.destinations = configs;
    patch.destinationFormats = formats;
  }
  return patch;
}

/** Parse `{"from": "<ISO time>"}` of a backfill request. */
export function parseBackfillFrom(body: unknown): number {
  const input = object(body ?? {}, "The backfill request");
  return parseTime(input.from, "from");
}

/**
 * The destinations a setting has after a patch: kept ones keep their secrets unless the patch sets new
 * ones, removed ones go. `undefined` for a type means "no destination of this type".
 */
export function patchedDestinations(
  current: readonly DestinationState[],
  patch: SettingPatch["destinations"],
): {
  keep: DestinationState[];
  upsert: Partial<Record<DestinationType, DestinationConfig>>;
  remove: DestinationType[];
} {
  const upsert: Partial<Record<DestinationType, DestinationConfig>> = {};
  const remove: DestinationType[] = [];
  for (const [type, config] of Object.entries(patch ?? {}) as Array<
    [DestinationType, Record<string, unknown> | null]
  >) {
    const existing = current.find((d) => d.type === type);
    if (config === null) {
      if (existing) remove.push(type);
    } else upsert[type] = parseDestinationConfig(config, `destinations.${type}`, existing?.config);
  }
  const keep = current.filter((d) => !(d.type in upsert) && !remove.includes(d.type));
  if (keep.length + Object.keys(upsert).length === 0)
    throw invalid("A diagnostic setting needs at least one destination; delete the setting instead.");
  return { keep, upsert, remove };
}
