/**
 * From finished runs to the comparison: runs grouped by variant (seeds pooled), every number with
 * its 95% interval over seeds, each variant against the baseline paired by seed, the baselines,
 * the isoplot fits and the verdict in plain words.
 */
import {
  METRICS,
  metricsUnder,
  PROBE_LABELS,
  type BaselineSummary,
  type Comparison,
  type ComparisonTimeline,
  type CurvePoint,
  type IsoplotFit,
  type IsoplotPoint,
  type MetricInfo,
  type MetricKey,
  type ComparisonProtocol,
  type DetectorFit,
  type PerSeriesSummary,
  type Protocol,
  type RunCurve,
  type StrongestDetector,
  type SeedDifference,
  type SeedInterval,
  type SpeedBasis,
  type VariantSummary,
} from '../../shared/compare';
import { delayUnit, formatBracket, formatDifference } from '../../shared/format';
import {
  flopMatchedName,
  isFlopMatched,
  rowVariant,
  sameSchedules,
  variantLabel,
  VARIANTS,
  type Variant,
} from '../../shared/growth';
import { BASELINES, type BaselineName, type Evaluation } from '../eval/evaluate';
import type { SeriesMetrics } from '../eval/per-series';
import { boundedInterval, holm, MIN_SIGNIFICANT_SEEDS, pairedDifference } from '../eval/stats';
import { reasoningBottomLine, reasoningOf } from './lab';
import { laddersOf, probeCheck } from './probe-check';
import type { LoadedRun } from './load';
import { count } from './text';

const BASELINE_LABELS: Record<BaselineName, string> = {
  random: 'random scores',
  'rolling-z': 'rolling z-score',
  pca: 'PCA reconstruction',
  'isolation-forest': 'Isolation Forest',
  'pca-per-series': 'PCA reconstruction (per series)',
  'isolation-forest-per-series': 'Isolation Forest (per series)',
};
const TRIVIAL_LABELS = { alwaysAlarm: 'alarm on every row', neverAlarm: 'never alarm' } as const;

/** A detector ranks usably only with AUC-ROC above this (0.5 is chance). */
export const MIN_USABLE_AUC_ROC = 0.55;
/**
 * Its alarms are usable only when they fire on at most this share of the normal test rows: five
 * times the 1% the threshold is fitted for on normal validation rows.
 */
export const MAX_USABLE_ALARM_SHARE = 0.05;
/** The metric that decides detection; the others are secondary (Holm-corrected). */
export const PRIMARY_METRIC: MetricKey = 'vusPr';

/** The chance level of each probe (its number of candidates). */
const PROBE_CHANCE: Record<string, number> = { copy: 0.25, lookup: 0.25, contextual: 0.5 };

/** The isoplot's downstream metric: VUS-PR when the data are labelled, else the copy probe. */
type IsoMetric = 'vusPr' | 'probe:copy';

/** How each classical detector that fits was fitted. */
const BASELINE_FITS: Partial<Record<BaselineName, DetectorFit>> = {
  pca: 'pooled',
  'isolation-forest': 'pooled',
  'pca-per-series': 'per-series',
  'isolation-forest-per-series': 'per-series',
};

function metricOf(ev: Evaluation | SeriesMetrics | null | undefined, key: MetricKey): number {
  if (!ev) return NaN;
  if (key in ev) return (ev as unknown as Record<string, number>)[key]!;
  return (ev.atThreshold as unknown as Record<string, number>)[key] ?? NaN;
}

function rowName(r: LoadedRun): string {
  return r.config.flopMatchedTo ? flopMatchedName(r.config.flopMatchedTo) : r.config.variant;
}

function orderOf(name: string): number {
  const i = (VARIANTS as readonly string[]).indexOf(rowVariant(name));
  return (i < 0 ? 99 : i) * 2 + (isFlopMatched(name) ? 1 : 0);
}

/** Every `step`-th element plus the last, so a chart gets at most about `max` points. */
function thin<T>(xs: readonly T[], max: number): T[] {
  if (xs.length <= max) return [...xs];
  const step = xs.length / max;
  const out: T[] = [];
  for (let i = 0; i < max; i++) out.push(xs[Math.floor(i * step)]!);
  out.push(xs.at(-1)!);
  return out;
}

function curveOf(r: LoadedRun): RunCurve {
  const train = r.metrics.flatMap((m) =>
    m.type === 'train' && Number.isFinite(m.loss)
      ? [{ step: m.step, flops: m.flops ?? NaN, ms: m.elapsedMs ?? NaN, loss: m.loss }]
      : [],
  );
  // Validation lines carry no wall-clock: take that of the training line at the same step.
  const msAt = new Map(train.map((p) => [p.step, p.ms]));
  const val: CurvePoint[] = r.metrics.flatMap((m) =>
    m.type === 'val' && Number.isFinite(m.valLoss)
      ? [{ step: m.step, flops: m.flops ?? NaN, ms: msAt.get(m.step) ?? NaN, loss: m.valLoss }]
      : [],
  );
  const growthSteps = r.metrics.flatMap((m) => (m.type === 'stage' && m.step > 0 && !m.resumed ? [m.step] : []));
  return { seed: r.config.seed, train: thin(train, 200), val, growthSteps };
}

function isoPoints(r: LoadedRun, metric: IsoMetric): IsoplotPoint[] {
  return r.metrics
    .flatMap((m) =>
      m.type === 'isoplot' && Number.isFinite(m.valLoss)
        ? [
            {
              seed: r.config.seed,
              step: m.step,
              valLoss: m.valLoss,
              value: metric === 'vusPr' ? (m.vusPr ?? NaN) : (m.probes?.copy ?? NaN),
            },
          ]
        : [],
    )
    .filter((p) => Number.isFinite(p.value) && p.valLoss > 0);
}

/** Least squares of value on ln(valLoss); null with fewer than 3 points or no spread in loss. */
export function fitIsoplot(points: readonly IsoplotPoint[], referenceLoss: number | null): IsoplotFit | null {
  if (points.length < 3) return null;
  const xs = points.map((p) => Math.log(p.valLoss));
  const ys = points.map((p) => p.value);
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let sxx = 0;
  let sxy = 0;
  xs.forEach((x, i) => {
    sxx += (x - mx) ** 2;
    sxy += (x - mx) * (ys[i]! - my);
  });
  if (sxx < 1e-12) return null;
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  const ref = referenceLoss ?? Math.exp(mx);
  const lo = Math.min(...points.map((p) => p.valLoss));
  const hi = Math.max(...points.map((p) => p.valLoss));
  return {
    slope,
    intercept,
    points: points.length,
    atReference: intercept + slope * Math.log(ref),
    extrapolated: ref < lo || ref > hi,
  };
}

