/**
 * From finished runs to the comparison: runs grouped by variant (seeds pooled), every number with
 * its 95% interval over seeds, each variant against the baseline paired by seed, the baselines,
 * the isoplot fits and the verdict in plain words.
 */
import { METRICS, PROBE_LABELS, type BaselineSummary, type Comparison, type CurvePoint, type IsoplotFit, type IsoplotPoint, type MetricKey, type RunCurve, type SeedDifference, type SeedInterval, type VariantSummary } from '../../shared/compare';
import { BASELINES, type BaselineName, type Evaluation } from '../eval/evaluate';
import { describeDifference, meanInterval, pairedDifference } from '../eval/stats';
import type { LoadedRun, MetricLine } from './load';

const BASELINE_LABELS: Record<BaselineName, string> = { random: 'random scores', 'rolling-z': 'rolling z-score', pca: 'PCA reconstruction', 'isolation-forest': 'Isolation Forest' };

/** The chance level of each probe (its number of candidates). */
const PROBE_CHANCE: Record<string, number> = { copy: 0.25, lookup: 0.25, contextual: 0.5 };

/** The isoplot's downstream metric: VUS-PR when the data are labelled, else the copy probe. */
type IsoMetric = 'vusPr' | 'probe:copy';

function metricOf(ev: Evaluation | null | undefined, key: MetricKey): number {
  if (!ev) return NaN;
  if (key in ev) return (ev as unknown as Record<string, number>)[key]!;
  return (ev.atThreshold as unknown as Record<string, number>)[key] ?? NaN;
}

function rowName(r: LoadedRun): string {
  return r.config.flopMatchedTo ? `baseline≈${r.config.flopMatchedTo}` : r.config.variant;
}

const VARIANT_ORDER = ['baseline', 'gradstack', 'midas', 'gstack', 'progressive'];

function orderOf(name: string): number {
  const i = VARIANT_ORDER.indexOf(name.split('≈')[0]!);
  return (i < 0 ? 99 : i) * 2 + (name.includes('≈') ? 1 : 0);
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
  const point = (m: MetricLine, loss: number): CurvePoint => ({ step: m.step, flops: m.flops ?? NaN, ms: m.elapsedMs ?? NaN, loss });
  const train = r.metrics.filter((m) => m.type === 'train' && Number.isFinite(m.loss)).map((m) => point(m, m.loss!));
  // Validation lines carry no wall-clock: take that of the training line at the same step.
  const msAt = new Map(train.map((p) => [p.step, p.ms]));
  const val = r.metrics.filter((m) => m.type === 'val' && Number.isFinite(m.valLoss)).map((m) => ({ ...point(m, m.valLoss!), ms: msAt.get(m.step) ?? NaN }));
  const growthSteps = r.metrics.filter((m) => m.type === 'stage' && m.step > 0 && !m.resumed).map((m) => m.step);
  return { seed: r.config.seed, train: thin(train, 200), val, growthSteps };
}

