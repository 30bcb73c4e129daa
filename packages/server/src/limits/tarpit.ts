import { setTimeout as sleep } from "node:timers/promises";

/** How long refusals to a client that ignores `Retry-After` are held, and how many at once. */
export interface TarpitOptions {
  /** Most time one refusal is held, ms; 0 answers every refusal at once. */
  holdMs: number;
  /** Most refusals held at once on this server; past it they are answered at once. */
  maxHeld?: number;
  now?: () => number;
  /** A number in [0, 1) (tests pin it). */
  random?: () => number;
}

const DEFAULT_MAX_HELD = 4_096;
/** Addresses remembered at once; past it the expired ones are forgotten, and if none are, all. */
const MAX_ADDRESSES = 100_000;

/**
 * Holds the refusals of a client address that keeps sending while it was told to wait (the tarpit of
 * HAProxy's `http-request tarpit`, or nginx's delayed `limit_req`). A client that honours `Retry-After`
 * (the SDK does) is never held: its first refusal, and the first after its wait, are answered at once.
 * One that comes back early waits up to `holdMs` for its answer. A flood that waits for answers (most do)
 * then sends a handful of requests per connection per second instead of thousands, so refusing it costs
 * the server next to nothing: each refused request closes its connection (its body is never read), and
 * at full speed the accepts, parses and closes of those reconnections were most of the flood's cost.
 * A held refusal occupies one of the address's capped connections (`maxConnectionsPerAddress`), and
 * `maxHeld` bounds them across addresses.
 */
export class Tarpit {
  /** Per client address: until when (epoch ms) it was last told to wait. */
  private readonly told = new Map<string, number>();
  private held = 0;
  private readonly maxHeld: number;
  private readonly now: () => number;
  private readonly random: () => number;

  constructor(private readonly options: TarpitOptions) {
    this.maxHeld = options.maxHeld ?? DEFAULT_MAX_HELD;
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
  }

  /**
   * The time to hold a refusal to `address`, which is told to retry after `retryAfterSeconds`: 0 unless
   * it was already told to wait and that wait has not passed.
   */
  holdFor(address: string, retryAfterSeconds: number): number {
    const now = this.now();
    const waitUntil = this.told.get(address);
    this.remember(address, now + retryAfterSeconds * 1000, now);
    if (waitUntil === undefined || waitUntil <= now || this.held >= this.maxHeld) return 0;
    // Between half and all of holdMs, at random: held flood requests released at one instant come back
    // together, and the work their limits still allow them would land on the server in one lump.
    return Math.min(this.options.holdMs * (0.5 + this.random() / 2), waitUntil - now);
  }

  /** Hold a refusal for `ms` (from {@link holdFor}). */
  async hold(ms: number): Promise<void> {
    if (ms <= 0) return;
    this.held++;
    try {
      await sleep(ms);
    } finally {
      this.held--;
    }
  }

  /** Refusals being held right now. */
  get holding(): number {
    return this.held;
  }

  private remember(address: string, waitUntil: number, now: number): void {
    if (this.told.size >= MAX_ADDRESSES && !this.told.has(address)) {
      for (const [known, until] of this.told) if (until <= now) this.told.delete(known);
      if (this.told.size >= MAX_ADDRESSES) this.told.clear();
    }
    this.told.set(address, waitUntil);
  }
}
