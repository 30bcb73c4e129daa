import { join, resolve } from "node:path";
import { PROJECT_LIMIT_BOUNDS } from "@aftercall/api";
import { type OutboundAllowList, parseOutboundAllowList } from "./delivery/outbound-policy.js";
import { type ClientTimeWindow, DEFAULT_CLIENT_TIME_WINDOW } from "./ingest/client-time.js";
import { DEFAULT_BACKFILL_HORIZON_DAYS } from "./lifecycle/outbox-pruning.js";
import { DEFAULT_RATE_LIMITS, parseRate, type RateLimitSettings } from "./limits/rate-limits.js";
import type { SecretKeySource } from "./secrets/secret-key.js";
import type { StoreLocation } from "./store/open-database.js";
import { DEFAULT_ANALYTICS_SHARE } from "./store/paced-reads.js";

/** Everything the server reads from its environment, parsed once at start-up. */
export interface ServerConfig {
  host: string;
  port: number;
  store: StoreLocation;
  /** Bearer token for operator calls (create projects, read any project); unset disables them over HTTP. */
  operatorToken?: string;
  logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  /** Seconds an API key lookup is cached; a revoked key stops working after at most this long. */
  keyCacheSeconds: number;
  /** Run the delivery engine in this process (routes surveys to diagnostic settings' destinations); default true. */
  delivery?: boolean;
  /** How often the delivery engine looks for new surveys when no local commit woke it, ms; default 250. */
  deliveryPollMs?: number;
  /**
   * Most of the analytics reader's time dashboards may use while this server commits surveys, in
   * percent; default 50 (see PacedReads).
   */
  analyticsSharePercent?: number;
  /** Days delivered outbox entries are kept so destinations can be backfilled; default 30. */
  backfillHorizonDays?: number;
  /** Most time to receive a whole request, ms; then 408 and the connection closed. Default 5000. */
  bodyTimeoutMs?: number;
  /** Most open connections per socket address (0: no cap); default 512. */
  maxConnectionsPerAddress?: number;
  /**
   * Hosts and address ranges destinations may reach although the outbound policy refuses them by
   * default (loopback, private, link-local…); `AFTERCALL_OUTBOUND_ALLOW`. Default none.
   */
  outboundAllow?: OutboundAllowList;
  /**
   * The key that seals destination secrets at rest: `AFTERCALL_SECRET_KEY` (base64 of 32 bytes), else the
   * file `AFTERCALL_SECRET_KEY_FILE`, default `<AFTERCALL_DATA_DIR or .aftercall>/secret.key`. When a
   * config built in code leaves it out, a SQLite store's `secret.key` is used (PostgreSQL requires it).
   */
  secretKey?: SecretKeySource;
  /** How often alert rules are evaluated, seconds (AFTERCALL_ALERT_INTERVAL_SECONDS, default 60); 0 turns it off here. */
  alertIntervalSeconds?: number;
  /** Where people reach this server's dashboard (`AFTERCALL_PUBLIC_URL`), for links in alert records. */
  publicUrl?: string;
  /** Rate limits and daily quotas of the public routes (see {@link rateLimitsFromEnv}). */
  rateLimits?: RateLimitSettings;
  /** How far a submitted `clientTime` may be from the receive time (see {@link clientTimeWindowFromEnv}). */
  clientTimeWindow?: ClientTimeWindow | false;
  /** Most one log line about commits the store refused per this many seconds; default 30. */
  storeErrorLogSeconds?: number;
}

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