/** Values of `f` over runs, in the order of `seeds` (NaN where a seed has no run). */
function bySeed(runs: readonly LoadedRun[], seeds: readonly number[], f: (r: LoadedRun) => number): number[] {
  return seeds.map((s) => {
    const r = runs.find((x) => x.config.seed === s);
    return r ? f(r) : NaN;
  });
}

/** Paired difference over the seeds both sides have a finite value for. */
function paired(a: readonly number[], b: readonly number[]): SeedDifference | null {
  const keep = a.map((_, i) => i).filter((i) => Number.isFinite(a[i]) && Number.isFinite(b[i]));
  if (keep.length === 0) return null;
  return pairedDifference(
    keep.map((i) => a[i]!),
    keep.map((i) => b[i]!),
  );
}

/** The mean and 95% interval over seeds, the interval cut to the values the quantity can take. */
const interval = boundedInterval;
const SHARE: [number, number] = [0, 1];
const POSITIVE: [number, number] = [0, Infinity];
/** Every detection metric is a share, but the detection delay (rows). */
const boundsOf = (key: MetricKey) => (key === 'meanDetectionDelay' ? POSITIVE : SHARE);

export function compareRuns(
  runs: readonly LoadedRun[],
  options: { skipped?: readonly string[]; now?: Date } = {},
): Comparison {
  if (runs.length === 0) throw new Error('no run to compare');
  const fingerprints = new Set(runs.map((r) => r.config.data.fingerprint));
  if (fingerprints.size > 1) {
    const list = [...fingerprints].map(
      (f) =>
        `${f} (${runs
          .filter((r) => r.config.data.fingerprint === f)
          .map((r) => r.dir)
          .join(', ')})`,
    );
    throw new Error(
      `these runs were trained on different data or splits: ${list.join('; ')}; compare runs of one data set`,
    );
  }
  const warnings: string[] = [...(options.skipped ?? []).map((s) => `skipped ${s}`)];
  const first = runs[0]!.config;
  const presets = new Set(runs.map((r) => `${r.config.preset}/${r.config.growth.layers}`));
  if (presets.size > 1)
    warnings.push(
      `the runs use different models (${[...presets].join(', ')}): their differences are not only the schedule`,
    );

  const groups = new Map<string, LoadedRun[]>();
  for (const r of runs) groups.set(rowName(r), [...(groups.get(rowName(r)) ?? []), r]);
  for (const [name, rs] of groups) {
    const seen = new Map<number, string>();
    for (const r of rs) {
      const other = seen.get(r.config.seed);
      if (other)
        throw new Error(
          `${name} seed ${r.config.seed} appears twice (${other} and ${r.dir}): compare one job's runs, each variant and seed once`,
        );
      seen.set(r.config.seed, r.dir);
    }
  }
  const names = [...groups.keys()].sort((a, b) => orderOf(a) - orderOf(b) || a.localeCompare(b));
  const baseRuns = groups.get('baseline') ?? null;
  // Speed-ups compare training time (wall-clock less validation) where every report records its validation time.
  const timing: SpeedBasis = runs.every((r) => typeof r.report.evalMs === 'number') ? 'training time' : 'wall-clock';
  const timeOf = (r: LoadedRun) => r.report.wallMs - (timing === 'training time' ? r.report.evalMs! : 0);
  // The most runs a report says it trained with (read from report.json, so only a whole number
  // from 2 counts; 1: every run alone).
  const most = (of: (r: LoadedRun) => number | undefined) =>
    Math.max(
      1,
      ...runs.map((r) => {
        const n = of(r);
        return Number.isInteger(n) && n! > 1 ? n! : 1;
      }),
    );
  // Runs trained several at once in one process (--parallel) share their wall-clock: it times no
  // speed-up.
  const shared = most((r) => r.report.sharedWith);
  // Seeds batched in one session (--seed-batch): a run's wall-clock is its group's, waits for the
  // other members' validation included, so it times no speed-up either.
  const batched = most((r) => r.report.seedBatch);
  const labelled = runs.some((r) => r.report.evaluation);
  const isoMetric: IsoMetric = labelled ? 'vusPr' : 'probe:copy';
  const referenceLoss = baseRuns ? interval(baseRuns.map((r) => r.report.finalValLoss ?? NaN)).mean : null;
  const probeNames = [
    ...new Set(
      runs.flatMap((r) =>
        Object.entries(r.report.probes ?? {})
          .filter(([, v]) => v)
          .map(([k]) => k),
      ),
    ),
  ];

  // How far above its fitted threshold the level lies that would alarm on 1% of the normal test rows, per row.
  const drift = new Map<string, SeedInterval | null>();
  const variants: VariantSummary[] = names.map((name) => {
    const rs = groups.get(name)!.sort((a, b) => a.config.seed - b.config.seed);
    const seeds = rs.map((r) => r.config.seed);
    const isBase = name === 'baseline';
    const vs = (f: (r: LoadedRun) => number): SeedDifference | null =>
      baseRuns && !isBase ? paired(bySeed(rs, seeds, f), bySeed(baseRuns, seeds, f)) : null;
    const metrics: Partial<Record<MetricKey, SeedInterval>> = {};
    const differences: Partial<Record<MetricKey, SeedDifference>> = {};
    if (labelled) {
      for (const m of METRICS) {
        metrics[m.key] = interval(
          rs.map((r) => metricOf(r.report.evaluation, m.key)),
          boundsOf(m.key),
        );
        const d = vs((r) => metricOf(r.report.evaluation, m.key));
        if (d) differences[m.key] = d;
      }
    }
    const probes: Record<string, SeedInterval> = {};
    const probeDifferences: Record<string, SeedDifference> = {};
    for (const p of probeNames) {
      const acc = (r: LoadedRun) => r.report.probes?.[p as keyof typeof r.report.probes]?.accuracy ?? NaN;
      probes[p] = interval(rs.map(acc), SHARE);
      const d = vs(acc);
      if (d) probeDifferences[p] = d;
    }
    const flops = rs.reduce((a, r) => a + r.report.totalFlops, 0) / rs.length;
    const baseFlops = baseRuns ? baseRuns.reduce((a, r) => a + r.report.totalFlops, 0) / baseRuns.length : null;
    // The speed-up seed by seed, on a log scale (a ratio): geometric mean and its interval.
    const logSpeedups = baseRuns
      ? bySeed(rs, seeds, (r) => {
          const base = baseRuns.find((b) => b.config.seed === r.config.seed);
          return Math.log((base ? timeOf(base) : NaN) / timeOf(r));
        })
      : [];
    const speedup =
      shared > 1 || batched > 1
        ? null
        : baseRuns && !isBase && logSpeedups.some(Number.isFinite)
          ? expInterval(interval(logSpeedups))
          : isBase && baseRuns
            ? { mean: 1, lo: 1, hi: 1, n: rs.length }
            : null;
    const iso = rs.flatMap((r) => isoPoints(r, isoMetric));
    drift.set(name, driftOf(rs.map((r) => r.report.evaluation)));
    return {
      variant: name,
      kind: rs[0]!.config.variant,
      ...(rs[0]!.config.flopMatchedTo ? { flopMatchedTo: rs[0]!.config.flopMatchedTo } : {}),
      runs: rs.length,
      seeds,
      dirs: rs.map((r) => r.dir),
      depths: rs[0]!.report.stages.map((s) => s.layers),
      steps: rs[0]!.config.growth.steps,
      wallMs: interval(
        rs.map((r) => r.report.wallMs),
        POSITIVE,
      ),
      trainMs:
        timing === 'training time'
          ? interval(
              rs.map((r) => timeOf(r)),
              POSITIVE,
            )
          : null,
      flops,
      flopRatio: baseFlops ? flops / baseFlops : null,
      speedup,
      speed: speedup && !isBase ? speedCall(speedup) : null,
      usable: null,
      why: [],
      alarmsUsable: null,
      alarmsWhy: [],
      finalValLoss: interval(
        rs.map((r) => r.report.finalValLoss ?? NaN),
        POSITIVE,
      ),
      metrics,
      differences,
      valLossDifference: vs((r) => r.report.finalValLoss ?? NaN),
      pointAdjustedF1: labelled
        ? interval(
            rs.map((r) => r.report.evaluation?.atThreshold.pointAdjustedF1 ?? NaN),
            SHARE,
          )
        : null,
      probes,
      probeDifferences,
      curves: rs.map(curveOf),
      isoplot: {
        metric: isoMetric === 'vusPr' ? 'VUS-PR' : 'copy probe accuracy',
        points: iso,
        fit: fitIsoplot(iso, referenceLoss),
      },
      prCurve: rs[0]!.report.evaluation?.prCurve ?? null,
      ...perSeriesOfVariant(rs, seeds, baseRuns, isBase),
    };
  });

  const baselines: BaselineSummary[] = [];
  for (const b of BASELINES) {
    // One value per seed: every variant's run of a seed saw the same baseline scores.
    const perSeed = new Map<number, Evaluation>();
    runs.forEach((r) => {
      const e = r.report.baselines?.[b];
      if (e && !perSeed.has(r.config.seed)) perSeed.set(r.config.seed, e);
    });
    if (perSeed.size === 0) continue;
    const list = [...perSeed.values()];
    drift.set(b, driftOf(list));
    const metrics: Partial<Record<MetricKey, SeedInterval>> = {};
    for (const m of METRICS)
      metrics[m.key] = interval(
        list.map((e) => metricOf(e, m.key)),
        boundsOf(m.key),
      );
    const ps = perSeriesOf(list);
    const fit = BASELINE_FITS[b];
    const ownFits = list[0]!.ownFits;
    baselines.push({
      name: b,
      label: BASELINE_LABELS[b],
      kind: 'detector',
      ...(fit ? { fit } : {}),
      ...(ownFits ? { ownFits } : {}),
      ...(ps ? { perSeries: ps } : {}),
      metrics,
      pointAdjustedF1: interval(
        list.map((e) => e.atThreshold.pointAdjustedF1),
        SHARE,
      ),
      usable: null,
      why: [],
      alarmsUsable: null,
      alarmsWhy: [],
    });
  }
  // The trivial detectors depend on the test part only: the same in every run.
  const trivial = runs.find((r) => r.report.trivial)?.report.trivial;
  if (trivial) {
    for (const k of ['alwaysAlarm', 'neverAlarm'] as const) {
      const t = trivial[k];
      const metrics: Partial<Record<MetricKey, SeedInterval>> = {};
      for (const m of METRICS.filter((x) => x.atThreshold))
        metrics[m.key] = interval([(t as unknown as Record<string, number>)[m.key] ?? NaN]);
      baselines.push({
        name: k === 'alwaysAlarm' ? 'always-alarm' : 'never-alarm',
        label: TRIVIAL_LABELS[k],
        kind: 'trivial',
        metrics,
        pointAdjustedF1: interval([t.pointAdjustedF1]),
        usable: null,
        why: [],
        alarmsUsable: null,
        alarmsWhy: [],
      });
    }
  }

  // Ranking and alarms judged apart: a detector may rank anomalies well and still alarm unusably often.
  const random = baselines.find((b) => b.name === 'random');
  // Under the protocol the verdict uses: the series means for several series (the per-run protocol).
  const uses = protocolUsed(first.data.series ?? 1, labelled, variants, baselines);
  const randomUnder = random && { ...random, metrics: metricsUnder(random, uses) };
  const judge = <T extends VariantSummary | BaselineSummary>(x: T, name: string, isRandom: boolean): T => ({
    ...x,
    ...usability(metricsUnder(x, uses), randomUnder, isRandom),
    ...alarmUsability(metricsUnder(x, uses), randomUnder, isRandom, drift.get(name) ?? null),
  });
  const judged = labelled ? variants.map((v) => judge(v, v.variant, false)) : variants;
  const judgedBaselines = baselines.map((b) =>
    labelled && b.kind === 'detector' ? judge(b, b.name, b.name === 'random') : b,
  );

  const lab = runs.some((r) => r.config.lab);
  if (!labelled && !lab)
    warnings.push(
      'the data have no labelled anomalies in a test part: no detection metrics, only speed, loss and the probes (import a labels column or a labels file to evaluate detection)',
    );
  if (!baseRuns)
    warnings.push(
      'no baseline run among these: speed-ups and differences need one (train the baseline variant with the same seeds)',
    );
  if (batched > 1)
    warnings.push(
      `seeds trained together, up to ${batched} in one session (--seed-batch): a run's wall-clock is its group's, so no speed-up is given; the FLOPs compare their cost (train with --seed-batch off to time them)`,
    );
  if (shared > 1)
    warnings.push(
      `runs trained up to ${shared} at once in one process (--parallel): their wall-clocks overlap, so no speed-up is given; the FLOPs compare their cost (train with --parallel 1 to time them)`,
    );
  const maxSeeds = Math.max(...variants.map((v) => v.runs));
  if (maxSeeds < 2)
    warnings.push(
      'one seed per variant: no intervals, so no difference can be called significant (train with --seeds 3 or more)',
    );
  else if (maxSeeds < MIN_SIGNIFICANT_SEEDS)
    warnings.push(
      `${maxSeeds} seeds per variant: the intervals are wide and no difference is called significant (train with --seeds ${MIN_SIGNIFICANT_SEEDS} or more)`,
    );

  const probeChance = Object.fromEntries(probeNames.map((p) => [p, PROBE_CHANCE[p] ?? NaN]));
  const probePersistence = Object.fromEntries(
    probeNames.map((p) => [
      p,
      interval(runs.map((r) => r.report.probes?.[p as keyof typeof r.report.probes]?.persistence ?? NaN)).mean,
    ]),
  );
  // The lab's instrument check: a probe informs only where the baseline is above chance and persistence.
  const checked = probeCheck(
    probeNames,
    runs,
    judged.find((v) => v.variant === 'baseline')?.probes,
    probeChance,
    probePersistence,
  );
  const probeInformative = checked.informative;
  const protocol = protocolOf(first.data.series ?? 1, labelled, judged, judgedBaselines);
  warnings.push(...protocolNotes(protocol, judgedBaselines));
  const corrected = judged.map((v) => correctedFamily(v, probeInformative));
  const kinds = [...new Set(runs.filter((r) => !r.config.flopMatchedTo).map((r) => r.config.variant))];
  const same = sameSchedules(kinds as Variant[], first.growth);
  const comparison: Omit<Comparison, 'verdict' | 'bottomLine'> = {
    createdAt: (options.now ?? new Date()).toISOString(),
    data: {
      source: first.data.source,
      fingerprint: first.data.fingerprint,
      channels: first.data.channels.length,
      series: first.data.series ?? 1,
      split: first.data.split,
      normalization: first.data.normalization?.description ?? 'pooled',
      thresholds: first.scoring?.threshold ?? 'pooled',
      samplingSeconds: runs.find((r) => Number.isFinite(r.report.samplingSeconds))?.report.samplingSeconds ?? null,
    },
    setup: {
      preset: first.preset,
      layers: first.growth.layers,
      block: first.growth.block,
      alpha: first.growth.alpha,
      device: first.device,
      precision: first.precision,
    },
    reference: baseRuns ? 'baseline' : null,
    speedBasis: timing,
    primaryMetric: PRIMARY_METRIC,
    variants: corrected,
    baselines: judgedBaselines,
    probeChance,
    probePersistence,
    probeInformative,
    probeWhy: checked.why,
    probeControl: checked.control,
    reasoning: reasoningOf(groups),
    ladders: laddersOf(groups),
    prevalence: trivial?.prevalence ?? null,
    sameSchedules: same,
    referenceLoss,
    protocol,
    warnings,
    timeline: timelineOf(corrected, groups),
  };
  return { ...comparison, bottomLine: bottomLineOf(comparison, labelled), verdict: verdictOf(comparison, labelled) };
}