function isoPoints(r: LoadedRun, metric: IsoMetric): IsoplotPoint[] {
  return r.metrics
    .filter((m) => m.type === 'isoplot' && Number.isFinite(m.valLoss))
    .map((m) => ({ seed: r.config.seed, step: m.step, valLoss: m.valLoss!, value: metric === 'vusPr' ? (m.vusPr ?? NaN) : (m.probes?.copy ?? NaN) }))
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
  return { slope, intercept, points: points.length, atReference: intercept + slope * Math.log(ref), extrapolated: ref < lo || ref > hi };
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

const interval = (xs: readonly number[]): SeedInterval => meanInterval(xs);

export function compareRuns(runs: readonly LoadedRun[], options: { skipped?: readonly string[]; now?: Date } = {}): Comparison {
  if (runs.length === 0) throw new Error('no run to compare');
  const fingerprints = new Set(runs.map((r) => r.config.data.fingerprint));
  if (fingerprints.size > 1) {
    const list = [...fingerprints].map((f) => `${f} (${runs.filter((r) => r.config.data.fingerprint === f).map((r) => r.dir).join(', ')})`);
    throw new Error(`these runs were trained on different data or splits: ${list.join('; ')}; compare runs of one data set`);
  }
  const warnings: string[] = [...(options.skipped ?? []).map((s) => `skipped ${s}`)];
  const first = runs[0]!.config;
  const presets = new Set(runs.map((r) => `${r.config.preset}/${r.config.growth.layers}`));
  if (presets.size > 1) warnings.push(`the runs use different models (${[...presets].join(', ')}): their differences are not only the schedule`);

  const groups = new Map<string, LoadedRun[]>();
  for (const r of runs) groups.set(rowName(r), [...(groups.get(rowName(r)) ?? []), r]);
  for (const [name, rs] of groups) {
    const seen = new Map<number, string>();
    for (const r of rs) {
      const other = seen.get(r.config.seed);
      if (other) throw new Error(`${name} seed ${r.config.seed} appears twice (${other} and ${r.dir}): compare one job's runs, each variant and seed once`);
      seen.set(r.config.seed, r.dir);
    }
  }
  const names = [...groups.keys()].sort((a, b) => orderOf(a) - orderOf(b) || a.localeCompare(b));
  const baseRuns = groups.get('baseline') ?? null;
  const labelled = runs.some((r) => r.report.evaluation);
  const isoMetric: IsoMetric = labelled ? 'vusPr' : 'probe:copy';
  const referenceLoss = baseRuns ? interval(baseRuns.map((r) => r.report.finalValLoss ?? NaN)).mean : null;
  const probeNames = [...new Set(runs.flatMap((r) => Object.entries(r.report.probes ?? {}).filter(([, v]) => v).map(([k]) => k)))];

  const variants: VariantSummary[] = names.map((name) => {
    const rs = groups.get(name)!.sort((a, b) => a.config.seed - b.config.seed);
    const seeds = rs.map((r) => r.config.seed);
    const isBase = name === 'baseline';
    const vs = (f: (r: LoadedRun) => number): SeedDifference | null => (baseRuns && !isBase ? paired(bySeed(rs, seeds, f), bySeed(baseRuns, seeds, f)) : null);
    const metrics: Partial<Record<MetricKey, SeedInterval>> = {};
    const differences: Partial<Record<MetricKey, SeedDifference>> = {};
    if (labelled) {
      for (const m of METRICS) {
        metrics[m.key] = interval(rs.map((r) => metricOf(r.report.evaluation, m.key)));
        const d = vs((r) => metricOf(r.report.evaluation, m.key));
        if (d) differences[m.key] = d;
      }
    }
    const probes: Record<string, SeedInterval> = {};
    const probeDifferences: Record<string, SeedDifference> = {};
    for (const p of probeNames) {
      const acc = (r: LoadedRun) => r.report.probes?.[p as keyof typeof r.report.probes]?.accuracy ?? NaN;
      probes[p] = interval(rs.map(acc));
      const d = vs(acc);
      if (d) probeDifferences[p] = d;
    }
    const flops = rs.reduce((a, r) => a + r.report.totalFlops, 0) / rs.length;
    const baseFlops = baseRuns ? baseRuns.reduce((a, r) => a + r.report.totalFlops, 0) / baseRuns.length : null;
    const speedups = baseRuns ? bySeed(rs, seeds, (r) => (baseRuns.find((b) => b.config.seed === r.config.seed)?.report.wallMs ?? NaN) / r.report.wallMs) : [];
    const iso = rs.flatMap((r) => isoPoints(r, isoMetric));
    return {
      variant: name,
      kind: rs[0]!.config.variant,
      ...(rs[0]!.config.flopMatchedTo ? { flopMatchedTo: rs[0]!.config.flopMatchedTo } : {}),
      runs: rs.length,
      seeds,
      dirs: rs.map((r) => r.dir),
      depths: rs[0]!.report.stages.map((s) => s.layers),
      steps: rs[0]!.config.growth.steps,
      wallMs: interval(rs.map((r) => r.report.wallMs)),
      flops,
      flopRatio: baseFlops ? flops / baseFlops : null,
      speedup: baseRuns && speedups.some(Number.isFinite) ? interval(speedups) : null,
      finalValLoss: interval(rs.map((r) => r.report.finalValLoss ?? NaN)),
      metrics,
      differences,
      valLossDifference: vs((r) => r.report.finalValLoss ?? NaN),
      pointAdjustedF1: labelled ? interval(rs.map((r) => r.report.evaluation?.atThreshold.pointAdjustedF1 ?? NaN)) : null,
      probes,
      probeDifferences,
      curves: rs.map(curveOf),
      isoplot: { metric: isoMetric === 'vusPr' ? 'VUS-PR' : 'copy probe accuracy', points: iso, fit: fitIsoplot(iso, referenceLoss) },
      prCurve: rs[0]!.report.evaluation?.prCurve ?? null,
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
    const metrics: Partial<Record<MetricKey, SeedInterval>> = {};
    for (const m of METRICS) metrics[m.key] = interval(list.map((e) => metricOf(e, m.key)));
    baselines.push({ name: b, label: BASELINE_LABELS[b], metrics, pointAdjustedF1: interval(list.map((e) => e.atThreshold.pointAdjustedF1)) });
  }

  if (!labelled) warnings.push('the data have no labelled anomalies in a test part: no detection metrics, only speed, loss and the probes (import a labels column or a labels file to evaluate detection)');
  if (!baseRuns) warnings.push('no baseline run among these: speed-ups and differences need one (train the baseline variant with the same seeds)');
  const maxSeeds = Math.max(...variants.map((v) => v.runs));
  if (maxSeeds < 2) warnings.push('one seed per variant: no intervals, so no difference can be called significant (train with --seeds 3 or more)');

  return {
    createdAt: (options.now ?? new Date()).toISOString(),
    data: { source: first.data.source, fingerprint: first.data.fingerprint, channels: first.data.channels.length, split: first.data.split },
    setup: { preset: first.preset, layers: first.growth.layers, block: first.growth.block, alpha: first.growth.alpha, device: first.device },
    reference: baseRuns ? 'baseline' : null,
    variants,
    baselines,
    probeChance: Object.fromEntries(probeNames.map((p) => [p, PROBE_CHANCE[p] ?? NaN])),
    probePersistence: Object.fromEntries(probeNames.map((p) => [p, interval(runs.map((r) => r.report.probes?.[p as keyof typeof r.report.probes]?.persistence ?? NaN)).mean])),
    referenceLoss,
    verdict: verdictOf(variants, baselines, labelled),
    warnings,
  };
}

/** "VUS-PR +0.03 [−0.01, +0.07] against baseline: not significant" */
function versus(label: string, d: SeedDifference, digits: number): string {
  const [num, call] = describeDifference(d, digits).split(': ');
  return `${label} ${num} against baseline${call ? `: ${call}` : ''}`;
}

function verdictOf(variants: readonly VariantSummary[], baselines: readonly BaselineSummary[], labelled: boolean): string[] {
  const out: string[] = [];
  const base = variants.find((v) => v.variant === 'baseline');
  for (const v of variants) {
    if (v === base) continue;
    const parts: string[] = [];
    if (v.speedup) {
      const s = v.speedup.mean;
      parts.push(`${s.toFixed(2)}x ${s >= 1 ? 'faster' : 'slower'} (${v.flopRatio?.toFixed(2) ?? '?'} of the baseline's FLOPs)`);
    }
    const head = v.differences.vusPr;
    if (head) parts.push(versus('VUS-PR', head, 3));
    else if (!labelled) {
      const p = v.probeDifferences.copy;
      if (p) parts.push(versus('copy probe', p, 3));
    }
    if (v.valLossDifference) parts.push(versus('validation loss', v.valLossDifference, 4));
    const better = Object.entries(v.probeDifferences).filter(([, d]) => d.significant);
    if (better.length) parts.push(`probes: ${better.map(([k, d]) => `${PROBE_LABELS[k] ?? k} ${d.mean > 0 ? 'better' : 'worse'}`).join(', ')}`);
    out.push(`${v.variant}: ${parts.length ? parts.join('; ') : 'no baseline to compare with'}`);
  }
  if (labelled && base) {
    const best = [...baselines].filter((b) => b.name !== 'random').sort((a, b) => (b.metrics.vusPr?.mean ?? -1) - (a.metrics.vusPr?.mean ?? -1))[0];
    const bestModel = [...variants].sort((a, b) => (b.metrics.vusPr?.mean ?? -1) - (a.metrics.vusPr?.mean ?? -1))[0];
    if (best && bestModel) {
      const m = bestModel.metrics.vusPr!.mean;
      const b = best.metrics.vusPr!.mean;
      out.push(`best model (${bestModel.variant}) VUS-PR ${m.toFixed(3)} vs the best classical baseline (${best.label}) ${b.toFixed(3)}: ${m > b ? 'the pretrained models beat the classical detectors here' : 'a classical detector does as well or better here, whatever the schedule'}`);
    }
  }
  return out;
}
