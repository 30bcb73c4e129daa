import type { Database } from "../store/database.js";

/** A token bucket: `capacity` tokens at most, refilled at `perSecond` (0: a quota that never refills). */
export interface BucketSpec {
  capacity: number;
  perSecond: number;
  /** Seconds until a bucket that never refills is replaced (a daily quota: until midnight UTC). */
  renewsInSeconds?: number;
}

export type Take = { ok: true } | { ok: false; retryAfterSeconds: number };

interface Local {
  /** Tokens leased from the store and not spent yet. */
  tokens: number;
  /** When unspent leased tokens are dropped (so a server never sits on a budget others need). */
  expiresAt: number;
  /** Refused locally, without asking the store, until then. */
  deniedUntil: number;
  retryAfterSeconds: number;
  pending?: Promise<void> | undefined;
  /** Tokens wanted by requests waiting for the pending lease: the next lease asks for all of them. */
  demand: number;
}

export interface RateBucketsOptions {
  /** How long leased tokens stay usable in this process, ms; default 1000. */
  leaseMs?: number;
  now?: () => number;
}

const CONFLICT_RETRIES = 8;
/** Leases one request may wait for before it is refused (others kept taking what each lease brought). */
const MAX_ATTEMPTS = 20;
const MAX_LOCAL = 100_000;

/**
 * Token buckets kept in the store (`rate_buckets`), so that every server sharing it spends one budget.
 * A server takes tokens in small leases (about a quarter second of the refill rate, one optimistic update
 * per lease) and spends them locally, so a request costs a store round trip only once per lease; an
 * empty bucket is refused locally until it could have refilled, so a flood costs the store nothing.
 * Leased tokens not spent within `leaseMs` are dropped: the shared budget errs on the strict side.
 */
export class RateBuckets {
  private readonly local = new Map<string, Local>();
  private readonly leaseMs: number;
  private readonly now: () => number;

  constructor(
    private readonly db: Database,
    options: RateBucketsOptions = {},
  ) {
    this.leaseMs = options.leaseMs ?? 1000;
    this.now = options.now ?? Date.now;
  }

  /** Spend `cost` tokens of bucket `key`, or learn how long until they could be there. */
  async take(key: string, spec: BucketSpec, cost = 1): Promise<Take> {
    for (let attempt = 0; ; attempt++) {
      const now = this.now();
      const local = this.entry(key, now);
      if (local.tokens >= cost) {
        local.tokens -= cost;
        this.leaseAhead(key, spec, local, now);
        return { ok: true };
      }
      if (local.deniedUntil > now || attempt >= MAX_ATTEMPTS)
        return { ok: false, retryAfterSeconds: local.retryAfterSeconds };
      local.demand += cost;
      await this.startLease(key, spec, local);
    }
  }

  /**
   * Lease the next tokens in the background while a bucket in use still has some: when fewer than half a
   * lease are left, or they expire within a quarter of the lease time. A request then waits for the store
   * only when it spends faster than a lease arrives: before, one request in every lease waited for a
   * store write (with its fsync), and under a flood those waits were the well-behaved client's p99.
   */
  private leaseAhead(key: string, spec: BucketSpec, local: Local, now: number): void {
    if (local.pending || local.deniedUntil > now) return;
    const low = local.tokens < leaseSize(spec, this.leaseMs) / 2;
    if (!low && local.expiresAt - now > this.leaseMs / 4) return;
    // Nobody may await it: a failed lease ahead is retried by the next request that needs tokens.
    this.startLease(key, spec, local).catch(() => undefined);
  }

  /**
   * The bucket's lease in flight, or a new one. It starts a microtask later, so the requests arriving in
   * the same tick add their demand to it.
   */
  private startLease(key: string, spec: BucketSpec, local: Local): Promise<void> {
    local.pending ??= Promise.resolve()
      .then(() => this.lease(key, spec, local))
      .finally(() => {
        local.pending = undefined;
      });
    return local.pending;
  }

