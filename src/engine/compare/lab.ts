/**
 * The reasoning lab's reading of a comparison: each primitive's final accuracy per variant (mean
 * and 95% interval over seeds), its chance, whether the instrument can see on it, the positive
 * control, and each variant's paired difference from the baseline, in words.
 *
 * A primitive is informative only when the baseline at the full budget lies above chance with its
 * interval (two seeds at least). The positive control asks whether the instrument separates
 * models that differ: the baseline's final model against its own first validation point (far
 * less trained), paired by seed. Differences between variants are read at the same validation
 * loss (the paper's comparison: each seed's accuracy-against-loss curve read at the final loss of
 * the baseline of that seed) and at the same budget, worded only on informative primitives, each
 * corrected with Holm over the variant's informative primitives.
 */
import { PRIMITIVES, PRIMITIVE_NAMES, type PrimitiveName } from '../../shared/lab';
import type {
  IsoplotPoint,
  PrimitiveReading,
  ReasoningReading,
  SeedDifference,
  SeedInterval,
} from '../../shared/compare';
import { formatDifference } from '../../shared/format';
import { variantLabel } from '../../shared/growth';
import { boundedInterval, clearsBar, holm, MIN_SIGNIFICANT_SEEDS, pairedDifference } from '../eval/stats';
import type { LoadedRun } from './load';

/** Accuracy of a run on a primitive at its end (NaN where it has none). */
const finalAccuracy = (r: LoadedRun, name: string) => r.report.primitives?.[name]?.accuracy ?? NaN;

/** A run's validation points on a primitive, in step order (accuracy against validation loss). */
function pointsOf(r: LoadedRun, name: string): IsoplotPoint[] {
  return r.metrics.flatMap((m) =>
    m.type === 'isoplot' && Number.isFinite(m.valLoss) && Number.isFinite(m.primitives?.[name])
      ? [{ seed: r.config.seed, step: m.step, valLoss: m.valLoss, value: m.primitives![name]! }]
      : [],
  );
}

/** Accuracy of a run on a primitive at its first validation point (the control's weaker model). */
const firstAccuracy = (r: LoadedRun, name: string) => pointsOf(r, name)[0]?.value ?? NaN;

/**
 * A curve of accuracy against validation loss read at `loss`: linearly between the last two
 * consecutive points that straddle it; a curve that starts below it, at its first point; one
 * that never gets that low, at its last point (`reached` false).
 */
export function accuracyAtLoss(points: readonly IsoplotPoint[], loss: number): { value: number; reached: boolean } {
  if (!points.length || !Number.isFinite(loss)) return { value: NaN, reached: false };
  for (let i = points.length - 1; i > 0; i--) {
    const p = points[i - 1]!;
    const q = points[i]!;
    if ((p.valLoss - loss) * (q.valLoss - loss) <= 0 && p.valLoss !== q.valLoss)
      return { value: p.value + ((q.value - p.value) * (p.valLoss - loss)) / (p.valLoss - q.valLoss), reached: true };
  }
  if (points.some((p) => p.valLoss <= loss))
    return { value: points.find((p) => p.valLoss <= loss)!.value, reached: true };
  return { value: points.at(-1)!.value, reached: false };
}

/** Runs of a group in seed order, and the seeds every group of `groups` shares with the baseline. */
function seedsOf(runs: readonly LoadedRun[]): number[] {
  return [...new Set(runs.map((r) => r.config.seed))].sort((a, b) => a - b);
}

/** Paired differences (variant − baseline by seed) of one family, Holm-corrected over it. */
function familyDifferences(pairs: readonly { a: number[]; b: number[] }[]): SeedDifference[] {
  const diffs = pairs.map(({ a, b }) => pairedDifference(a, b));
  const rejected = holm(diffs.map((d) => d.p));
  return diffs.map((d, i) => ({
    ...d,
    significant: d.n >= MIN_SIGNIFICANT_SEEDS && rejected[i]! && (d.lo > 0 || d.hi < 0),
  }));
}

