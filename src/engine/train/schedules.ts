/** Host-side learning-rate schedules: the rate is an input of the train step, set each step. */

export type LrSchedule =
  | { readonly kind: 'constant'; readonly lr: number; readonly warmup?: number }
  | {
      readonly kind: 'linear';
      readonly lr: number;
      readonly warmup?: number;
      readonly total: number;
      readonly final?: number;
    }
  | {
      readonly kind: 'cosine';
      readonly lr: number;
      readonly warmup?: number;
      readonly total: number;
      readonly final?: number;
    }
  /** Linear interpolation between [step, lr] points; constant beyond the last. */
  | { readonly kind: 'piecewise'; readonly points: readonly (readonly [number, number])[] };

/** The learning rate at `step` (0-based). */
export function lrAt(s: LrSchedule, step: number): number {
  if (s.kind === 'piecewise') {
    const pts = s.points;
    if (pts.length === 0) throw new Error('piecewise schedule without points');
    if (step <= pts[0]![0]) return pts[0]![1];
    for (let i = 1; i < pts.length; i++) {
      const [x1, y1] = pts[i]!;
      const [x0, y0] = pts[i - 1]!;
      if (step <= x1) return y0 + ((y1 - y0) * (step - x0)) / (x1 - x0);
    }
    return pts.at(-1)![1];
  }
  const warmup = s.warmup ?? 0;
  if (step < warmup) return (s.lr * (step + 1)) / warmup;
  if (s.kind === 'constant') return s.lr;
  const final = s.final ?? 0;
  const span = Math.max(1, s.total - warmup);
  const progress = Math.min(1, (step - warmup) / span);
  if (s.kind === 'linear') return s.lr + (final - s.lr) * progress;
  return final + ((s.lr - final) * (1 + Math.cos(Math.PI * progress))) / 2;
}

export function validateSchedule(s: LrSchedule): void {
  const bad = (why: string) => {
    throw new Error(`learning-rate schedule (${s.kind}): ${why}`);
  };
  if (s.kind === 'piecewise') {
    s.points.forEach(([x, y], i) => {
      if (!(y >= 0) || !Number.isFinite(x)) bad(`point ${i} must be [step, lr >= 0]`);
      if (i > 0 && x <= s.points[i - 1]![0]) bad('points must have increasing steps');
    });
    return;
  }
  if (!(s.lr > 0)) bad(`lr must be > 0, got ${s.lr}`);
  if ((s.warmup ?? 0) < 0) bad('warmup must be >= 0');
  if (s.kind !== 'constant' && !(s.total > (s.warmup ?? 0))) bad('total must exceed warmup');
}