/** Thrown for a bad setting; the CLI prints the message and exits 2. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

function integer(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got "${raw}".`);
  }
  return value;
}

/**
 * Parse the environment (and CLI overrides) into a {@link ServerConfig}, failing fast on bad values.
 * Variables: `AFTERCALL_HOST`, `AFTERCALL_PORT` (or `PORT`), `DATABASE_URL`, `AFTERCALL_DATA_DIR`,
 * `AFTERCALL_OPERATOR_TOKEN`, `AFTERCALL_LOG_LEVEL`, `AFTERCALL_KEY_CACHE_SECONDS`, `AFTERCALL_DELIVERY`,
 * `AFTERCALL_DELIVERY_POLL_MS`, `AFTERCALL_PG_READ_CONNECTIONS`, `AFTERCALL_ANALYTICS_SHARE_PERCENT`,
 * `AFTERCALL_BACKFILL_HORIZON_DAYS`, `AFTERCALL_BODY_TIMEOUT_MS`, `AFTERCALL_MAX_CONNECTIONS_PER_ADDRESS`,
 * `AFTERCALL_OUTBOUND_ALLOW`, `AFTERCALL_SECRET_KEY`, `AFTERCALL_SECRET_KEY_FILE`,
 * `AFTERCALL_ALERT_INTERVAL_SECONDS`, the rate limits ({@link rateLimitsFromEnv}) and the client time
 * window ({@link clientTimeWindowFromEnv}).
 */
export function loadConfig(
  env: NodeJS.ProcessEnv,
  overrides: Partial<Record<string, string>> = {},
): ServerConfig {
  const get = (name: string) => overrides[name] ?? env[name];
  const databaseUrl = get("DATABASE_URL");
  if (databaseUrl !== undefined && databaseUrl !== "" && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError("DATABASE_URL must be a postgres:// or postgresql:// URL.");
  }
  const logLevel = get("AFTERCALL_LOG_LEVEL") ?? "info";
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ConfigError(`AFTERCALL_LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}, got "${logLevel}".`);
  }
  const operatorToken = get("AFTERCALL_OPERATOR_TOKEN");
  if (operatorToken !== undefined && operatorToken !== "" && operatorToken.length < 24) {
    throw new ConfigError("AFTERCALL_OPERATOR_TOKEN must be at least 24 characters.");
  }
  const delivery = get("AFTERCALL_DELIVERY") || "on";
  if (delivery !== "on" && delivery !== "off") {
    throw new ConfigError(`AFTERCALL_DELIVERY must be "on" or "off", got "${delivery}".`);
  }
  const readConnections = get("AFTERCALL_PG_READ_CONNECTIONS");
  let outboundAllow: OutboundAllowList;
  try {
    outboundAllow = parseOutboundAllowList(get("AFTERCALL_OUTBOUND_ALLOW"));
  } catch (error) {
    throw new ConfigError(`AFTERCALL_OUTBOUND_ALLOW: ${(error as Error).message}.`);
  }
  const config: ServerConfig = {
    host: get("AFTERCALL_HOST") || "127.0.0.1",
    port: integer("AFTERCALL_PORT", get("AFTERCALL_PORT") ?? get("PORT"), 8787, 0, 65535),
    store: databaseUrl
      ? {
          engine: "postgres",
          url: databaseUrl,
          ...(readConnections
            ? { readConnections: integer("AFTERCALL_PG_READ_CONNECTIONS", readConnections, 1, 1, 100) }
            : {}),
        }
      : { engine: "sqlite", dataDir: resolve(get("AFTERCALL_DATA_DIR") || ".aftercall") },
    logLevel: logLevel as ServerConfig["logLevel"],
    secretKey: {
      file: resolve(
        get("AFTERCALL_SECRET_KEY_FILE") ||
          join(resolve(get("AFTERCALL_DATA_DIR") || ".aftercall"), "secret.key"),
      ),
      ...(get("AFTERCALL_SECRET_KEY") ? { key: get("AFTERCALL_SECRET_KEY") as string } : {}),
    },
    keyCacheSeconds: integer("AFTERCALL_KEY_CACHE_SECONDS", get("AFTERCALL_KEY_CACHE_SECONDS"), 5, 0, 3600),
    delivery: delivery === "on",
    deliveryPollMs: integer("AFTERCALL_DELIVERY_POLL_MS", get("AFTERCALL_DELIVERY_POLL_MS"), 250, 10, 60_000),
    analyticsSharePercent: integer(
      "AFTERCALL_ANALYTICS_SHARE_PERCENT",
      get("AFTERCALL_ANALYTICS_SHARE_PERCENT"),
      DEFAULT_ANALYTICS_SHARE * 100,
      10,
      100,
    ),
    backfillHorizonDays: integer(
      "AFTERCALL_BACKFILL_HORIZON_DAYS",
      get("AFTERCALL_BACKFILL_HORIZON_DAYS"),
      DEFAULT_BACKFILL_HORIZON_DAYS,
      0,
      3650,
    ),
    bodyTimeoutMs: integer(
      "AFTERCALL_BODY_TIMEOUT_MS",
      get("AFTERCALL_BODY_TIMEOUT_MS"),
      5_000,
      100,
      600_000,
    ),
    maxConnectionsPerAddress: integer(
      "AFTERCALL_MAX_CONNECTIONS_PER_ADDRESS",
      get("AFTERCALL_MAX_CONNECTIONS_PER_ADDRESS"),
      512,
      0,
      1_000_000,
    ),
    storeErrorLogSeconds: integer(
      "AFTERCALL_STORE_ERROR_LOG_SECONDS",
      get("AFTERCALL_STORE_ERROR_LOG_SECONDS"),
      30,
      1,
      3600,
    ),
    alertIntervalSeconds: integer(
      "AFTERCALL_ALERT_INTERVAL_SECONDS",
      get("AFTERCALL_ALERT_INTERVAL_SECONDS"),
      60,
      0,
      3600,
    ),
  };
  const publicUrl = get("AFTERCALL_PUBLIC_URL");
  if (publicUrl) config.publicUrl = parsePublicUrl(publicUrl);
  config.rateLimits = rateLimitsFromEnv(get);
  config.clientTimeWindow = clientTimeWindowFromEnv(get);
  if (operatorToken) config.operatorToken = operatorToken;
  if (outboundAllow.hosts.length + outboundAllow.cidrs.length > 0) config.outboundAllow = outboundAllow;
  return config;
}