/** The reading of lab runs grouped by variant (null when none of them is a lab run). */
export function reasoningOf(groups: ReadonlyMap<string, readonly LoadedRun[]>): ReasoningReading | null {
  const all = [...groups.values()].flat();
  if (!all.some((r) => r.report.primitives)) return null;
  const base = groups.get('baseline') ?? null;
  const baseOf = (seed: number) => base?.find((r) => r.config.seed === seed);
  // The built-in primitives in their order, then a user's own (--items) in the order the runs hold them.
  const builtIn = new Set<string>(PRIMITIVE_NAMES);
  const names = [
    ...PRIMITIVE_NAMES.filter((n) => all.some((r) => r.report.primitives?.[n])),
    ...new Set(all.flatMap((r) => Object.keys(r.report.primitives ?? {})).filter((n) => !builtIn.has(n))),
  ];
  const info = (name: string) =>
    builtIn.has(name)
      ? PRIMITIVES[name as PrimitiveName]
      : { label: `${name} (your items)`, tests: 'Your own items (--items), scored like the built-in primitives.' };
  // Each run's accuracy at the final validation loss of the baseline of its seed, read once per
  // run and primitive (the table's intervals and the paired differences both use it).
  const readAt = new Map<LoadedRun, Map<string, { value: number; reached: boolean }>>();
  const atBaseLoss = (r: LoadedRun, name: string) => {
    const known = readAt.get(r)?.get(name);
    if (known) return known;
    const b = baseOf(r.config.seed);
    const ref = b ? pointsOf(b, name).at(-1)?.valLoss : undefined;
    const read = ref === undefined ? { value: NaN, reached: false } : accuracyAtLoss(pointsOf(r, name), ref);
    readAt.set(r, (readAt.get(r) ?? new Map()).set(name, read));
    return read;
  };
  const primitives: PrimitiveReading[] = names.map((name) => {
    const scores = all.map((r) => r.report.primitives?.[name]).filter((s) => s !== undefined);
    const variants: Record<string, SeedInterval> = {};
    const atLoss: Record<string, SeedInterval> = {};
    const notReached: Record<string, number> = {};
    const points: Record<string, IsoplotPoint[]> = {};
    for (const [v, rs] of groups) {
      variants[v] = boundedInterval(
        rs.map((r) => finalAccuracy(r, name)),
        [0, 1],
      );
      const read = rs.map((r) => atBaseLoss(r, name));
      atLoss[v] = boundedInterval(
        read.map((x) => x.value),
        [0, 1],
      );
      notReached[v] = read.filter((x) => Number.isFinite(x.value) && !x.reached).length;
      points[v] = rs.flatMap((r) => pointsOf(r, name));
    }
    const chance = scores.reduce((a, s) => a + s.chance, 0) / scores.length;
    const b = variants.baseline;
    const informative = clearsBar(b, chance);
    let control: SeedDifference | null = null;
    if (base && base.length >= 2) {
      const seeds = seedsOf(base);
      control = pairedDifference(
        seeds.map((s) => finalAccuracy(baseOf(s)!, name)),
        seeds.map((s) => firstAccuracy(baseOf(s)!, name)),
      );
    }
    return {
      name,
      label: info(name).label,
      tests: info(name).tests,
      chance,
      items: Math.min(...scores.map((s) => s.items)),
      shots: Math.min(...scores.map((s) => s.shots)),
      variants,
      atLoss,
      notReached,
      differences: {},
      budgetDifferences: {},
      points,
      informative,
      control,
    };
  });
  // Paired differences from the baseline on the informative primitives, Holm over each variant's.
  if (base)
    for (const [v, rs] of groups) {
      if (v === 'baseline') continue;
      const seeds = seedsOf(rs).filter((s) => baseOf(s));
      const runOf = (s: number) => rs.find((r) => r.config.seed === s)!;
      const family = primitives.filter((p) => p.informative);
      const sameLoss = familyDifferences(
        family.map((p) => ({
          a: seeds.map((s) => atBaseLoss(runOf(s), p.name).value),
          // The baseline read from the same curve as the variant (its last point), not report.json.
          b: seeds.map((s) => atBaseLoss(baseOf(s)!, p.name).value),
        })),
      );
      const sameBudget = familyDifferences(
        family.map((p) => ({
          a: seeds.map((s) => finalAccuracy(runOf(s), p.name)),
          b: seeds.map((s) => finalAccuracy(baseOf(s)!, p.name)),
        })),
      );
      family.forEach((p, i) => {
        (p.differences as Record<string, SeedDifference>)[v] = sameLoss[i]!;
        (p.budgetDifferences as Record<string, SeedDifference>)[v] = sameBudget[i]!;
      });
    }
  return { primitives, sentences: sentencesOf(primitives, [...groups.keys()]) };
}

