/** Plain-words numbers for the Variants and Train steps. */

const SI = ['', 'k', 'M', 'G', 'T', 'P', 'E'] as const;

/** A FLOP count with an SI prefix: 1.23 GFLOP. */
export function formatFlops(flops: number): string {
  if (!Number.isFinite(flops) || flops <= 0) return '0 FLOP';
  const e = Math.min(SI.length - 1, Math.floor(Math.log10(flops) / 3));
  const v = flops / 10 ** (3 * e);
  return `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)} ${SI[e]}FLOP`;
}

/** A duration in words: "850 ms", "42 s", "3 min 05 s", "1 h 12 min". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

/** A loss with four significant digits, or a dash before the first one is read. */
export function formatLoss(loss: number | null | undefined): string {
  return loss === null || loss === undefined || !Number.isFinite(loss) ? '—' : loss.toPrecision(4);
}