/** The per-run protocol's macro means of some evaluations (one per seed), or null when one of them has none. */
function perSeriesOf(list: readonly (Evaluation | null | undefined)[]): PerSeriesSummary | null {
  const per = list.map((e) => e?.perSeries);
  if (per.length === 0 || per.some((p) => !p)) return null;
  const metrics: Partial<Record<MetricKey, SeedInterval>> = {};
  for (const m of METRICS)
    metrics[m.key] = interval(
      per.map((p) => metricOf(p!.macro, m.key)),
      boundsOf(m.key),
    );
  return { metrics, scored: per[0]!.scored, series: per[0]!.series.length };
}

/** A variant's per-run protocol: its macro means and their differences from the baseline's, paired by seed. */
function perSeriesOfVariant(
  rs: readonly LoadedRun[],
  seeds: readonly number[],
  baseRuns: readonly LoadedRun[] | null,
  isBase: boolean,
): Pick<VariantSummary, 'perSeries'> {
  const ps = perSeriesOf(rs.map((r) => r.report.evaluation));
  if (!ps) return {};
  const differences: Partial<Record<MetricKey, SeedDifference>> = {};
  if (baseRuns && !isBase && perSeriesOf(baseRuns.map((r) => r.report.evaluation))) {
    for (const m of METRICS) {
      const f = (r: LoadedRun) => metricOf(r.report.evaluation?.perSeries?.macro, m.key);
      const d = paired(bySeed(rs, seeds, f), bySeed(baseRuns, seeds, f));
      if (d) differences[m.key] = d;
    }
  }
  return { perSeries: { ...ps, differences } };
}