/**
 * The window of `clientTime` around the receive time: `AFTERCALL_CLIENT_TIME_WINDOW` (`on`/`off`),
 * `AFTERCALL_CLIENT_TIME_MAX_AGE_DAYS` (default 30, 1–3650) and `AFTERCALL_CLIENT_TIME_MAX_AHEAD_MINUTES`
 * (default 1440, 1–525600).
 */
export function clientTimeWindowFromEnv(get: (name: string) => string | undefined): ClientTimeWindow | false {
  const enabled = get("AFTERCALL_CLIENT_TIME_WINDOW") || "on";
  if (enabled !== "on" && enabled !== "off")
    throw new ConfigError(`AFTERCALL_CLIENT_TIME_WINDOW must be "on" or "off", got "${enabled}".`);
  if (enabled === "off") return false;
  const d = DEFAULT_CLIENT_TIME_WINDOW;
  const days = (name: string) => integer(name, get(name), d.maxAgeMs / 86_400_000, 1, 3650) * 86_400_000;
  const minutes = (name: string) => integer(name, get(name), d.maxAheadMs / 60_000, 1, 525_600) * 60_000;
  return {
    maxAgeMs: days("AFTERCALL_CLIENT_TIME_MAX_AGE_DAYS"),
    maxAheadMs: minutes("AFTERCALL_CLIENT_TIME_MAX_AHEAD_MINUTES"),
  };
}

/**
 * The rate limits: `AFTERCALL_RATE_LIMITS` (`on`/`off`), `AFTERCALL_SURVEYS_PER_KEY`,
 * `AFTERCALL_SURVEYS_PER_ADDRESS`, `AFTERCALL_EVENTS_PER_KEY`, `AFTERCALL_EVENTS_PER_ADDRESS` (each
 * `"<per second>/<burst>"`), `AFTERCALL_DAILY_SURVEYS_PER_PROJECT`, `AFTERCALL_DAILY_EVENTS_PER_PROJECT`
 * `AFTERCALL_REFUSAL_HOLD_MS` (how long a refusal is held when its address ignored `Retry-After`, 0–10000,
 * default 1000) and `AFTERCALL_CLIENT_ADDRESS_HEADER` (a trusted proxy's header with the client's address).
 */
