/** Most values a {@link Samples} keeps; past it, every other one is dropped and half as many are taken. */
const CAPACITY = 256;

/**
 * Values sampled during a call, in bounded memory: when full, every other value is dropped and from then
 * on only every other new value is kept (then every fourth…), so the values kept stay spread evenly over
 * the whole call however long it lasts.
 */
export interface Samples {
  /** Offer a value; non-finite values (a browser's missing or odd stat) are ignored. */
  add(value: number): void;
  /** The value at quantile `q` (0 < q <= 1) by nearest rank, or undefined without values. */
  quantile(q: number): number | undefined;
}

export function samples(): Samples {
  let values: number[] = [];
  /** Keep one new value in `stride`. */
  let stride = 1;
  /** Values offered since the last one kept. */
  let skipped = 0;
  return {
    add(value) {
      if (!Number.isFinite(value) || ++skipped < stride) return;
      skipped = 0;
      if (values.push(value) >= CAPACITY) {
        values = values.filter((_, i) => i % 2 === 0);
        stride *= 2;
      }
    },
    quantile(q) {
      const sorted = [...values].sort((a, b) => a - b);
      return sorted[Math.ceil(q * sorted.length) - 1] ?? sorted[0];
    },
  };
}