/**
 * The protocol the verdict should use: per series for data of several series whose runs all have
 * per-series metrics, else pooled; and the strongest classical detector under it (by mean VUS-PR),
 * overall and among the pooled and the per-series fits.
 */
/** The protocol a verdict judges by: per series for several series whose runs all carry per-series metrics. */
function protocolUsed(
  series: number,
  labelled: boolean,
  variants: readonly VariantSummary[],
  baselines: readonly BaselineSummary[],
): Protocol {
  const detectors = baselines.filter((b) => b.kind === 'detector' && b.name !== 'random');
  return labelled && series > 1 && variants.every((v) => v.perSeries) && detectors.every((b) => b.perSeries)
    ? 'per-series'
    : 'pooled';
}

export function protocolOf(
  series: number,
  labelled: boolean,
  variants: readonly VariantSummary[],
  baselines: readonly BaselineSummary[],
): ComparisonProtocol {
  const detectors = baselines.filter((b) => b.kind === 'detector' && b.name !== 'random');
  const verdictUses = protocolUsed(series, labelled, variants, baselines);
  const perSeries = verdictUses === 'per-series';
  const vusOf = (b: BaselineSummary) => metricsUnder(b, verdictUses).vusPr;
  const strongest = (list: readonly BaselineSummary[]): StrongestDetector | null => {
    const ranked = list.filter((b) => Number.isFinite(vusOf(b)?.mean)).sort((a, b) => vusOf(b)!.mean - vusOf(a)!.mean);
    const b = ranked[0];
    return b ? { name: b.name, label: b.label, fit: b.fit ?? null, vusPr: vusOf(b)!, usable: b.usable } : null;
  };
  const pooledFit = labelled ? strongest(detectors.filter((b) => b.fit === 'pooled')) : null;
  const ownFit = labelled ? strongest(detectors.filter((b) => b.fit === 'per-series')) : null;
  return {
    verdictUses,
    series,
    scoredSeries: perSeries ? Math.min(...variants.map((v) => v.perSeries!.scored)) : null,
    strongestClassical: labelled ? strongest(detectors) : null,
    fits: { pooled: pooledFit, perSeries: ownFit },
    perSeriesFitsWin: pooledFit && ownFit ? ownFit.vusPr.mean > pooledFit.vusPr.mean : null,
  };
}

