/**
 * A realistic comparison (baseline, GradStack and MIDAS, three seeds each, labelled data, four
 * classical detectors, three probes) and a fake API answering the Compare, Export and Settings
 * channels, for the renderer tests.
 */
import { defineComponent, h } from 'vue';
import type {
  BaselineSummary,
  Comparison,
  MetricKey,
  SeedDifference,
  SeedInterval,
  VariantSummary,
} from '../../../src/shared/compare';
import type { ParamsOf, RequestChannel, ResultOf, StackLabApi } from '../../../src/shared/ipc';
import type { ExportFile } from '../../../src/shared/jobs';
import type { Settings } from '../../../src/shared/settings';
import { EventHub } from '../../../src/shared/rpc';
import type { ScoreTimeline } from '../../../src/shared/timeline';
import { sampleInfo } from '../fake-api';

export const JOB_DIR = '/home/eng/StackLab/runs/2025-03-14T09-30-00-pump-station';

/** mean ± half-width over n seeds. */
const iv = (mean: number, half: number, n = 3): SeedInterval => ({ mean, lo: mean - half, hi: mean + half, n });
const diff = (mean: number, half: number, n = 3): SeedDifference => ({
  ...iv(mean, half, n),
  significant: n > 1 && (mean - half > 0 || mean + half < 0),
});

function metrics(vusPr: number, f1: number): Partial<Record<MetricKey, SeedInterval>> {
  return {
    vusPr: iv(vusPr, 0.021),
    vusRoc: iv(vusPr + 0.31, 0.012),
    aucPr: iv(vusPr - 0.03, 0.024),
    aucRoc: iv(vusPr + 0.29, 0.015),
    f1: iv(f1, 0.03),
    precision: iv(f1 + 0.05, 0.04),
    recall: iv(f1 - 0.04, 0.05),
    rangeF1: iv(f1 - 0.06, 0.03),
    eventF1: iv(f1 + 0.02, 0.04),
    falseAlarmRate: iv(0.0123, 0.0021),
    missedAlarmRate: iv(0.31, 0.05),
    meanDetectionDelay: iv(14.2, 3.1),
  };
}

function variant(
  name: string,
  o: {
    speedup: number | null;
    flopRatio: number;
    wallS: number;
    valLoss: number;
    vusPr: number;
    f1: number;
    probes: [number, number, number];
    pr: number[];
    iso: { slope: number; intercept: number };
  },
  base = false,
): VariantSummary {
  const seeds = [1, 2, 3];
  const isoPoints = seeds.flatMap((seed) =>
    [0.09, 0.06, 0.05, o.valLoss].map((loss, i) => ({
      seed,
      step: (i + 1) * 150,
      valLoss: loss * (1 + seed * 0.01),
      value: o.iso.intercept + o.iso.slope * Math.log(loss * (1 + seed * 0.01)),
    })),
  );
  return {
    variant: name,
    kind: name,
    runs: 3,
    seeds,
    dirs: seeds.map((s) => `${JOB_DIR}/${name}-s${s}`),
    depths: base ? [4] : [1, 2, 3, 4],
    steps: 600,
    wallMs: iv(o.wallS * 1000, 4200),
    trainMs: iv(o.wallS * 450, 1900),
    flops: 3.1e12 * o.flopRatio,
    flopRatio: o.flopRatio,
    speedup: o.speedup === null ? null : iv(o.speedup, base ? 0 : 0.06),
    speed: base || o.speedup === null ? null : 'faster',
    usable: true,
    why: [],
    alarmsUsable: true,
    alarmsWhy: [],
    finalValLoss: iv(o.valLoss, 0.0011),
    metrics: metrics(o.vusPr, o.f1),
    differences: {},
    valLossDifference: null,
    pointAdjustedF1: iv(0.81, 0.03),
    probes: { copy: iv(o.probes[0], 0.05), lookup: iv(o.probes[1], 0.04), contextual: iv(o.probes[2], 0.03) },
    probeDifferences: {},
    curves: [],
    isoplot: {
      metric: 'VUS-PR',
      points: isoPoints,
      fit: {
        ...o.iso,
        points: isoPoints.length,
        atReference: o.iso.intercept + o.iso.slope * Math.log(0.0412),
        extrapolated: name === 'gradstack',
      },
    },
    prCurve: { recall: [0, 0.25, 0.5, 0.75, 1], precision: o.pr },
  };
}

