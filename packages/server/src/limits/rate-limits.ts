import type { FastifyReply, FastifyRequest } from "fastify";
import { Gauge, type Registry } from "prom-client";
import { AftercallError } from "../errors.js";
import type { Database } from "../store/database.js";
import { effectiveLimits } from "./project-limits.js";
import { type BucketSpec, RateBuckets, type Take } from "./rate-buckets.js";
import { Tarpit } from "./tarpit.js";

/** A token-bucket rate: a sustained rate per second and a burst (the bucket's size). */
export interface Rate {
  perSecond: number;
  burst: number;
}

/** The limits on the public (ingest-key) routes; see docs/operations.md "Limits". */
export interface RateLimitSettings {
  /** Off: no rate limits or quotas at all (benchmarks, a trusted network). */
  enabled: boolean;
  surveysPerKey: Rate;
  surveysPerAddress: Rate;
  eventsPerKey: Rate;
  eventsPerAddress: Rate;
  /** Surveys one project may store per UTC day. */
  dailySurveysPerProject: number;
  /** Events (and config fetches) one project may send per UTC day. */
  dailyEventsPerProject: number;
  /** Distinct custom dimension keys one project's rollups keep (limits/dimension-caps.ts). */
  dimensionKeysPerProject: number;
  /** Distinct values of one custom dimension key its rollups keep per UTC day; past it `(other)`. */
  dimensionValuesPerKeyPerDay: number;
  /**
   * A header set by a trusted reverse proxy that carries the client's address (e.g. `x-forwarded-for`,
   * whose last entry is used: the address the proxy saw). Unset: the socket's address.
   */
  clientAddressHeader?: string;
  /**
   * Most time a refusal is held when its client address was already told to wait and came back before
   * `Retry-After` passed, ms (limits/tarpit.ts); 0: every refusal answered at once.
   */
  refusalHoldMs: number;
}

/** Defaults far above what a real app sends (one survey per participant per call). */
export const DEFAULT_RATE_LIMITS: RateLimitSettings = {
  enabled: true,
  surveysPerKey: { perSecond: 1_000, burst: 10_000 },
  surveysPerAddress: { perSecond: 100, burst: 1_000 },
  eventsPerKey: { perSecond: 5_000, burst: 50_000 },
  eventsPerAddress: { perSecond: 500, burst: 5_000 },
  dailySurveysPerProject: 5_000_000,
  dailyEventsPerProject: 50_000_000,
  dimensionKeysPerProject: 50,
  dimensionValuesPerKeyPerDay: 1_000,
  refusalHoldMs: 1_000,
};

/** Which budget a public route spends: surveys (single and batch) or events (events and config fetches). */
export type RateClass = "surveys" | "events";

const DAY_MS = 86_400_000;
const SWEEP_EVERY_MS = 60_000;

/**
 * The rate limits and daily quotas of the public routes, on buckets shared through the store. Checked
 * in `onRequest` (per address before the key is even resolved, then per key and per project) before the
 * body is read; a batch's further surveys are charged once it is parsed ({@link RateLimits.charge}).
 */
