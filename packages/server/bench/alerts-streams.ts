/**
 * Seeded survey streams for `npm run bench:alerts`: per-minute counts of surveys and poor ratings with a
 * daily and weekly rhythm, and prefix sums so that any period (a rule's window, its trailing baseline)
 * is summed in O(1), exactly as the store would count it.
 */

const MINUTE_MS = 60_000;

/** sfc32, seeded through splitmix32: small, fast and good enough for Monte Carlo. */
export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  constructor(seed: number) {
    let s = seed >>> 0;
    const next = () => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    for (let i = 0; i < 12; i++) this.uniform();
  }
  /** Uniform on [0, 1). */
  uniform(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t / 4294967296;
  }
  /** Poisson(λ) by Knuth's product of uniforms (λ here is at most ~10 per minute). */
  poisson(lambda: number): number {
    const limit = Math.exp(-lambda);
    let k = 0;
    let p = this.uniform();
    while (p > limit) {
      k++;
      p *= this.uniform();
    }
    return k;
  }
  binomial(n: number, p: number): number {
    let x = 0;
    for (let i = 0; i < n; i++) if (this.uniform() < p) x++;
    return x;
  }
}

/** A stable seed per experiment and index, so results do not depend on the order runs happen in. */
export function seedFor(seed: number, experiment: string, index: number): number {
  let h = (seed ^ 0x811c9dc5) >>> 0;
  for (const ch of `${experiment}:${index}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return h;
}

/**
 * Relative traffic at an hour of the week, in [0, 1]: a working-day curve (quiet night, morning rise,
 * peak around 11:00 and 15:00, evening shoulder) and lighter weekends. Time is the stream's own clock,
 * starting on a Monday 00:00.
 */
export function weeklyShape(minuteOfWeek: number): number {
  const day = Math.floor(minuteOfWeek / 1440) % 7;
  const hour = (minuteOfWeek % 1440) / 60;
  const bump = (centre: number, width: number) => Math.exp(-(((hour - centre) / width) ** 2));
  const daily = Math.min(1, 0.02 + 0.95 * bump(11, 2.6) + 0.9 * bump(15.5, 2.6) + 0.35 * bump(20.5, 1.8));
  const weekly = day < 5 ? 1 : day === 5 ? 0.45 : 0.35;
  return daily * weekly;
}

const WEEK_MINUTES = 7 * 1440;
const RHYTHM = Float64Array.from({ length: WEEK_MINUTES }, (_, m) => 50 + 450 * weeklyShape(m));

/** Surveys per hour of the realistic profile: 50 at the quietest night hour, 500 at the weekday peak. */
export const rhythmicRate = (minute: number): number => RHYTHM[minute % WEEK_MINUTES] as number;

export interface StreamModel {
  /** Surveys per hour at a minute of the stream. */
  ratePerHour(minute: number): number;
  /** Probability that a survey is poor at a minute of the stream. */
  poorRate(minute: number): number;
}

/** Per-minute counts of one stream, generated on demand, with prefix sums for period totals. */
export class MinuteStream {
  private readonly surveys: Int32Array;
  private readonly poor: Int32Array;
  /** prefixSurveys[t] = surveys of minutes 0..t−1. */
  private readonly prefixSurveys: Float64Array;
  private readonly prefixPoor: Float64Array;
  private generated = 0;

  constructor(
    readonly minutes: number,
    private readonly model: StreamModel,
    private readonly random: Random,
    /** Epoch ms of minute 0 (a Monday 00:00 UTC keeps the rhythm's days aligned with the calendar). */
    readonly startMs = Date.UTC(2026, 0, 5),
  ) {
    this.surveys = new Int32Array(minutes);
    this.poor = new Int32Array(minutes);
    this.prefixSurveys = new Float64Array(minutes + 1);
    this.prefixPoor = new Float64Array(minutes + 1);
  }

  /** Counts of minute t (generated up to t on first use, so later models changes apply to later minutes). */
  minute(t: number): { surveys: number; poor: number } {
    this.generateThrough(t);
    return { surveys: this.surveys[t] as number, poor: this.poor[t] as number };
  }

  /** Totals of minutes [from, to) (clamped to the stream's start). */
  sum(from: number, to: number): { surveys: number; poor: number } {
    const a = Math.max(0, from);
    const b = Math.max(a, to);
    this.generateThrough(b - 1);
    return {
      surveys: (this.prefixSurveys[b] as number) - (this.prefixSurveys[a] as number),
      poor: (this.prefixPoor[b] as number) - (this.prefixPoor[a] as number),
    };
  }

  minuteStartMs = (t: number): number => this.startMs + t * MINUTE_MS;
  minuteOf = (ms: number): number => Math.round((ms - this.startMs) / MINUTE_MS);

  private generateThrough(t: number): void {
    if (t >= this.minutes) throw new RangeError(`minute ${t} is past the stream's end (${this.minutes})`);
    for (let m = this.generated; m <= t; m++) {
      const n = this.random.poisson(this.model.ratePerHour(m) / 60);
      const x = this.random.binomial(n, this.model.poorRate(m));
      this.surveys[m] = n;
      this.poor[m] = x;
      this.prefixSurveys[m + 1] = (this.prefixSurveys[m] as number) + n;
      this.prefixPoor[m + 1] = (this.prefixPoor[m] as number) + x;
    }
    this.generated = Math.max(this.generated, t + 1);
  }
}