/** What a reader of a multi-run comparison should know about its protocol, in plain words. */
function protocolNotes(p: ComparisonProtocol, baselines: readonly BaselineSummary[]): string[] {
  const out: string[] = [];
  if (p.verdictUses === 'per-series')
    out.push(
      `multi-run data: every detection metric is also computed on each of the ${p.series} series' own test rows and averaged over the ${count(p.scoredSeries!, 'series', 'series')} that have both labelled anomalies and normal rows there (the per-run protocol of test-rig sets); these per-series means, not the pooled values, are the ones to judge detection by`,
    );
  else if (p.series > 1 && baselines.some((b) => b.kind === 'detector') && !baselines.some((b) => b.perSeries))
    out.push(
      `${p.series} series, but these runs were evaluated before per-series metrics existed: only the pooled protocol (every series' test rows ranked together) is shown; train again to see metrics per series`,
    );
  const { pooled, perSeries } = p.fits;
  if (p.perSeriesFitsWin && pooled && perSeries) {
    const own = baselines.find((b) => b.name === perSeries.name)?.ownFits;
    out.push(
      `the classical detectors fitted on each series' own training rows beat those fitted on all series at once: ${perSeries.label} VUS-PR ${iv(perSeries.vusPr, 3)} against ${pooled.label} ${iv(pooled.vusPr, 3)}${p.verdictUses === 'per-series' ? ' (per-series means)' : ''}${own && own.own < own.series ? `; ${own.own} of ${own.series} tested series had enough normal training rows of their own, the others kept the pooled fit` : ''}`,
    );
  }
  return out;
}

/** The anomaly scores of the variant with the best VUS-PR (its first seed with scores): the report's timeline. */
function timelineOf(
  variants: readonly VariantSummary[],
  groups: ReadonlyMap<string, LoadedRun[]>,
): ComparisonTimeline | null {
  const ranked = variants
    .filter((v) => Number.isFinite(v.metrics.vusPr?.mean))
    .sort((a, b) => b.metrics.vusPr!.mean - a.metrics.vusPr!.mean);
  for (const v of ranked) {
    const r = groups.get(v.variant)?.find((x) => x.scores);
    if (r) return { variant: v.variant, seed: r.config.seed, dir: r.dir, ...r.scores! };
  }
  return null;
}

/** exp of an interval computed on a log scale. */
function expInterval(x: SeedInterval): SeedInterval {
  return { mean: Math.exp(x.mean), lo: Math.exp(x.lo), hi: Math.exp(x.hi), n: x.n };
}

/**
 * "faster" or "slower" only when the interval of the speed-up excludes 1 as printed (two decimals:
 * [1.00, 1.31] is not faster), and there are several seeds.
 */
function speedCall(x: SeedInterval): VariantSummary['speed'] {
  if (x.n > 1 && printed(x.lo, 2) > 1) return 'faster';
  if (x.n > 1 && printed(x.hi, 2) < 1) return 'slower';
  return 'no measurable difference';
}

/** A number as it is printed with `digits` decimals (−0.0004 at 3 digits is 0). */
const printed = (x: number, digits: number) => Number(x.toFixed(digits)) || 0;

/** Whether an interval excludes 0 as it is printed (with several seeds), whatever the correction says. */
const apartAlone = (d: SeedDifference, digits: number) =>
  d.n >= MIN_SIGNIFICANT_SEEDS && (printed(d.lo, digits) > 0 || printed(d.hi, digits) < 0);

/** Whether a difference's interval excludes 0 as it is printed: [−0.018, 0.000] does not. */
const excludesZeroAsPrinted = (d: SeedDifference, digits: number) =>
  d.significant && (printed(d.lo, digits) > 0 || printed(d.hi, digits) < 0);

const pct = (x: number) => `${Math.round(100 * x)}%`;
const iv = (x: SeedInterval, digits: number, unit = '') => formatBracket(x, digits, { unit });

/** Over the runs' evaluations: the level that alarms on 1% of the normal test rows over the fitted threshold. */
function driftOf(evaluations: readonly (Evaluation | null | undefined)[]): SeedInterval | null {
  const ratios = evaluations.map((e) =>
    e?.testLevelFor1Pct !== undefined && e.threshold > 0 ? e.testLevelFor1Pct / e.threshold : NaN,
  );
  return ratios.some(Number.isFinite) ? interval(ratios, POSITIVE) : null;
}

/** Whether a detector (a variant or a classical one) ranks the anomalies better than random scores here, and if not why not. */
function usability(
  metrics: Partial<Record<MetricKey, SeedInterval>>,
  random: BaselineSummary | undefined,
  isRandom: boolean,
): { usable: boolean; why: string[] } {
  if (isRandom) return { usable: false, why: ['random scores are the chance level itself'] };
  const why: string[] = [];
  const vus = metrics.vusPr;
  const rv = random?.metrics.vusPr;
  if (vus && rv && Number.isFinite(vus.mean) && !(vus.lo > rv.hi))
    why.push(`its VUS-PR ${iv(vus, 3)} does not lie above the random scores' ${iv(rv, 3)}`);
  const auc = metrics.aucRoc;
  if (auc && Number.isFinite(auc.mean) && auc.mean <= MIN_USABLE_AUC_ROC)
    why.push(`its AUC-ROC ${auc.mean.toFixed(3)} is at most ${MIN_USABLE_AUC_ROC} (0.5 is chance)`);
  if (!vus || !Number.isFinite(vus.mean)) why.push('it has no detection result');
  return { usable: why.length === 0, why };
}