  private entry(key: string, now: number): Local {
    let local = this.local.get(key);
    if (!local) {
      if (this.local.size >= MAX_LOCAL) this.local.clear();
      local = { tokens: 0, expiresAt: 0, deniedUntil: 0, retryAfterSeconds: 1, demand: 0 };
      this.local.set(key, local);
    }
    if (local.expiresAt <= now) local.tokens = 0;
    return local;
  }

  /** Move a lease's worth of tokens (at least what the waiting requests lack) from the store into `local`. */
  private async lease(key: string, spec: BucketSpec, local: Local): Promise<void> {
    // Requests that arrived in the same tick all wait for this lease: ask for what they need together.
    const want = Math.max(leaseSize(spec, this.leaseMs), local.demand - local.tokens);
    local.demand = 0;
    for (let retry = 0; retry < CONFLICT_RETRIES; retry++) {
      const now = this.now();
      const [row] = await this.db.all<{
        tokens: number;
        stamp: number;
        version: number;
        capacity: number | null;
      }>("SELECT tokens, stamp, version, capacity FROM rate_buckets WHERE bucket = ?", [key]);
      if (!row) {
        const grant = Math.min(want, spec.capacity);
        const inserted = await this.db.run(
          "INSERT INTO rate_buckets (bucket, tokens, stamp, version, capacity) VALUES (?, ?, ?, 0, ?) ON CONFLICT (bucket) DO NOTHING",
          [key, spec.capacity - grant, now, spec.capacity],
        );
        if (inserted === 1) return this.granted(local, spec, grant, want, now);
        continue;
      }
      const elapsed = Math.max(0, now - Number(row.stamp)) / 1000;
      // A changed capacity (a project's new limit) moves the tokens by as much: what was spent stays
      // spent, so a raised daily quota lets the project go on at once and a lowered one counts today's use.
      const resized = row.capacity === null ? 0 : spec.capacity - Number(row.capacity);
      const available = Math.min(spec.capacity, Number(row.tokens) + resized + elapsed * spec.perSecond);
      const grant = available >= want ? want : Math.max(0, Math.floor(available));
      const changed = await this.db.run(
        "UPDATE rate_buckets SET tokens = ?, stamp = ?, version = version + 1, capacity = ? WHERE bucket = ? AND version = ?",
        [available - grant, now, spec.capacity, key, Number(row.version)],
      );
      if (changed === 1) return this.granted(local, spec, grant, want, now);
    }
    // Another server won every race: refuse this once rather than spin.
    local.deniedUntil = this.now() + 100;
    local.retryAfterSeconds = 1;
  }

  /**
   * Add a lease's `grant` (of the `want` asked for) to `local`. Only a store that had less than asked
   * refuses locally: requests served from local tokens while the lease was in flight may leave a waiting
   * request short even of a full grant, and it then simply leases again (refusing it then, with a daily
   * quota's Retry-After until midnight, refused clients of a project with almost all its quota left).
   */
  private granted(local: Local, spec: BucketSpec, grant: number, want: number, now: number) {
    local.tokens += grant;
    local.expiresAt = now + this.leaseMs;
    if (grant >= want) return;
    const missing = want - grant;
    const seconds =
      spec.perSecond > 0 ? Math.max(1, Math.ceil(missing / spec.perSecond)) : (spec.renewsInSeconds ?? 60);
    local.retryAfterSeconds = seconds;
    // Locally refused for at most a second, so a refill (or a new lease elsewhere) is noticed soon.
    local.deniedUntil = now + Math.min(1000, seconds * 1000);
  }

  /** Delete buckets untouched since `before` (ms); they are full again, or a past day's quota. */
  async sweep(before: number): Promise<number> {
    return this.db.run("DELETE FROM rate_buckets WHERE stamp < ?", [before]);
  }
}

/** About a quarter of the lease time's refill, at most a twentieth of the capacity, at least 1. */
function leaseSize(spec: BucketSpec, leaseMs: number): number {
  const byRate =
    spec.perSecond > 0 ? Math.ceil((spec.perSecond * leaseMs) / 4000) : Math.ceil(spec.capacity / 1000);
  return Math.max(1, Math.min(byRate, Math.floor(spec.capacity / 20), 100));
}
