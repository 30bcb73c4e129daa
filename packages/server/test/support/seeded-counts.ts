/** Seeded per-minute survey counts for the alert tests (mulberry32; Knuth's Poisson; Bernoulli sums). */
export class SeededCounts {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  uniform(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
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
  /** One minute of a stream: surveys ~ Poisson(perHour / 60), each poor with probability `poorRate`. */
  minute(perHour: number, poorRate: number): { surveys: number; poor: number } {
    const surveys = this.poisson(perHour / 60);
    return { surveys, poor: this.binomial(surveys, poorRate) };
  }
}

/** Upper 99.9 % quantile of a Poisson(λ) count (for bounds on counts of rare events). */
export function poissonUpperQuantile(lambda: number, probability = 0.999): number {
  let k = 0;
  let term = Math.exp(-lambda);
  let cumulative = term;
  while (cumulative < probability) {
    k++;
    term *= lambda / k;
    cumulative += term;
  }
  return k;
}