/** How much higher a threshold must be, in words that never read "1.0 times": "4.0 times as high", "35% higher". */
function riseText(ratio: number): string {
  if (ratio >= 2) return `${ratio.toFixed(ratio < 10 ? 1 : 0)} times as high`;
  const higher = Math.round((ratio - 1) * 100);
  return higher >= 1 ? `${higher}% higher` : 'slightly higher';
}

/**
 * Whether a detector's alarms are usable here: at most MAX_USABLE_ALARM_SHARE of the normal test
 * rows alarm, and its event F1 lies above the random scores'. Where the false alarms come from a
 * threshold that does not transfer from the validation rows to the test part (drift), says so and
 * by how much a threshold would have to rise to alarm on 1% of them.
 */
function alarmUsability(
  metrics: Partial<Record<MetricKey, SeedInterval>>,
  random: BaselineSummary | undefined,
  isRandom: boolean,
  drift: SeedInterval | null,
): { alarmsUsable: boolean; alarmsWhy: string[] } {
  if (isRandom) return { alarmsUsable: false, alarmsWhy: ['random scores are the chance level itself'] };
  const why: string[] = [];
  const far = metrics.falseAlarmRate;
  if (far && Number.isFinite(far.mean) && far.mean > MAX_USABLE_ALARM_SHARE) {
    const rise =
      drift && Number.isFinite(drift.mean) && drift.mean > 1
        ? `: its threshold, fitted for 1% on normal validation rows, does not carry over to the test part (drift); a threshold ${riseText(drift.mean)} would have alarmed on 1% of them`
        : '';
    why.push(`it alarms on ${pct(far.mean)} of the normal test rows, more than ${pct(MAX_USABLE_ALARM_SHARE)}${rise}`);
  }
  const ef = metrics.eventF1;
  const rf = random?.metrics.eventF1;
  if (ef && rf && Number.isFinite(ef.mean) && Number.isFinite(rf.mean) && !(ef.lo > rf.hi))
    why.push(`its event F1 ${iv(ef, 3)} does not lie above the random scores' ${iv(rf, 3)}`);
  if (!ef || !Number.isFinite(ef.mean)) why.push('it has no alarm result');
  return { alarmsUsable: why.length === 0, alarmsWhy: why };
}

/**
 * A variant's differences with the multiplicity of its comparisons accounted for: the primary
 * metric's difference stands alone; every secondary one (the other detection metrics, the
 * validation loss, the informative probes) stays significant only under Holm's correction over
 * that family. Every call also needs the interval to exclude 0 as printed; a probe that no
 * variant passes above chance cannot show a difference.
 */
function correctedFamily(v: VariantSummary, probeInformative: Readonly<Record<string, boolean>>): VariantSummary {
  const family: { d: SeedDifference; digits: number; set: (d: SeedDifference) => void }[] = [];
  const differences = { ...v.differences };
  const probeDifferences = { ...v.probeDifferences };
  let valLossDifference = v.valLossDifference;
  for (const m of METRICS) {
    const d = v.differences[m.key];
    if (!d) continue;
    if (m.key === PRIMARY_METRIC) differences[m.key] = { ...d, significant: excludesZeroAsPrinted(d, m.digits) };
    else family.push({ d, digits: m.digits, set: (x) => (differences[m.key] = x) });
  }
  const perSeriesPrimary = v.perSeries?.differences[PRIMARY_METRIC];
  const perSeries =
    v.perSeries && perSeriesPrimary
      ? {
          ...v.perSeries,
          differences: {
            ...v.perSeries.differences,
            [PRIMARY_METRIC]: { ...perSeriesPrimary, significant: excludesZeroAsPrinted(perSeriesPrimary, 3) },
          },
        }
      : v.perSeries;
  if (v.valLossDifference) family.push({ d: v.valLossDifference, digits: 4, set: (x) => (valLossDifference = x) });
  for (const [k, d] of Object.entries(v.probeDifferences)) {
    if (probeInformative[k]) family.push({ d, digits: 3, set: (x) => (probeDifferences[k] = x) });
    else probeDifferences[k] = { ...d, significant: false };
  }
  const kept = holm(family.map((f) => f.d.p ?? NaN));
  family.forEach((f, i) => f.set({ ...f.d, significant: kept[i]! && excludesZeroAsPrinted(f.d, f.digits) }));
  return { ...v, differences, probeDifferences, valLossDifference, ...(perSeries ? { perSeries } : {}) };
}

/** "+0.014 [+0.005, +0.022]" */
const signedInterval = (d: SeedDifference, digits: number) => formatDifference(d, digits);

/** "slightly" for a difference under 5% of the baseline's value, "much" from 30%, else nothing. */
function degree(d: SeedDifference, base: number): string {
  const rel = Math.abs(d.mean) / Math.max(Math.abs(base), 1e-12);
  return rel < 0.05 ? 'slightly ' : rel >= 0.3 ? 'much ' : '';
}

/** "MIDAS detects anomalies slightly worse: VUS-PR −0.014 [−0.022, −0.005]" for a significant difference. */
function directed(
  who: string,
  m: Pick<MetricInfo, 'label' | 'higherIsBetter' | 'better' | 'worse' | 'digits'>,
  d: SeedDifference,
  base: number,
): string {
  const phrase = d.mean > 0 === m.higherIsBetter ? m.better : m.worse;
  return `${who} ${phrase.replace('{}', degree(d, base))}: ${m.label} ${signedInterval(d, m.digits)}`;
}

type Judged = Omit<Comparison, 'verdict' | 'bottomLine'>;

/** How the verdict reads detection: VUS-PR under the comparison's protocol (the series mean for several series). */
function primaryReader(c: Judged) {
  const uses = c.protocol.verdictUses;
  return {
    label: uses === 'per-series' ? 'VUS-PR (series mean)' : 'VUS-PR',
    of: (x: VariantSummary | BaselineSummary) => metricsUnder(x, uses)[PRIMARY_METRIC],
    difference: (v: VariantSummary) =>
      uses === 'per-series' && v.perSeries ? v.perSeries.differences[PRIMARY_METRIC] : v.differences[PRIMARY_METRIC],
  };
}