export function rateLimitsFromEnv(get: (name: string) => string | undefined): RateLimitSettings {
  const enabled = get("AFTERCALL_RATE_LIMITS") || "on";
  if (enabled !== "on" && enabled !== "off")
    throw new ConfigError(`AFTERCALL_RATE_LIMITS must be "on" or "off", got "${enabled}".`);
  const rate = (name: string, fallback: RateLimitSettings["surveysPerKey"]) => {
    const raw = get(name);
    if (raw === undefined || raw === "") return fallback;
    try {
      return parseRate(name, raw);
    } catch (e) {
      throw new ConfigError((e as Error).message);
    }
  };
  const d = DEFAULT_RATE_LIMITS;
  const settings: RateLimitSettings = {
    enabled: enabled === "on",
    surveysPerKey: rate("AFTERCALL_SURVEYS_PER_KEY", d.surveysPerKey),
    surveysPerAddress: rate("AFTERCALL_SURVEYS_PER_ADDRESS", d.surveysPerAddress),
    eventsPerKey: rate("AFTERCALL_EVENTS_PER_KEY", d.eventsPerKey),
    eventsPerAddress: rate("AFTERCALL_EVENTS_PER_ADDRESS", d.eventsPerAddress),
    dailySurveysPerProject: integer(
      "AFTERCALL_DAILY_SURVEYS_PER_PROJECT",
      get("AFTERCALL_DAILY_SURVEYS_PER_PROJECT"),
      d.dailySurveysPerProject,
      1,
      Number.MAX_SAFE_INTEGER,
    ),
    dailyEventsPerProject: integer(
      "AFTERCALL_DAILY_EVENTS_PER_PROJECT",
      get("AFTERCALL_DAILY_EVENTS_PER_PROJECT"),
      d.dailyEventsPerProject,
      1,
      Number.MAX_SAFE_INTEGER,
    ),
    dimensionKeysPerProject: integer(
      "AFTERCALL_DIMENSION_KEYS_PER_PROJECT",
      get("AFTERCALL_DIMENSION_KEYS_PER_PROJECT"),
      d.dimensionKeysPerProject,
      1,
      PROJECT_LIMIT_BOUNDS.maxDimensionKeys,
    ),
    dimensionValuesPerKeyPerDay: integer(
      "AFTERCALL_DIMENSION_VALUES_PER_DAY",
      get("AFTERCALL_DIMENSION_VALUES_PER_DAY"),
      d.dimensionValuesPerKeyPerDay,
      1,
      PROJECT_LIMIT_BOUNDS.maxDimensionValuesPerDay,
    ),
    refusalHoldMs: integer(
      "AFTERCALL_REFUSAL_HOLD_MS",
      get("AFTERCALL_REFUSAL_HOLD_MS"),
      d.refusalHoldMs,
      0,
      10_000,
    ),
  };
  const header = get("AFTERCALL_CLIENT_ADDRESS_HEADER");
  if (header) {
    if (!/^[A-Za-z0-9-]{1,64}$/.test(header))
      throw new ConfigError(`AFTERCALL_CLIENT_ADDRESS_HEADER must be a header name, got "${header}".`);
    settings.clientAddressHeader = header.toLowerCase();
  }
  return settings;
}

/** Describe a store location for people, without credentials. */
export function describeStore(location: StoreLocation): string {
  if (location.engine === "sqlite") return `SQLite in ${location.dataDir}`;
  const url = new URL(location.url);
  return `PostgreSQL at ${url.hostname}:${url.port || 5432}${url.pathname}`;
}

/** An absolute http(s) URL without credentials, query or fragment (links in records are built on it). */
function parsePublicUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`AFTERCALL_PUBLIC_URL must be an absolute URL, got "${raw}".`);
  }
  if (!/^https?:$/.test(url.protocol) || url.username || url.password || url.search || url.hash)
    throw new ConfigError(
      `AFTERCALL_PUBLIC_URL must be an http(s) URL without credentials, query or fragment, got "${raw}".`,
    );
  return url.href.replace(/\/$/, "");
}
