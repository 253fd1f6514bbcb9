/**
 * A trained run as a standalone scoring model (inference/scoring.ts): its latest weights, one
 * normalisation and the run's score calibration inside, and in the metadata what a scorer needs
 * to reproduce the run's alarms (the threshold, the smoothing, the windows' context).
 *
 * Normalisation: per-series statistics cannot be known for new data, so the model holds those of
 * one series: with per-series normalisation the chosen one (`series`, default the first that has
 * its own), else the pooled statistics. `stacklab score --calibrate-rows N` standardises new data
 * by its own first N rows instead.
 */
import path from 'node:path';
import type { EmittedModel } from '../graph/emit';
import { scoringContext, type Evaluation } from '../eval/evaluate';
import type { PatchTransformerConfig } from '../models/patch-transformer';
import { buildScoringModel, identityCalibration } from '../inference/scoring';
import type { RunConfig, RunReport } from './types';
import { RunStore } from './store';
import { checkpointFitsPlan, RunSchedule } from './schedule';

export interface RunExport {
  readonly model: EmittedModel;
  readonly config: RunConfig;
  /** The file name a download would use. */
  readonly name: string;
  /** Which statistics the model standardises with, in words. */
  readonly normalization: string;
  readonly step: number;
  readonly layers: number;
  /** The alarm threshold in the model's score units (null: the run has no evaluation). */
  readonly threshold: number | null;
}

/** Builds the scoring model of a run folder; `series` names the series whose statistics it holds. */
export async function exportRun(dir: string, options: { series?: string } = {}): Promise<RunExport> {
  const store = new RunStore(dir);
  const config = await store.readConfig();
  if (!config) throw new Error(`${dir} is not a run folder (no readable config.json): choose one run of the job`);
  const ck = await store.latestCheckpoint(undefined, (c) => checkpointFitsPlan(c, config, new RunSchedule(config)));
  if (!ck) throw new Error(`${dir} has no checkpoint yet: train it first`);
  // A damaged newest checkpoint: the model would not be the one the report evaluated.
  const newest = ck.damaged[0];
  if (newest)
    throw new Error(
      `${path.basename(newest.file)} in ${dir} is damaged (${newest.reason}): resume the run (stacklab train … --resume) to train again from ${path.basename(ck.file)}, then export`,
    );
  const report = await store.readReport<RunReport>();
  const evaluation: Evaluation | null = report?.status === 'finished' ? (report.evaluation ?? null) : null;
  const norm = config.data.normalization;
  const list = norm.series ?? [];
  let stats: { mean: readonly number[]; std: readonly number[] } = norm;
  let normalization = 'the pooled statistics of all training rows';
  let seriesIndex = -1;
  if (options.series !== undefined) {
    seriesIndex = list.findIndex((s) => s.name === options.series || s.name === path.basename(options.series!));
    if (norm.mode !== 'per-series')
      throw new Error(
        `${dir} was normalised with pooled statistics: there is no per-series choice (leave out the series)`,
      );
    if (seriesIndex < 0)
      throw new Error(`${dir} has no series "${options.series}" (series: ${list.map((s) => s.name).join(', ')})`);
  } else if (norm.mode === 'per-series') seriesIndex = list.findIndex((s) => s.own);
  if (seriesIndex >= 0) {
    stats = list[seriesIndex]!;
    normalization = `the statistics of series ${list[seriesIndex]!.name}${list[seriesIndex]!.own ? '' : ' (the pooled ones: it had too few training rows)'}`;
  }
  // The run's alarm level in raw score units: the chosen series' own threshold, else the pooled one.
  const perSeries = seriesIndex >= 0 ? evaluation?.thresholds?.series?.[seriesIndex] : null;
  const threshold = evaluation?.thresholds ? (perSeries ?? evaluation.thresholds.pooled) : null;
  const cfg: PatchTransformerConfig = { ...config.model, layers: ck.layers };
  const calibration = evaluation?.calibration ?? identityCalibration(cfg.channels);
  const model = buildScoringModel(
    cfg,
    ck.params,
    stats,
    {
      channels: config.data.channels,
      variant: config.variant,
      run: path.resolve(dir),
      extra: {
        norm: JSON.stringify({ mean: stats.mean, std: stats.std }),
        normalization,
        smooth: String(config.scoring?.smooth ?? 1),
        // How many rows the statistics came from: what `score --calibrate-rows` takes by default.
        // (a series that borrowed the pooled statistics has no rows of its own to say).
        ...(seriesIndex >= 0 && list[seriesIndex]!.own && list[seriesIndex]!.rows >= 2
          ? { calibrate_rows: String(list[seriesIndex]!.rows) }
          : {}),
        context: String(scoringContext(cfg)),
        ...(threshold !== null ? { threshold: String(threshold) } : {}),
      },
    },
    calibration,
  );
  const name = `${config.flopMatchedTo ? `baseline-flopmatched-${config.flopMatchedTo}` : config.variant}-s${config.seed}.onnx`;
  return { model, config, name, normalization, step: ck.step, layers: ck.layers, threshold };
}
