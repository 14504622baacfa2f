export interface Percentiles {
  samples: number;
  p50: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentiles of latencies in milliseconds. */
export function percentiles(values: readonly number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  return {
    samples: sorted.length,
    p50: at(0.5) ?? Number.NaN,
    p99: at(0.99) ?? Number.NaN,
    max: sorted.at(-1) ?? Number.NaN,
  };
}

/** The rounded percentiles of several generators' latencies (ms), their lost and failed summed. */
export function latencySummary(
  runs: readonly { latencies: readonly number[]; lost: number; errors: number }[],
): Percentiles & { lost: number; errors: number } {
  const stats = percentiles(runs.flatMap((r) => r.latencies));
  return {
    p50: round(stats.p50, 2),
    p99: round(stats.p99, 2),
    max: round(stats.max, 1),
    samples: stats.samples,
    lost: runs.reduce((sum, r) => sum + r.lost, 0),
    errors: runs.reduce((sum, r) => sum + r.errors, 0),
  };
}

/** Message p99 without and during a burst, over windows taken in (without, during) pairs. */
export interface BurstComparison {
  /** The p99 of all the "without" windows' latencies together (ms). */
  p99Without: number;
  p99During: number;
  /** p99During / p99Without. */
  ratio: number;
  /** Each pair's own p99 ratio: how far one short comparison can stray. */
  pairRatios: { median: number; min: number; max: number };
}

/** Compares latencies (ms) of windows without and during a burst, paired by index. */
export function compareWindows(
  without: readonly (readonly number[])[],
  during: readonly (readonly number[])[],
): BurstComparison {
  const p99 = (values: readonly number[]) => percentiles(values).p99;
  const p99Without = p99(without.flat());
  const p99During = p99(during.flat());
  const ratios = during
    .map((window, i) => p99(window) / p99(without[i] ?? []))
    .sort((a, b) => a - b);
  const middle = ratios.length / 2;
  const median =
    ratios.length % 2 === 1
      ? (ratios[Math.floor(middle)] ?? Number.NaN)
      : ((ratios[middle - 1] ?? Number.NaN) + (ratios[middle] ?? Number.NaN)) / 2;
  return {
    p99Without: round(p99Without, 2),
    p99During: round(p99During, 2),
    ratio: round(p99During / p99Without, 2),
    pairRatios: {
      median: round(median, 2),
      min: round(ratios[0] ?? Number.NaN, 2),
      max: round(ratios.at(-1) ?? Number.NaN, 2),
    },
  };
}

/** Splits items round-robin into `parts` lists. */
export function split<T>(items: readonly T[], parts: number): T[][] {
  const lists: T[][] = Array.from({ length: parts }, () => []);
  items.forEach((item, i) => lists[i % parts]?.push(item));
  return lists;
}

export const round = (value: number, digits = 1): number => {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
};