/** The reading in words: what the instrument can see, the control, and each variant against the baseline. */
function sentencesOf(primitives: readonly PrimitiveReading[], variants: readonly string[]): string[] {
  const out: string[] = [];
  const seen = primitives.filter((p) => p.informative);
  const blind = primitives.filter((p) => !p.informative);
  const seeds = Math.max(0, ...primitives.flatMap((p) => Object.values(p.variants).map((x) => x.n)));
  if (seeds < 2)
    out.push(
      'Reasoning: one seed per variant, so no interval: whether the baseline is above chance cannot be told (train with --seeds 3 or more).',
    );
  else if (seen.length === 0)
    out.push(
      `Reasoning: not informative at this scale: on no primitive is the baseline above chance with its interval, so a "no difference" here could not have been a difference seen. Train a larger model for longer before reading reasoning: on a GPU, the lab's small preset for 3,000 steps or more (--preset small --layers 8 --steps 3000 --precision bf16 --corpus-bytes 33554432) learned copying and every assignment depth in one seed's measurement.`,
    );
  else
    out.push(
      `Reasoning: informative on ${seen.map((p) => p.label).join(', ')} (the baseline above chance with its interval)${blind.length ? `; not informative on ${blind.length} other primitive${blind.length === 1 ? '' : 's'}` : ''}.`,
    );
  const controls = primitives.filter((p) => p.control && p.control.n >= 2);
  if (controls.length) {
    const separated = controls.filter((p) => p.control!.lo > 0);
    out.push(
      separated.length
        ? `Positive control: the final baseline answers better than its own first validation point on ${separated.map((p) => `${p.label} (${formatDifference(p.control!, 2)})`).join(', ')}: the instrument separates models that differ there.`
        : 'Positive control: the final baseline is not measurably better than its first validation point on any primitive: the instrument cannot yet separate models that differ.',
    );
  }
  for (const v of variants) {
    if (v === 'baseline') continue;
    const apart = seen.filter((p) => p.differences[v]?.significant);
    const alike = seen.filter((p) => p.differences[v] && !p.differences[v]!.significant);
    const short = Math.max(0, ...seen.map((p) => p.notReached[v] ?? 0));
    const caveat = short
      ? ` ${variantLabel(v)} never reached the baseline's final loss in ${short} seed${short === 1 ? '' : 's'}: read at its last point, which favours the baseline.`
      : '';
    if (apart.length)
      out.push(
        `${variantLabel(v)} ${apart.map((p) => `answers ${p.label} ${p.differences[v]!.mean > 0 ? 'better' : 'worse'} at the same validation loss: ${formatDifference(p.differences[v]!, 2)}`).join('; ')} (Holm-corrected over its informative primitives).${caveat}`,
      );
    if (alike.length)
      out.push(
        `${variantLabel(v)} and the baseline answer ${alike.map((p) => p.label).join(', ')} alike at the same validation loss (no significant difference).${apart.length ? '' : caveat}`,
      );
    const budget = seen.filter((p) => p.budgetDifferences[v]?.significant);
    if (budget.length)
      out.push(
        `At the same budget (final models, same steps), ${variantLabel(v)} ${budget.map((p) => `${p.budgetDifferences[v]!.mean > 0 ? 'is better' : 'is worse'} on ${p.label}: ${formatDifference(p.budgetDifferences[v]!, 2)}`).join('; ')}.`,
      );
  }
  return out;
}

/** The lab's answer to its question, for the bottom line: does a schedule reason differently at the same loss? */
export function reasoningBottomLine(r: ReasoningReading): string {
  const seen = r.primitives.filter((p) => p.informative);
  if (!seen.length)
    return 'Whether stacking changes reasoning cannot be told at this scale: the baseline is above chance on no primitive.';
  const variants = [...new Set(seen.flatMap((p) => Object.keys(p.differences)))];
  const apart = variants.flatMap((v) =>
    seen
      .filter((p) => p.differences[v]?.significant)
      .map(
        (p) =>
          `${variantLabel(v)} answers ${p.label} ${p.differences[v]!.mean > 0 ? 'better' : 'worse'} (${formatDifference(p.differences[v]!, 2)})`,
      ),
  );
  // Seeds that never reached the baseline's loss are read at their last point: say so, it is not the same loss.
  const short = variants.filter((v) => seen.some((p) => (p.notReached[v] ?? 0) > 0));
  const caveat = short.length
    ? ` (${short.map(variantLabel).join(' and ')} never reached the baseline's final loss in some seeds: read at ${short.length === 1 ? 'its' : 'their'} last point, which favours the baseline)`
    : '';
  return apart.length
    ? `At the same validation loss, ${apart.join('; ')}${caveat}.`
    : `At the same validation loss, the schedules answer the ${seen.length} primitive${seen.length === 1 ? '' : 's'} the instrument can see alike${caveat}.`;
}
