/**
 * The reasoning lab's reading of a comparison: each primitive's final accuracy per variant (mean
 * and 95% interval over seeds), its chance, whether the instrument can see on it, the positive
 * control, and each variant's paired difference from the baseline, in words.
 *
 * A primitive is informative only when the baseline at the full budget lies above chance with its
 * interval (two seeds at least). The positive control asks whether the instrument separates
 * models that differ: the baseline's final model against its own first validation point (far
 * less trained), paired by seed. Differences between variants are worded only on informative
 * primitives, corrected with Holm over the variant's informative primitives.
 */
import { PRIMITIVES, PRIMITIVE_NAMES } from '../../shared/lab';
import type { PrimitiveReading, ReasoningReading, SeedDifference, SeedInterval } from '../../shared/compare';
import { formatDifference } from '../../shared/format';
import { variantLabel } from '../../shared/growth';
import { holm, meanInterval, MIN_SIGNIFICANT_SEEDS, pairedDifference } from '../eval/stats';
import type { LoadedRun } from './load';

const clip = (x: SeedInterval): SeedInterval => (x.n > 1 ? { ...x, lo: Math.max(0, x.lo), hi: Math.min(1, x.hi) } : x);

/** Accuracy of a run on a primitive at its end (NaN where it has none). */
const finalAccuracy = (r: LoadedRun, name: string) => r.report.primitives?.[name]?.accuracy ?? NaN;

/** Accuracy of a run on a primitive at its first validation point (the control's weaker model). */
function firstAccuracy(r: LoadedRun, name: string): number {
  const first = r.metrics.find((m) => m.type === 'isoplot' && m.primitives);
  return first?.type === 'isoplot' ? (first.primitives?.[name] ?? NaN) : NaN;
}

/** Runs of a group in seed order, and the seeds every group of `groups` shares with the baseline. */
function seedsOf(runs: readonly LoadedRun[]): number[] {
  return [...new Set(runs.map((r) => r.config.seed))].sort((a, b) => a - b);
}

/** The reading of lab runs grouped by variant (null when none of them is a lab run). */
export function reasoningOf(groups: ReadonlyMap<string, readonly LoadedRun[]>): ReasoningReading | null {
  const all = [...groups.values()].flat();
  if (!all.some((r) => r.report.primitives)) return null;
  const base = groups.get('baseline') ?? null;
  const names = PRIMITIVE_NAMES.filter((n) => all.some((r) => r.report.primitives?.[n]));
  const primitives: PrimitiveReading[] = names.map((name) => {
    const scores = all.map((r) => r.report.primitives?.[name]).filter((s) => s !== undefined);
    const variants: Record<string, SeedInterval> = {};
    for (const [v, rs] of groups) variants[v] = clip(meanInterval(rs.map((r) => finalAccuracy(r, name))));
    const chance = scores.reduce((a, s) => a + s.chance, 0) / scores.length;
    const b = variants.baseline;
    const informative = !!b && b.n >= 2 && b.lo > chance;
    let control: SeedDifference | null = null;
    if (base && base.length >= 2) {
      const seeds = seedsOf(base);
      const at = (s: number) => base.find((r) => r.config.seed === s)!;
      control = pairedDifference(
        seeds.map((s) => finalAccuracy(at(s), name)),
        seeds.map((s) => firstAccuracy(at(s), name)),
      );
    }
    return {
      name,
      label: PRIMITIVES[name].label,
      tests: PRIMITIVES[name].tests,
      chance,
      items: Math.min(...scores.map((s) => s.items)),
      shots: Math.min(...scores.map((s) => s.shots)),
      variants,
      differences: {},
      informative,
      control,
    };
  });
  // Paired differences from the baseline on the informative primitives, Holm over each variant's.
  if (base)
    for (const [v, rs] of groups) {
      if (v === 'baseline') continue;
      const seeds = seedsOf(rs).filter((s) => base.some((r) => r.config.seed === s));
      const family = primitives.filter((p) => p.informative);
      const diffs = family.map((p) =>
        pairedDifference(
          seeds.map((s) =>
            finalAccuracy(
              rs.find((r) => r.config.seed === s)!,
              p.name,
            ),
          ),
          seeds.map((s) =>
            finalAccuracy(
              base.find((r) => r.config.seed === s)!,
              p.name,
            ),
          ),
        ),
      );
      const rejected = holm(diffs.map((d) => d.p));
      family.forEach((p, i) => {
        const d = diffs[i]!;
        (p.differences as Record<string, SeedDifference>)[v] = {
          ...d,
          significant: d.n >= MIN_SIGNIFICANT_SEEDS && rejected[i]! && (d.lo > 0 || d.hi < 0),
        };
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
      `Reasoning: not informative at this scale: on no primitive is the baseline above chance with its interval, so a "no difference" here could not have been a difference seen. Train a larger model for longer (the lab's base preset on a GPU) before reading reasoning.`,
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
    if (apart.length)
      out.push(
        `${variantLabel(v)} ${apart.map((p) => `answers ${p.label} ${p.differences[v]!.mean > 0 ? 'better' : 'worse'}: ${formatDifference(p.differences[v]!, 2)}`).join('; ')} (Holm-corrected over its informative primitives).`,
      );
    if (alike.length)
      out.push(
        `${variantLabel(v)} and the baseline answer ${alike.map((p) => p.label).join(', ')} alike (no significant difference).`,
      );
  }
  return out;
}