/** The best usable classical detector by VUS-PR (none where none ranks usably). */
function bestClassical(c: Judged): BaselineSummary | undefined {
  const { of } = primaryReader(c);
  return c.baselines
    .filter((b) => b.kind === 'detector' && b.name !== 'random' && b.usable)
    .sort((a, b) => (of(b)?.mean ?? -1) - (of(a)?.mean ?? -1))[0];
}

/** Whether `a` detects better than `b` on the primary metric: intervals apart and at least a point of VUS-PR. */
function clearlyAbove(a: SeedInterval | undefined, b: SeedInterval | undefined): boolean {
  return !!a && !!b && a.lo > b.hi && a.mean - b.mean >= 0.01;
}

/** What a recommendation of a classical detector must add when it ranks well but alarms unusably. */
function classicalAlarms(b: BaselineSummary): string {
  return b.alarmsUsable === false
    ? `, though its alarms are not usable here either (${b.alarmsWhy[0] ?? 'see the table'}): it ranks anomalies, its threshold needs setting anew`
    : '';
}

/**
 * One or two sentences that answer the question (does stacking change detection, and which
 * schedule or detector to use here), before the details: detection first, then cost.
 */
function bottomLineOf(c: Judged, labelled: boolean): string[] {
  const { variants } = c;
  const base = variants.find((v) => v.variant === 'baseline');
  // The schedules that grow (a FLOP-matched baseline is a reference for cost, not a schedule to choose).
  const growing = variants.filter((v) => v.kind !== 'baseline');
  const out: string[] = [];
  // The reasoning lab's question first: does a schedule reason differently at the same loss?
  if (c.reasoning) out.push(reasoningBottomLine(c.reasoning));
  const usable = variants.filter((v) => v.usable);
  const classical = bestClassical(c);
  const primary = primaryReader(c);
  // Where no schedule is worth using for detection here, the cost sentence is a conditional one.
  let pretrainAnyway = false;
  if (labelled) {
    const vusOf = primary.of;
    pretrainAnyway =
      usable.length === 0 || (!!classical && usable.every((v) => clearlyAbove(vusOf(classical), vusOf(v))));
    if (usable.length === 0)
      out.push(
        classical
          ? `No variant detects these anomalies better than random scores, so the schedules cannot be told apart on detection here: use ${classical.label} (${primary.label} ${iv(vusOf(classical)!, 3)})${classicalAlarms(classical)}.`
          : 'Neither the variants nor the classical detectors detect these anomalies better than random scores: this data cannot tell detectors apart (check the labels and the split).',
      );
    else if (classical && usable.every((v) => clearlyAbove(vusOf(classical), vusOf(v))))
      out.push(
        `Use ${classical.label} here: it detects better than every variant (${primary.label} ${iv(vusOf(classical)!, 3)}, the variants at most ${Math.max(...usable.map((v) => vusOf(v)!.mean)).toFixed(3)})${classicalAlarms(classical)}.`,
      );
    else {
      const better = classical ? usable.filter((v) => clearlyAbove(vusOf(v), vusOf(classical))) : usable;
      const alarmsToo = better.filter((v) => v.alarmsUsable);
      const stacking = growing.filter((v) => v.usable && base?.usable && primary.difference(v)?.significant);
      const effect = stacking.length
        ? stacking
            .map(
              (v) =>
                `${variantLabel(v.variant)} detects ${primary.difference(v)!.mean > 0 ? 'better' : 'worse'} than the baseline (${primary.label} ${formatDifference(primary.difference(v)!, 3)})`,
            )
            .join('; ')
        : base?.usable && growing.length
          ? 'Stacking made no measurable difference to detection here'
          : '';
      const against = !classical
        ? alarmsToo.length
          ? 'the pretrained models detect the anomalies, and no classical detector ranks them usably here'
          : 'the pretrained models rank the anomalies, but their alarms are not usable here (nor does any classical detector rank them usably)'
        : better.length === 0
          ? `the models and the best classical detector (${classical.label}) cannot be told apart on ${primary.label}`
          : alarmsToo.length
            ? `the pretrained models detect better than the classical detectors (best: ${classical.label})`
            : `the pretrained models rank anomalies better than the classical detectors (best: ${classical.label}), but their alarms are not usable here`;
      const sentence = [effect, against].filter(Boolean).join('; ');
      if (sentence) out.push(`${sentence[0]!.toUpperCase()}${sentence.slice(1)}.`);
    }
  }
  // Cost: the cheapest schedule that trains measurably faster without detecting measurably worse.
  const faster = growing
    .filter(
      (v) => v.speed === 'faster' && !(labelled && v.differences.vusPr?.significant && v.differences.vusPr.mean < 0),
    )
    .sort((a, b) => (b.speedup?.mean ?? 0) - (a.speedup?.mean ?? 0))[0];
  if (faster?.speedup)
    out.push(
      `${pretrainAnyway ? 'If you pretrain anyway: ' : ''}${variantLabel(faster.variant)} trained ${faster.speedup.mean.toFixed(2)}x faster${faster.flopRatio !== null ? ` for ${faster.flopRatio.toFixed(2)} of the FLOPs` : ''}${pretrainAnyway ? '.' : ': choose it for cost.'}`,
    );
  else if (base && growing.some((v) => v.speedup && v.speedup.n > 1))
    out.push(
      'No schedule trained measurably faster than the baseline with these seeds: none is worth choosing over it for cost here.',
    );
  return out;
}