export class RateLimits {
  private readonly buckets: RateBuckets;
  private readonly tarpit: Tarpit;
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    db: Database,
    readonly settings: RateLimitSettings,
    private readonly now: () => number = Date.now,
  ) {
    this.buckets = new RateBuckets(db, { now });
    this.tarpit = new Tarpit({ holdMs: settings.refusalHoldMs, now });
  }

  /** The client's address: the socket's, or the trusted proxy header's last entry. */
  clientAddress(request: FastifyRequest): string {
    const name = this.settings.clientAddressHeader;
    if (name) {
      const value = request.headers[name.toLowerCase()];
      const last = (Array.isArray(value) ? value.join(",") : (value ?? "")).split(",").pop()?.trim();
      if (last) return last.slice(0, 64);
    }
    return request.socket.remoteAddress ?? "unknown";
  }

  /** onRequest, before authentication: one unit of the client address's budget. */
  checkAddress(kind: RateClass) {
    return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
      if (!this.settings.enabled) return;
      await this.chargeAddress(request, reply, kind, 1);
    };
  }

  /** onRequest, after authentication: one unit of the key's budget and of the project's daily quota. */
  checkKey(kind: RateClass) {
    return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
      if (!this.settings.enabled) return;
      await this.charge(request, reply, kind, 1);
    };
  }

  /**
   * Wraps the ingest routes' authentication: a refused key (`401`) is held like a `429` when the same
   * address was refused before and has not waited since (a wrong key counts as told to wait a second;
   * see {@link Tarpit}), so a client that keeps
   * sending a wrong key (a misconfigured app, a flood, a guess at keys) sends a few a second, not
   * thousands, each a key lookup in the store.
   */
  holdRefusedKeys(authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>) {
    return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
      try {
        await authenticate(request, reply);
      } catch (error) {
        if (this.settings.enabled && error instanceof AftercallError && error.code === "UNAUTHORIZED")
          await this.tarpit.hold(this.tarpit.holdFor(this.clientAddress(request), 1));
        throw error;
      }
    };
  }

  /**
   * A batch's items past the first (charged before its body was read): from the client address's budget
   * too, so that one address sends as many surveys or events per second in batches as one by one (a
   * batch of 500 counted once let one address store its key's whole budget).
   */
  async chargeBatch(
    request: FastifyRequest,
    reply: FastifyReply,
    kind: RateClass,
    units: number,
  ): Promise<void> {
    if (!this.settings.enabled || units <= 0) return;
    await this.chargeAddress(request, reply, kind, units);
    await this.charge(request, reply, kind, units);
  }

  /** Spend `units` of the client address's budget. */
  private async chargeAddress(request: FastifyRequest, reply: FastifyReply, kind: RateClass, units: number) {
    const rate = kind === "surveys" ? this.settings.surveysPerAddress : this.settings.eventsPerAddress;
    const taken = await this.buckets.take(`r:${kind}:a:${this.clientAddress(request)}`, spec(rate), units);
    await this.refuse(request, reply, taken);
  }

  /** Spend `units` more of the key's budget and the project's quota (a batch's surveys past the first). */
  private async charge(
    request: FastifyRequest,
    reply: FastifyReply,
    kind: RateClass,
    units: number,
  ): Promise<void> {
    const { ingestKeyId, project } = request;
    if (!this.settings.enabled || units <= 0 || !ingestKeyId || !project) return;
    // The project's own limits over the server's (they come with the project, cached with its key).
    const limits = effectiveLimits(this.settings, project.limits);
    const rate = kind === "surveys" ? limits.surveysPerKey : limits.eventsPerKey;
    await this.refuse(
      request,
      reply,
      await this.buckets.take(`r:${kind}:k:${ingestKeyId}`, spec(rate), units),
    );
    const now = this.now();
    const day = new Date(now).toISOString().slice(0, 10);
    const quota = kind === "surveys" ? limits.dailySurveys : limits.dailyEvents;
    const renewsInSeconds = Math.max(1, Math.ceil((DAY_MS - (now % DAY_MS)) / 1000));
    const taken = await this.buckets.take(
      `q:${kind}:${project.id}:${day}`,
      { capacity: quota, perSecond: 0, renewsInSeconds },
      units,
    );
    if (!taken.ok) {
      await this.tarpit.hold(this.tarpit.holdFor(this.clientAddress(request), renewsInSeconds));
      reply.header("retry-after", String(renewsInSeconds));
      throw new AftercallError(
        "QUOTA_EXCEEDED",
        `The project's daily ${kind} quota (${quota}) is used up; it renews at midnight UTC.`,
      );
    }
  }

  /**
   * Answer 429 with `Retry-After` unless `taken` succeeded; held first when the address ignored an
   * earlier `Retry-After` (see {@link Tarpit}).
   */
  private async refuse(request: FastifyRequest, reply: FastifyReply, taken: Take): Promise<void> {
    if (taken.ok) return;
    await this.tarpit.hold(this.tarpit.holdFor(this.clientAddress(request), taken.retryAfterSeconds));
    reply.header("retry-after", String(taken.retryAfterSeconds));
    throw new AftercallError("RATE_LIMITED", `Too many requests; retry after ${taken.retryAfterSeconds} s.`);
  }

  /** Refusals held right now (a gauge on /metrics). */
  get heldRefusals(): number {
    return this.tarpit.holding;
  }

  /** Forget stored buckets untouched for two days (every minute; full again, or a past day's quota). */
  start(): void {
    if (!this.settings.enabled || this.sweeper) return;
    this.sweeper = setInterval(() => {
      this.buckets.sweep(this.now() - 2 * DAY_MS).catch(() => {});
    }, SWEEP_EVERY_MS).unref();
  }

  stop(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
  }
}

/** `aftercall_refusals_held`: refusals the tarpit is holding right now (a flood ignoring Retry-After). */
export function registerLimitMetrics(registry: Registry, limits: RateLimits): void {
  new Gauge({
    name: "aftercall_refusals_held",
    help: "Refusals (429) being held because their client address ignored an earlier Retry-After.",
    registers: [registry],
    collect() {
      this.set(limits.heldRefusals);
    },
  });
}

function spec(rate: Rate): BucketSpec {
  return { capacity: rate.burst, perSecond: rate.perSecond };
}

/** `"100/1000"` → 100 per second with a burst of 1000 (`"100"`: a burst of 10 s of the rate). */
export function parseRate(name: string, raw: string): Rate {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(?:\/\s*(\d+))?\s*$/.exec(raw);
  const perSecond = Number(match?.[1]);
  const burst = match?.[2] === undefined ? Math.ceil(perSecond * 10) : Number(match[2]);
  if (!match || !(perSecond > 0) || !(burst >= 1))
    throw new Error(`${name} must be "<per second>/<burst>", e.g. "100/1000", got "${raw}".`);
  return { perSecond, burst };
}
