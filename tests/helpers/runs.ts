/**
 * Hand-made finished runs of one job, as `stacklab train` leaves them in their folders (config.json,
 * report.json, metrics.jsonl): every variant, seed by seed, with the classical and trivial detectors.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LoadedRun } from '../../src/engine/compare/load';
import type { Evaluation } from '../../src/engine/eval/evaluate';
import type { ThresholdMetrics } from '../../src/engine/eval/metrics';
import type { MetricRecord, RunConfig, RunReport } from '../../src/engine/runs/types';

/** An evaluation whose every metric follows from `q` (0 worst, 1 best), so columns and seeds differ. */
function evaluation(q: number): Evaluation {
  const at: ThresholdMetrics = {
    precision: 0.3 + q / 2,
    recall: 0.2 + q / 2,
    f1: 0.25 + q / 2,
    rangePrecision: 0.2 + q / 3,
    rangeRecall: 0.3 + q / 3,
    rangeF1: 0.25 + q / 3,
    eventPrecision: 0.4 + q / 2,
    eventRecall: 0.5 + q / 3,
    eventF1: 0.45 + q / 3,
    falseAlarmRate: 0.05 - q / 25,
    missedAlarmRate: 0.5 - q / 3,
    meanDetectionDelay: 180 - 120 * q,
    pointAdjustedF1: 0.7 + q / 4,
  };
  return {
    threshold: 1,
    thresholdRule: { kind: 'quantile', q: 0.99 },
    thresholdRows: 400,
    testRows: 800,
    prevalence: 0.15,
    vusPr: 0.2 + q / 2,
    vusRoc: 0.55 + q / 3,
    aucPr: 0.15 + q / 2,
    aucRoc: 0.56 + q / 3,
    atThreshold: at,
    prCurve: { recall: [0, 1], precision: [1, 0.15] },
  };
}

const GROWS: Readonly<Record<string, boolean>> = { baseline: false, gradstack: true, midas: true };

/** One run: `speed` times the baseline's pace, detection quality `q` plus the seed's `noise`. */
function run(
  variant: RunConfig['variant'],
  seed: number,
  o: {
    speed: number;
    flops: number;
    q: number;
    noise: readonly number[];
    valLoss: number;
    flopMatchedTo?: RunConfig['variant'];
  },
): LoadedRun {
  const name = `${variant}${o.flopMatchedTo ? `-matched-${o.flopMatchedTo}` : ''}-s${seed}`;
  const wallMs = (3000 + 150 * seed) / o.speed;
  const layers = GROWS[variant] ? [1, 2, 3, 4] : [4];
  const config = {
    variant,
    ...(o.flopMatchedTo ? { flopMatchedTo: o.flopMatchedTo } : {}),
    seed,
    preset: 'tiny',
    growth: { layers: 4, block: 1, alpha: 1, steps: 600 },
    device: 'cpu',
    precision: 'fp32',
    data: {
      source: 'sample (built-in synthetic plant)',
      fingerprint: 'f00d',
      channels: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'],
      split: 'time',
      trainWindows: 100,
      valWindows: 20,
      normalization: { mean: [], std: [] },
    },
  } as unknown as RunConfig;
  const f1 = 0.3 / 1.15;
  const trivial = {
    prevalence: 0.15,
    alwaysAlarm: {
      precision: 0.15,
      recall: 1,
      f1,
      rangePrecision: 0.15,
      rangeRecall: 1,
      rangeF1: f1,
      eventPrecision: 1,
      eventRecall: 1,
      eventF1: 1,
      falseAlarmRate: 1,
      missedAlarmRate: 0,
      meanDetectionDelay: 0,
      pointAdjustedF1: f1,
    },
    neverAlarm: {
      precision: 0,
      recall: 0,
      f1: 0,
      rangePrecision: 0,
      rangeRecall: 0,
      rangeF1: 0,
      eventPrecision: 0,
      eventRecall: 0,
      eventF1: 0,
      falseAlarmRate: 0,
      missedAlarmRate: 1,
      meanDetectionDelay: NaN,
      pointAdjustedF1: 0,
    },
  };
  const report: RunReport = {
    variant,
    seed,
    dir: name,
    status: 'finished',
    stages: layers.map((l) => ({
      layers: l,
      steps: 600 / layers.length,
      flops: o.flops / layers.length,
      wallMs: wallMs / layers.length,
    })),
    totalFlops: o.flops,
    wallMs,
    finalValLoss: o.valLoss + seed * 0.003,
    finalTrainLoss: o.valLoss,
    evaluation: evaluation(o.q + o.noise[seed - 1]!),
    baselines: {
      random: evaluation(0.02 * seed),
      'rolling-z': evaluation(0.1),
      pca: evaluation(0.5 + seed * 0.02),
      'isolation-forest': evaluation(0.2 + seed * 0.05),
    },
    trivial,
    probes: {
      copy: { accuracy: 0.3 + o.q / 5 + seed * 0.01, chance: 0.25, items: 64, persistence: 0.18 },
      lookup: { accuracy: 0.26 + seed * 0.01, chance: 0.25, items: 64, persistence: 0.24 },
      contextual: { accuracy: 0.55, chance: 0.5, items: 64, persistence: 0.56 },
    },
  };
  const metrics: MetricRecord[] = [
    ...layers.map((l, i) => ({
      type: 'stage' as const,
      stage: i + 1,
      steps: 600 / layers.length,
      step: (i * 600) / layers.length,
      layers: l,
    })),
    ...[1.0, 0.6, 0.3].map((l, i) => ({
      type: 'isoplot' as const,
      step: (i + 1) * 200,
      layers: 4,
      valLoss: o.valLoss + l,
      vusPr: 0.2 + o.q / 2 - l / 10,
      probes: {},
    })),
  ];
  return { dir: name, config, report, metrics };
}

/** A job of three seeds: the baseline, GradStack, MIDAS and the baseline given MIDAS's FLOPs. */
export function handMadeJob(): LoadedRun[] {
  // Seed noise of each variant's own: some differences are significant, others not.
  return [1, 2, 3].flatMap((s) => [
    run('baseline', s, { speed: 1, flops: 849.35e6, q: 0.3, noise: [0, 0.02, -0.01], valLoss: 0.4 }),
    run('gradstack', s, { speed: 1.3 + s * 0.02, flops: 644.87e6, q: 0.32, noise: [0.03, -0.02, 0.01], valLoss: 0.41 }),
    run('midas', s, { speed: 1.4 + s * 0.03, flops: 644.87e6, q: 0.4, noise: [0.01, 0.025, 0], valLoss: 0.405 }),
    run('baseline', s, {
      speed: 1.32,
      flops: 644.87e6,
      q: 0.28,
      noise: [-0.01, 0.015, 0],
      valLoss: 0.43,
      flopMatchedTo: 'midas',
    }),
  ]);
}

/** The runs as run folders in a new temporary folder (one folder per run); returns that folder. */
export function writeRunFolders(runs: readonly LoadedRun[]): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'stacklab-runs-'));
  for (const r of runs) {
    const dir = path.join(root, r.dir);
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'config.json'), JSON.stringify(r.config));
    writeFileSync(path.join(dir, 'report.json'), JSON.stringify({ ...r.report, dir }));
    writeFileSync(path.join(dir, 'metrics.jsonl'), r.metrics.map((m) => `${JSON.stringify(m)}\n`).join(''));
  }
  return root;
}