const baseline = variant(
  'baseline',
  {
    speedup: 1,
    flopRatio: 1,
    wallS: 120,
    valLoss: 0.0412,
    vusPr: 0.412,
    f1: 0.52,
    probes: [0.48, 0.33, 0.61],
    pr: [1, 0.8, 0.6, 0.4, 0.1],
    iso: { slope: -0.2, intercept: -0.23 },
  },
  true,
);
const gradstack: VariantSummary = {
  ...variant('gradstack', {
    speedup: 1.52,
    flopRatio: 0.72,
    wallS: 79,
    valLoss: 0.0425,
    vusPr: 0.398,
    f1: 0.5,
    probes: [0.5, 0.31, 0.6],
    pr: [1, 0.78, 0.55, 0.38, 0.1],
    iso: { slope: -0.19, intercept: -0.2 },
  }),
  differences: { vusPr: diff(-0.014, 0.036), f1: diff(-0.02, 0.03), falseAlarmRate: diff(0.004, 0.002) },
  valLossDifference: diff(0.0013, 0.0009),
  probeDifferences: { copy: diff(0.02, 0.06), lookup: diff(-0.02, 0.05), contextual: diff(-0.01, 0.04) },
};
const midas: VariantSummary = {
  ...variant('midas', {
    speedup: 1.38,
    flopRatio: 0.72,
    wallS: 87,
    valLoss: 0.0418,
    vusPr: 0.455,
    f1: 0.57,
    probes: [0.6, 0.36, 0.63],
    pr: [1, 0.86, 0.7, 0.45, 0.1],
    iso: { slope: -0.21, intercept: -0.2 },
  }),
  differences: { vusPr: diff(0.043, 0.031), f1: diff(0.05, 0.04), falseAlarmRate: diff(-0.001, 0.003) },
  valLossDifference: diff(0.0006, 0.001),
  probeDifferences: { copy: diff(0.12, 0.05), lookup: diff(0.03, 0.05), contextual: diff(0.02, 0.04) },
};

function classical(name: string, label: string, vusPr: number, pa: number): BaselineSummary {
  return {
    name,
    label,
    kind: 'detector',
    metrics: metrics(vusPr, vusPr + 0.05),
    pointAdjustedF1: iv(pa, 0.04),
    usable: name !== 'random',
    why: name === 'random' ? ['random scores are the chance level itself'] : [],
    alarmsUsable: name !== 'random',
    alarmsWhy: name === 'random' ? ['random scores are the chance level itself'] : [],
  };
}

export const comparison: Comparison = {
  createdAt: '2025-03-14T11:02:03.000Z',
  data: {
    source: 'pump-station.csv',
    fingerprint: 'a41c9e0d',
    channels: 6,
    series: 1,
    split: 'chronological 70/10/20',
    normalization: 'pooled: every series standardised with the mean and standard deviation of all training rows',
    thresholds: 'pooled',
  },
  setup: { preset: 'tiny', layers: 4, block: 1, alpha: 1, device: 'cpu', precision: 'fp32' },
  reference: 'baseline',
  primaryMetric: 'vusPr',
  variants: [baseline, gradstack, midas],
  baselines: [
    classical('random', 'random scores', 0.05, 0.62),
    classical('rolling-z', 'rolling z-score', 0.21, 0.74),
    classical('pca', 'PCA reconstruction', 0.27, 0.77),
    classical('isolation-forest', 'Isolation Forest', 0.24, 0.75),
  ],
  probeChance: { copy: 0.25, lookup: 0.25, contextual: 0.5 },
  probePersistence: { copy: 0.27, lookup: 0.24, contextual: 0.51 },
  probeInformative: { copy: true, lookup: true, contextual: true },
  prevalence: 0.12,
  sameSchedules: [],
  referenceLoss: 0.0412,
  bottomLine: ['MIDAS detects better than the baseline (VUS-PR +0.043 [+0.012, +0.074]).'],
  verdict: [
    "gradstack: 1.52x faster (0.72 of the baseline's FLOPs); VUS-PR −0.014 [−0.050, +0.022] against baseline: not significant; validation loss +0.0013 [+0.0004, +0.0022] against baseline: significant",
    "midas: 1.38x faster (0.72 of the baseline's FLOPs); VUS-PR +0.043 [+0.012, +0.074] against baseline: significant; validation loss +0.0006 [−0.0004, +0.0016] against baseline: not significant; probes: copy / induction better",
    'best model (midas) VUS-PR 0.455 vs the best classical baseline (PCA reconstruction) 0.270: the pretrained models beat the classical detectors here',
  ],
  protocol: {
    verdictUses: 'pooled',
    series: 1,
    scoredSeries: null,
    strongestClassical: {
      name: 'pca',
      label: 'PCA reconstruction',
      fit: 'pooled',
      vusPr: iv(0.27, 0.021),
      usable: true,
    },
    fits: {
      pooled: { name: 'pca', label: 'PCA reconstruction', fit: 'pooled', vusPr: iv(0.27, 0.021), usable: true },
      perSeries: null,
    },
    perSeriesFitsWin: null,
  },
  warnings: ['skipped progressive-s2 (interrupted at step 212 of 600)'],
};

/** Per-series macro means for a fake detector: VUS-PR and AUC-ROC given, the rest from them. */
const perSeries = (vusPr: number, aucRoc: number) => ({
  metrics: { ...metrics(vusPr, vusPr + 0.05), aucRoc: iv(aucRoc, 0.02) },
  scored: 11,
  series: 12,
});

