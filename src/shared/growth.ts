/**
 * The variants and the stage schedule of each (MIDAS: Saunshi et al. 2024, arXiv 2409.19044): the
 * depth of every stage and its steps under Prop-α, and the layer mapping of each growth. Pure, so
 * the engine trains by it and the Variants step draws it from one source.
 */

/**
 * The block size when left blank: 2 for an even depth of 6 or more, else 1. Either way a depth of
 * 3 or more has at least 3 blocks, the fewest at which GradStack and MIDAS copy different blocks.
 */
export function defaultBlock(layers: number): number {
  return layers >= 6 && layers % 2 === 0 ? 2 : 1;
}

export const VARIANTS = ['baseline', 'gradstack', 'midas', 'gstack', 'progressive'] as const;
export type Variant = (typeof VARIANTS)[number];

export const VARIANT_INFO: Readonly<Record<Variant, string>> = {
  baseline: 'full depth from the first step',
  gradstack: 'gradual stacking: copy the last block on top at each growth',
  midas: 'MIDAS: copy the middle block and insert the copy right after it',
  gstack: 'G_stack: train a shallow model, then stack it g times at once',
  progressive: 'progressive stacking: double the depth at each growth by copying all layers',
};

/** Joins a FLOP-matched baseline's row name to the variant whose FLOPs it was given. */
const FLOP_MATCHED_MARK = '≈';

/** How every report, table and screen writes a variant's name. */
export const VARIANT_LABELS: Readonly<Record<Variant, string>> = {
  baseline: 'Baseline',
  gradstack: 'GradStack',
  midas: 'MIDAS',
  gstack: 'G_stack',
  progressive: 'Progressive',
};

/** The row name of a baseline given the FLOPs of `variant`: "baseline≈midas". */
export function flopMatchedName(variant: string): string {
  return `baseline${FLOP_MATCHED_MARK}${variant}`;
}

/** Whether a row name is a FLOP-matched baseline ("baseline≈midas"). */
export function isFlopMatched(name: string): boolean {
  return name.includes(FLOP_MATCHED_MARK);
}

/** The variant a row trains: "baseline" for "baseline≈midas". */
export function rowVariant(name: string): string {
  return name.split(FLOP_MATCHED_MARK)[0]!;
}

/** A row's name in words: "midas" → "MIDAS", "baseline≈midas" (a FLOP-matched baseline) → "Baseline (MIDAS's FLOPs)". */
export function variantLabel(name: string): string {
  const [variant, matched] = name.split(FLOP_MATCHED_MARK) as [Variant, Variant | undefined];
  const label = VARIANT_LABELS[variant] ?? variant;
  return matched ? `${label} (${VARIANT_LABELS[matched] ?? matched}'s FLOPs)` : label;
}

export interface GrowthConfig {
  /** Target depth L. */
  readonly layers: number;
  /** Block size b (layers added per growth for gradstack and MIDAS). */
  readonly block: number;
  /** Prop-α: stage i gets T·i^α / Σ j^α steps (α = 0: uniform). */
  readonly alpha: number;
  /** Total step budget T. */
  readonly steps: number;
  /** G_stack's growth factor g (default 4). */
  readonly gstackFactor?: number;
  /** G_stack's growth time as a share of T (ours, default 0.25). */
  readonly gstackAt?: number;
}

export interface Stage {
  /** 1-based. */
  readonly index: number;
  readonly layers: number;
  readonly steps: number;
}

export class GrowthConfigError extends Error {
  override readonly name = 'GrowthConfigError';
}

