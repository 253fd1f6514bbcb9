/** The labelled anomalies of a 0/1 series as row ranges: what labels files write and metrics score. */

export interface Range {
  /** First row. */
  readonly start: number;
  /** Exclusive. */
  readonly end: number;
}

/** Maximal runs of 1 in a 0/1 sequence. */
export function rangesOf(flags: ArrayLike<number>): Range[] {
  const out: Range[] = [];
  let i = 0;
  while (i < flags.length) {
    if (!flags[i]) {
      i++;
      continue;
    }
    let j = i;
    while (j < flags.length && flags[j]) j++;
    out.push({ start: i, end: j });
    i = j;
  }
  return out;
}