/** The same comparison on multi-run data of 12 series: the per-run protocol beside the pooled one. */
export const multiRunComparison: Comparison = {
  ...comparison,
  data: { ...comparison.data, source: 'test-rig', series: 12 },
  variants: comparison.variants.map((v, i) => ({
    ...v,
    perSeries: { ...perSeries(0.5 + i / 100, 0.81 + i / 100), differences: {} },
  })),
  baselines: [
    ...comparison.baselines.map((b) => ({
      ...b,
      ...(b.name === 'pca' || b.name === 'isolation-forest' ? { fit: 'pooled' as const } : {}),
      perSeries: perSeries(b.metrics.vusPr!.mean + 0.1, 0.7),
    })),
    {
      ...classical('pca-per-series', 'PCA reconstruction (per series)', 0.3, 0.78),
      fit: 'per-series' as const,
      ownFits: { series: 12, own: 12 },
      perSeries: perSeries(0.61, 0.88),
    },
  ],
  protocol: {
    verdictUses: 'per-series',
    series: 12,
    scoredSeries: 11,
    strongestClassical: {
      name: 'pca-per-series',
      label: 'PCA reconstruction (per series)',
      fit: 'per-series',
      vusPr: iv(0.61, 0.021),
      usable: true,
    },
    fits: {
      pooled: { name: 'pca', label: 'PCA reconstruction', fit: 'pooled', vusPr: iv(0.37, 0.021), usable: true },
      perSeries: {
        name: 'pca-per-series',
        label: 'PCA reconstruction (per series)',
        fit: 'per-series',
        vusPr: iv(0.61, 0.021),
        usable: true,
      },
    },
    perSeriesFitsWin: true,
  },
};

export const timeline: ScoreTimeline = {
  row: [0, 100, 200, 300, 400],
  score: [0.1, 0.2, 1.4, 0.3, 0.1],
  label: [0, 0, 1, 0, 0],
  threshold: 0.9,
};

export const settings: Settings = {
  runsDir: '/home/eng/StackLab/runs',
  defaultDevice: 'auto',
  threads: 0,
  parallelRuns: 0,
  seedBatch: 1,
  queue: null,
};

type Handler<C extends RequestChannel> = (params: ParamsOf<C>) => ResultOf<C> | Promise<ResultOf<C>>;

/** Answers each channel from `handlers` (after a microtask, like a real round trip); `fail` makes a channel throw. */
export class CompareFakeApi implements StackLabApi {
  readonly hub = new EventHub();
  readonly calls: { channel: string; params: unknown }[] = [];
  readonly fail: Partial<Record<RequestChannel, string>> = {};
  settings: Settings = { ...settings };
  readonly handlers: { [C in RequestChannel]?: Handler<C> } = {
    'system.info': () => sampleInfo,
    'compare.get': () => comparison,
    'compare.timeline': () => timeline,
    'settings.get': () => this.settings,
    'settings.set': (p) => (this.settings = { ...this.settings, ...p }),
    'export.file': (p): ExportFile =>
      p.kind === 'onnx'
        ? {
            name: 'midas-s1.onnx',
            mime: 'application/octet-stream',
            content: btoa(String.fromCharCode(0x08, 0x09, 0x12, 0xff)),
            encoding: 'base64',
            savedTo: `${p.dir}/midas-s1.onnx`,
          }
        : p.kind === 'csv'
          ? {
              name: 'stacklab-comparison.csv',
              mime: 'text/csv',
              content: 'quantity,baseline\r\nseeds,3\r\n',
              encoding: 'utf8',
              savedTo: `${p.dir}/stacklab-comparison.csv`,
            }
          : {
              name: 'stacklab-report.html',
              mime: 'text/html',
              content: '<!doctype html><title>report</title>',
              encoding: 'utf8',
              savedTo: `${p.dir}/stacklab-report.html`,
            },
  };

  /** The parameters of every call on `channel`, in order. */
  paramsOf(channel: RequestChannel): unknown[] {
    return this.calls.filter((c) => c.channel === channel).map((c) => c.params);
  }

  async invoke<C extends RequestChannel>(channel: C, params: ParamsOf<C>): Promise<ResultOf<C>> {
    this.calls.push({ channel, params });
    await Promise.resolve();
    const failure = this.fail[channel];
    if (failure) throw new Error(failure);
    const handler = this.handlers[channel] as Handler<C> | undefined;
    if (!handler) throw new Error(`the fake API has no handler for ${channel}`);
    return handler(params);
  }

  on: StackLabApi['on'] = (event, listener) => this.hub.on(event, listener);
}

/** Stands in for ChartCanvas where a test needs a drawn chart: `toPng()` answers `png`. */
export function chartStub(png: string) {
  return defineComponent({
    name: 'ChartCanvas',
    props: {
      config: { type: Object, required: true },
      label: { type: String, required: true },
      height: { type: Number, default: 260 },
    },
    setup(_, { expose }) {
      expose({ toPng: () => png });
      return () => h('div', { class: 'chart-stub' });
    },
  });
}
