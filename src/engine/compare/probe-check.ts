/**
 * The sensor probes' instrument check, the reasoning lab's rule (lab.ts) applied to plant data: a
 * probe informs only where the baseline at the full budget lies above its bar with its interval,
 * the bar being chance or, where it is higher, what holding the last value scores on the same
 * items (a probe passed by smoothness tests no reasoning). A positive control asks whether the
 * final baseline beats its own first validation point. Where a probe stays blind, one sentence
 * says why, with the measured reason where there is one (for copying: whether recalling ever pays
 * on these data, `recallShare`).
 */
import { PROBE_LABELS, type SeedDifference, type SeedInterval } from '../../shared/compare';
import { LADDER_PROBES } from '../eval/probe-items';
import type { LadderRung } from '../eval/probes';
import { boundedInterval, clearsBar, meanInterval, pairedDifference } from '../eval/stats';
import type { LoadedRun } from './load';

export interface ProbeCheck {
  readonly informative: Record<string, boolean>;
  /** One sentence per probe that is not informative: why. */
  readonly why: Record<string, string>;
  /** Final baseline − its first validation point, paired by seed (null under two baseline seeds). */
  readonly control: Record<string, SeedDifference | null>;
  /** Mean over runs of the data's recall share (the copy probe's measured reason; null unmeasured). */
  readonly recall: number | null;
}

const f2 = (x: number) => x.toFixed(2);

/** The copy probe's reason, measured on the data: does recalling an earlier stretch ever pay? */
function copyReason(recall: number | null): string {
  if (recall === null || !(recall >= 0 && recall <= 1)) return '';
  const pct = `${Math.round(100 * recall)}%`;
  return recall < 0.5
    ? `: on these data the stretch that followed the most similar earlier one predicts the next patch better than holding the last value in only ${pct} of windows, so pretraining rarely rewards recalling`
    : `, although recalling pays on these data (the stretch that followed the most similar earlier one predicts better than holding the last value in ${pct} of windows): train longer, or more seeds`;
}

const REASONS: Readonly<Record<string, string>> = {
  lookup:
    ': forecasting these data may never ask a model to bind a value to a key and fetch it later, which this probe does',
  contextual:
    ': the baseline does not tell a channel that fits its neighbours from one that does not, which forecasting these data may not need',
};

function whyBlind(
  name: string,
  base: SeedInterval | undefined,
  chance: number,
  persistence: number,
  recall: number | null,
): string {
  const label = PROBE_LABELS[name] ?? name;
  if (!base || base.n === 0)
    return `${label}: no baseline in this job to check the probe against (add the baseline variant).`;
  if (base.n < 2)
    return `${label}: one baseline seed, so no interval to check it against chance (train 3 seeds or more).`;
  const score = `${label}: the baseline scores ${f2(base.mean)} [${f2(base.lo)}, ${f2(base.hi)}]`;
  // Above chance, but no better than holding the last value: smoothness, whatever else it learned.
  if (base.lo > chance)
    return `${score}, above chance (${f2(chance)}) but not above what holding the last value scores on the same items (${f2(persistence)}): smoothness alone explains it.`;
  // The copy reason is measured on the data; the others are a reading of the baseline, made only
  // where its interval stays at or below chance (a wide one could still hide a probe that sees).
  const reason =
    name === 'copy'
      ? copyReason(recall)
      : base.hi > chance
        ? ': its interval reaches above chance, so more seeds could tell'
        : (REASONS[name] ?? '');
  return `${score}, not above chance (${f2(chance)})${reason}.`;
}

/** The first validation point's accuracy on a probe (the control's weaker model). */
function firstPoint(r: LoadedRun, name: string): number {
  for (const m of r.metrics) if (m.type === 'isoplot') return m.probes?.[name as keyof typeof m.probes] ?? NaN;
  return NaN;
}

export function probeCheck(
  names: readonly string[],
  runs: readonly LoadedRun[],
  baseline: Readonly<Record<string, SeedInterval>> | undefined,
  chance: Readonly<Record<string, number>>,
  persistence: Readonly<Record<string, number>>,
): ProbeCheck {
  const baseRuns = runs
    .filter((r) => r.config.variant === 'baseline' && !r.config.flopMatchedTo)
    .sort((a, b) => a.config.seed - b.config.seed);
  const recalls = runs.map((r) => r.report.probes?.copy?.recall).filter((x): x is number => typeof x === 'number');
  const recall = recalls.length ? meanInterval(recalls).mean : null;
  const informative: Record<string, boolean> = {};
  const why: Record<string, string> = {};
  const control: Record<string, SeedDifference | null> = {};
  for (const p of names) {
    const b = baseline?.[p];
    const bar = Math.max(chance[p] ?? NaN, Number.isFinite(persistence[p]) ? persistence[p]! : -Infinity);
    informative[p] = clearsBar(b, bar);
    if (!informative[p]) why[p] = whyBlind(p, b, chance[p] ?? NaN, persistence[p] ?? NaN, recall);
    const final = baseRuns.map((r) => r.report.probes?.[p as 'copy']?.accuracy ?? NaN);
    const first = baseRuns.map((r) => firstPoint(r, p));
    const paired = final.map((x, i) => [x, first[i]!]).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    control[p] =
      paired.length >= 2
        ? pairedDifference(
            paired.map(([x]) => x!),
            paired.map(([, y]) => y!),
          )
        : null;
  }
  return { informative, why, control, recall };
}

/** One rung of a probe's ladder over the job: each variant's accuracy, the bar, and whether the baseline clears it. */
export interface LadderReading {
  readonly probe: string;
  readonly distractors: number;
  readonly chance: number;
  readonly persistence: number;
  readonly variants: Record<string, SeedInterval>;
  readonly informative: boolean;
}

/** The probes' ladders over a job's runs (groups by variant), probe by probe, rung by rung; null where no run has one. */
export function laddersOf(groups: ReadonlyMap<string, readonly LoadedRun[]>): LadderReading[] | null {
  const all = [...groups.values()].flat();
  // report.json is read from disk: a rung counts only when every number in it is one.
  const rungsOf = (r: LoadedRun, probe: string) => {
    const ladders = r.report.ladders as Record<string, unknown> | undefined;
    const rungs = ladders && typeof ladders === 'object' ? ladders[probe] : undefined;
    return (Array.isArray(rungs) ? (rungs as LadderRung[]) : []).filter(
      (x) =>
        x !== null &&
        typeof x === 'object' &&
        [x.distractors, x.accuracy, x.chance, x.persistence].every((n) => typeof n === 'number' && Number.isFinite(n)),
    );
  };
  const out: LadderReading[] = [];
  for (const probe of LADDER_PROBES) {
    const read = new Map(all.map((r) => [r, rungsOf(r, probe)]));
    const rungs = [...new Set([...read.values()].flat().map((x) => x.distractors))].sort((a, b) => a - b);
    for (const d of rungs) {
      const at = (r: LoadedRun) => read.get(r)!.find((x) => x.distractors === d);
      const found = all.flatMap((r) => at(r) ?? []);
      const chance = meanInterval(found.map((x) => x.chance)).mean;
      const persistence = meanInterval(found.map((x) => x.persistence)).mean;
      const variants = Object.fromEntries(
        [...groups].map(([v, rs]) => [
          v,
          boundedInterval(
            rs.map((r) => at(r)?.accuracy ?? NaN),
            [0, 1],
          ),
        ]),
      );
      out.push({
        probe,
        distractors: d,
        chance,
        persistence,
        variants,
        informative: clearsBar(variants.baseline, Math.max(chance, persistence)),
      });
    }
  }
  return out.length ? out : null;
}