function verdictOf(c: Judged, labelled: boolean): string[] {
  const out: string[] = [];
  const { variants } = c;
  const base = variants.find((v) => v.variant === 'baseline');
  const usableVariants = variants.filter((v) => v.usable);
  const primaryInfo = primaryReader(c);
  const head = { ...METRICS.find((m) => m.key === PRIMARY_METRIC)!, label: primaryInfo.label };
  if (labelled) {
    out.push(
      `Detection is judged by ${head.label}, the primary metric; a difference in any other metric is called significant only after Holm's correction over that variant's comparisons.`,
    );
    for (const v of variants) {
      if (v.usable === false)
        out.push(`${variantLabel(v.variant)} does not rank anomalies usably here: ${v.why.join('; ')}.`);
      else if (v.alarmsUsable === false)
        out.push(`${variantLabel(v.variant)}'s alarms are not usable here: ${v.alarmsWhy.join('; ')}.`);
    }
  }
  for (const [a, b] of c.sameSchedules)
    out.push(
      `${variantLabel(a)} and ${variantLabel(b)} are the same schedule at ${count(c.setup.layers, 'layer')} in blocks of ${c.setup.block}: their differences are seed noise (choose a depth of at least 3 blocks to tell them apart).`,
    );
  for (const v of variants) {
    if (v === base) continue;
    const who = variantLabel(v.variant);
    const parts: string[] = [];
    // The primary metric first, whatever it says, where both this variant and the baseline detect anything here.
    const primary = primaryInfo.difference(v);
    if (labelled && v.usable && base?.usable && primary)
      parts.push(
        primary.significant
          ? directed(who, head, primary, primaryInfo.of(base)?.mean ?? NaN)
          : `${who} and the baseline detect anomalies alike: ${head.label} ${signedInterval(primary, head.digits)}, no significant difference`,
      );
    if (v.speedup && v.speed) {
      const flops = v.flopRatio !== null ? `; ${v.flopRatio.toFixed(2)} of the baseline's FLOPs` : '';
      parts.push(
        v.speed === 'no measurable difference'
          ? `${parts.length ? 'no' : `${who}: no`} measurable difference in time (speed-up ${iv(v.speedup, 2, 'x')}${flops})`
          : `${parts.length ? 'it' : who} trains ${v.speedup.mean.toFixed(2)}x ${v.speed} (speed-up ${iv(v.speedup, 2, 'x')}${flops})`,
      );
    } else if (!base) parts.push(`${who}: no baseline to compare with`);
    // Secondary detection differences that survive the correction.
    if (labelled && v.usable && base?.usable) {
      for (const m of METRICS.filter((x) => x.key !== PRIMARY_METRIC && v.differences[x.key]?.significant)) {
        const d = v.differences[m.key]!;
        // The delay in time where the data have timestamps, in the unit of the difference (the degree is a share: the same in any unit).
        const u = m.key === 'meanDetectionDelay' ? delayUnit(c.data.samplingSeconds, [d.mean]) : null;
        parts.push(
          u
            ? directed(
                who,
                { ...m, label: u.label },
                { ...d, mean: d.mean * u.scale, lo: d.lo * u.scale, hi: d.hi * u.scale },
                (base.metrics[m.key]?.mean ?? NaN) * u.scale,
              )
            : directed(who, m, d, base.metrics[m.key]?.mean ?? NaN),
        );
      }
    }
    if (v.valLossDifference) {
      const d = v.valLossDifference;
      parts.push(
        d.significant
          ? directed(
              who,
              {
                label: 'validation loss',
                higherIsBetter: false,
                better: 'reaches a {}lower validation loss',
                worse: 'reaches a {}higher validation loss',
                digits: 4,
              },
              d,
              base?.finalValLoss.mean ?? NaN,
            )
          : `validation loss ${signedInterval(d, 4)}, ${apartAlone(d, 4) ? "its interval excludes 0, but after Holm's correction over this variant's comparisons it is not significant" : 'no significant difference'}`,
      );
    }
    for (const [k, d] of Object.entries(v.probeDifferences)) {
      if (!d.significant) continue;
      const label = `${PROBE_LABELS[k] ?? k} probe`;
      parts.push(
        directed(
          who,
          {
            label: 'accuracy',
            higherIsBetter: true,
            better: `is {}better on the ${label}`,
            worse: `is {}worse on the ${label}`,
            digits: 3,
          },
          d,
          base?.probes[k]?.mean ?? NaN,
        ),
      );
    }
    out.push(`${parts.join('; ')}.`);
  }
  // A test part that is mostly fault flatters every threshold metric: say when alarming everywhere wins.
  const always = c.baselines.find((b) => b.name === 'always-alarm');
  const bestF1 = Math.max(...variants.map((v) => v.metrics.f1?.mean ?? -1));
  if (
    labelled &&
    always?.metrics.f1 &&
    c.prevalence !== null &&
    (always.metrics.f1.mean >= bestF1 || c.prevalence >= 0.5)
  ) {
    out.push(
      `${(100 * c.prevalence).toFixed(0)}% of the test rows are labelled anomalies: alarming on every row scores F1 ${always.metrics.f1.mean.toFixed(3)}${always.metrics.f1.mean >= bestF1 ? `, more than any variant (${bestF1.toFixed(3)})` : ''}; judge detection by VUS-PR and AUC-ROC rather than by the threshold metrics.`,
    );
  }
  out.push(...(c.reasoning?.sentences ?? []));
  const seen = Object.keys(c.probeInformative).filter((k) => c.probeInformative[k] && c.probeControl?.[k]);
  if (seen.length)
    out.push(
      `Probe control (the final baseline against its first validation point): ${seen.map((k) => `${PROBE_LABELS[k] ?? k} ${formatDifference(c.probeControl![k]!, 2)}${c.probeControl![k]!.lo > 0 ? '' : ' (not separated)'}`).join('; ')}.`,
    );
  const silent = Object.keys(c.probeInformative).filter((k) => !c.probeInformative[k]);
  if (silent.length)
    out.push(
      `Not informative on this data: ${silent.map((k) => c.probeWhy?.[k] ?? `${PROBE_LABELS[k] ?? k}: the baseline is not above chance.`).join(' ')}`,
    );
  const blindRungs = (c.ladders ?? []).filter((r) => !r.informative);
  if (blindRungs.length)
    out.push(
      `Ladder rungs not informative (the baseline not above the larger of chance and persistence with its interval): ${blindRungs.map((r) => `${PROBE_LABELS[r.probe] ?? r.probe} with ${count(r.distractors, 'distractor')} (baseline ${r.variants.baseline ? iv(r.variants.baseline, 2) : 'absent'}; chance ${r.chance.toFixed(3)}, persistence ${r.persistence.toFixed(2)})`).join('; ')}.`,
    );
  if (labelled && usableVariants.length) {
    const classical = bestClassical(c);
    const range = usableVariants.map((v) => primaryInfo.of(v)!.mean);
    const vs = `the variants' ${primaryInfo.label} ${Math.min(...range).toFixed(3)}${range.length > 1 ? ` to ${Math.max(...range).toFixed(3)}` : ''}`;
    out.push(
      classical
        ? `Against the classical detectors: ${vs}, the best classical detector (${classical.label}) ${iv(primaryInfo.of(classical)!, 3)}.`
        : `No classical detector ranks usably here; ${vs}.`,
    );
  }
  return out;
}