/** Splits `total` in proportion to `weights`, rounded so the parts sum to `total` (largest remainder). */
export function apportion(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  const exact = weights.map((w) => (total * w) / sum);
  const parts = exact.map(Math.floor);
  let left = total - parts.reduce((a, b) => a + b, 0);
  const order = exact.map((x, i) => [x - Math.floor(x), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [, i] of order) {
    if (left <= 0) break;
    parts[i]!++;
    left--;
  }
  return parts;
}

/** The depth of each stage and its steps. */
export function stagesOf(variant: Variant, g: GrowthConfig): Stage[] {
  const { layers: L, block: b, steps: T, alpha } = g;
  if (!Number.isInteger(L) || L < 1)
    throw new GrowthConfigError(`the target depth must be a positive integer, got ${L}`);
  if (!Number.isInteger(b) || b < 1) throw new GrowthConfigError(`the block size must be a positive integer, got ${b}`);
  if (L % b !== 0)
    throw new GrowthConfigError(
      `the target depth ${L} is not divisible by the block size ${b}: choose layers = k × block`,
    );
  if (!(alpha >= 0)) throw new GrowthConfigError(`alpha must be ≥ 0, got ${alpha}`);
  if (!Number.isInteger(T) || T < 1)
    throw new GrowthConfigError(`the step budget must be a positive integer, got ${T}`);
  const prop = (depths: number[]) => {
    const steps = apportion(
      T,
      depths.map((_, i) => (i + 1) ** alpha),
    );
    return depths.map((layers, i) => ({ index: i + 1, layers, steps: steps[i]! }));
  };
  switch (variant) {
    case 'baseline':
      return [{ index: 1, layers: L, steps: T }];
    case 'gradstack':
    case 'midas':
      return prop(Array.from({ length: L / b }, (_, i) => (i + 1) * b));
    case 'progressive': {
      const depths: number[] = [];
      for (let d = b; d <= L; d *= 2) depths.push(d);
      if (depths.at(-1) !== L)
        throw new GrowthConfigError(
          `progressive stacking doubles the depth from ${b}: the target ${L} must be ${b} × a power of 2`,
        );
      return prop(depths);
    }
    case 'gstack': {
      const factor = g.gstackFactor ?? 4;
      if (!Number.isInteger(factor) || factor < 2 || L % factor !== 0)
        throw new GrowthConfigError(`G_stack's factor ${factor} must be an integer ≥ 2 that divides the depth ${L}`);
      const at = Math.round(T * (g.gstackAt ?? 0.25));
      if (at < 1 || at >= T)
        throw new GrowthConfigError(`G_stack's growth step ${at} must fall inside the budget of ${T} steps`);
      return [
        { index: 1, layers: L / factor, steps: at },
        { index: 2, layers: L, steps: T - at },
      ];
    }
  }
}

/**
 * For a growth from `from` to `to` layers: the old layer each new layer copies (0-based).
 * gradstack appends a copy of the last block; MIDAS inserts a copy of block ceil(n/2) right
 * after it; progressive and G_stack stack the whole model on itself.
 */
export function layerMapping(variant: Variant, from: number, to: number, block: number): number[] {
  const n = from / block;
  const blocks = (ids: number[]) => ids.flatMap((k) => Array.from({ length: block }, (_, j) => k * block + j));
  const all = Array.from({ length: n }, (_, k) => k);
  let src: number[];
  switch (variant) {
    case 'gradstack':
      src = blocks([...all, n - 1]);
      break;
    case 'midas': {
      const m = Math.ceil(n / 2) - 1;
      src = blocks([...all.slice(0, m + 1), m, ...all.slice(m + 1)]);
      break;
    }
    case 'progressive':
    case 'gstack':
      src = Array.from({ length: to }, (_, i) => i % from);
      break;
    case 'baseline':
      throw new GrowthConfigError('the baseline does not grow');
  }
  if (src.length !== to)
    throw new GrowthConfigError(`${variant} cannot grow ${from} → ${to} layers with blocks of ${block}`);
  return src;
}

/** The layers of a grown model that are new copies: each source layer's second and later occurrences. */
export function copiedLayers(mapping: readonly number[]): number[] {
  return mapping.flatMap((src, i) => (mapping.indexOf(src) < i ? [i] : []));
}

/** A variant's whole schedule: each stage's depth and steps, and the layer mapping of each growth. */
function scheduleKey(variant: Variant, g: GrowthConfig): string {
  const stages = stagesOf(variant, g);
  return JSON.stringify(
    stages.map((s, i) => [
      s.layers,
      s.steps,
      i === 0 ? null : layerMapping(variant, stages[i - 1]!.layers, s.layers, g.block),
    ]),
  );
}

/**
 * The pairs of chosen variants that train exactly the same schedule (the same depths, steps and
 * copied layers), e.g. GradStack and MIDAS with fewer than 3 blocks. Variants these settings
 * cannot train are left out.
 */
export function sameSchedules(variants: readonly Variant[], g: GrowthConfig): [Variant, Variant][] {
  const keys = variants.map((v) => {
    try {
      return scheduleKey(v, g);
    } catch {
      return null;
    }
  });
  const out: [Variant, Variant][] = [];
  variants.forEach((a, i) =>
    variants.forEach((b, j) => j > i && keys[i] !== null && keys[i] === keys[j] && out.push([a, b])),
  );
  return out;
}
