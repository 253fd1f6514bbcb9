/**
 * Whether a data set suits a comparison, checked for one split and one window length before
 * anything trains. Errors leave nothing to train or make the detection metrics meaningless
 * (prepareRunData refuses them); warnings make a comparison weak. Every message says what is
 * wrong, where (file or series, rows) and what to change. The Import step and `stacklab import`
 * show them for the default plan (`defaultFitness`), the Variants step (through the estimate) and
 * `stacklab train` for the plan chosen.
 */
import path from 'node:path';
import { planDefault } from '../../shared/plan';
import { PRESET_NAMES } from '../../shared/presets';
import type { DataFinding, DataFitness } from '../../shared/profile';
import { PRESETS, windowLength } from '../models/patch-transformer';
import type { Dataset } from './dataset';
import { DEFAULT_VAL_FRACTION, splitSegments, SplitError, type Segment } from './split';

/**
 * Normal rows a 1% alarm threshold (the 99th percentile of normal scores, eval/scores.ts) needs:
 * with fewer, it is the largest normal score or near it, and its false-alarm rate is not 1%.
 */
export const THRESHOLD_ROWS = 100;

/** A test part more anomalous than this: alarming on every row wins the threshold metrics. */
export const MAX_ANOMALOUS_SHARE = 0.5;

/** Data a plan cannot train on (planning says so as it does a split the data cannot give). */
export class UnfitDataError extends SplitError {
  constructor(readonly fitness: DataFitness) {
    super(
      fitness.findings
        .filter((f) => f.level === 'error')
        .map((f) => f.message)
        .join('\n'),
    );
  }
}

/** The checks for the default plan: the split's default rule and the default preset's window. */
export function defaultFitness(ds: Dataset): DataFitness {
  const { segments, strategy } = splitSegments(ds);
  return checkFitness(ds, segments, strategy, windowLength(PRESETS[planDefault('preset')!]));
}

const nameOf = (ds: Dataset, i: number) => path.basename(ds.series[i]!.path);
const pct = (x: number) => `${Math.round(x * 100)}%`;

/** "a.csv, b.csv, c.csv and 4 more" (the first three). */
function names(list: readonly string[]): string {
  return `${list.slice(0, 3).join(', ')}${list.length > 3 ? ` and ${list.length - 3} more` : ''}`;
}

/** A series' rows as a person counts them: "rows 161–960" (1-based, inclusive). */
const rowSpan = (g: Pick<Segment, 'start' | 'end'>) =>
  g.end - g.start === 1 ? `row ${g.start + 1}` : `rows ${g.start + 1}–${g.end}`;

/** The smaller presets whose window fits `rows`, as advice ("the tiny preset (64 rows)"), or null. */
function smallerPreset(windowRows: number, rows: number): string | null {
  const fit = PRESET_NAMES.map((p) => ({ p, w: windowLength(PRESETS[p]) })).filter(
    ({ w }) => w < windowRows && w <= rows,
  );
  const best = fit.at(-1);
  return best ? `the ${best.p} preset (--preset ${best.p}, a window of ${best.w} rows)` : null;
}

interface Part {
  rows: number;
  anomalies: number;
}

/**
 * What the checks find for `segments` (a split of `ds`, described by `split`) and windows of
 * `windowRows` rows.
 */
export function checkFitness(
  ds: Dataset,
  segments: readonly Segment[],
  split: string,
  windowRows: number,
): DataFitness {
  const labelled = ds.series.some((s) => s.label);
  const part = (role: Segment['role'], series?: number): Part => {
    let rows = 0;
    let anomalies = 0;
    for (const g of segments) {
      if (g.role !== role || (series !== undefined && g.series !== series)) continue;
      rows += g.end - g.start;
      const label = ds.series[g.series]!.label;
      if (label) for (let r = g.start; r < g.end; r++) anomalies += label[r]!;
    }
    return { rows, anomalies };
  };
  const test = part('test');
  const val = part('val');
  // As the evaluation fits it: on normal validation rows, else on normal training rows.
  const fitRole: Segment['role'] = val.rows > 0 ? 'val' : 'train';
  const fit = fitRole === 'val' ? val : part('train');
  const findings: DataFinding[] = [];
  const error = (check: DataFinding['check'], message: string) => findings.push({ level: 'error', check, message });
  const warning = (check: DataFinding['check'], message: string) => findings.push({ level: 'warning', check, message });

  // The first labelled anomaly of each series (-1: none), and whether its training part ends there.
  const firstAnomaly = ds.series.map((s) => (s.label ? s.label.indexOf(1) : -1));
  const cutAtAnomaly = ds.series.map((_, i) => {
    const end = Math.max(0, ...segments.filter((g) => g.series === i && g.role !== 'test').map((g) => g.end));
    return firstAnomaly[i]! >= 0 && end === firstAnomaly[i];
  });
  const free = ds.series.map((s) => s.label !== null && s.label.every((x) => x === 0));
  // The split's default rule for a set with anomaly-free files: they train whole, the others are all test.
  const freeTrain =
    free.some(Boolean) && free.every((f, i) => !f || !segments.some((g) => g.series === i && g.role === 'test'));
  const one = new Set(ds.series.map((s) => s.path.split('#')[0])).size === 1;
  const withFreeRun = free.some(Boolean)
    ? 'choose the default split rule (no --train-rows or --train-fraction): the anomaly-free files then train and validate whole, and the others are all test'
    : `import ${one ? 'the file' : 'the files'} together with an anomaly-free run (one folder): that run then trains and validates whole, and ${one ? 'this file is' : 'these files are'} all test`;
  // What lengthens the training part (and so its validation share).
  const longerTraining = freeTrain
    ? 'add anomaly-free runs to the set, or longer ones (they train and validate whole)'
    : cutAtAnomaly.some(Boolean)
      ? withFreeRun
      : `choose a larger training share (--train-fraction) or more training rows (--train-rows); the last ${pct(DEFAULT_VAL_FRACTION)} of each training part validates`;

  // Errors: nothing to train, or nothing to tell alarms by.
  const short = ds.series.map((s, i) => ({ s, i })).filter(({ s }) => s.rows < windowRows);
  if (short.length) {
    const smaller = smallerPreset(windowRows, Math.max(...short.map(({ s }) => s.rows)));
    error(
      'short-series',
      `${names(short.map(({ s, i }) => `${nameOf(ds, i)} (${s.rows} rows)`))}: shorter than one window of ${windowRows} rows, so no window of ${short.length === 1 ? 'it' : 'them'} can be trained or scored. ${short.length < ds.series.length ? 'Leave these files out, or ' : ''}${smaller ? `choose ${smaller}` : 'export longer runs'}.`,
    );
  }
  const trainParts = ds.series.map((_, i) => ({ i, rows: part('train', i).rows }));
  const longestTrain = trainParts.reduce((a, b) => (b.rows > a.rows ? b : a));
  if (short.length < ds.series.length && longestTrain.rows < windowRows) {
    const where = nameOf(ds, longestTrain.i);
    const first = firstAnomaly[longestTrain.i]!;
    const why =
      first === 0
        ? `${where} is labelled abnormal from its first row, so it has no normal rows to train on`
        : `the longest training part is ${longestTrain.rows} rows (${where}${cutAtAnomaly[longestTrain.i] ? `, cut at its first anomaly in row ${first + 1}` : ''})`;
    error(
      'no-training-window',
      `No training part is as long as one window of ${windowRows} rows: ${why}. To train, ${longerTraining}${smallerPreset(windowRows, longestTrain.rows) ? `, or choose ${smallerPreset(windowRows, longestTrain.rows)}` : ''}.`,
    );
  }
  const testSeries = ds.series
    .map((_, i) => ({ i, ...part('test', i) }))
    .filter((t) => t.rows > 0)
    .map((t) => ({
      ...t,
      where: `${nameOf(ds, t.i)} ${rowSpan(segments.find((g) => g.series === t.i && g.role === 'test')!)}`,
    }));
  if (labelled && test.rows > 0 && test.anomalies === test.rows) {
    const advice = freeTrain
      ? 'Add labelled runs with normal rows before or after their faults, so that false alarms can be counted.'
      : `To fix it, ${withFreeRun}, ${one && !free.some(Boolean) ? 'its' : 'their'} normal rows before the fault included.`;
    error(
      'test-no-normal',
      `The test part has no normal rows: all ${test.rows} of its rows (${names(testSeries.map((t) => t.where))}) are labelled abnormal, so false alarms cannot be counted and every detection metric is meaningless. ${advice}`,
    );
  }
  if (labelled && test.rows > 0 && test.anomalies === 0) {
    const columns = [...new Set(ds.profile.files.flatMap((f) => f.labelColumns))];
    error(
      'test-no-anomaly',
      `The test part has no labelled anomaly: none of its ${test.rows} rows (${names(testSeries.map((t) => t.where))}) is labelled abnormal, so detection cannot be scored. Add files with labelled faults${columns.length ? `, or drop the label column (${columns.join(', ')}) to compare by validation loss only` : ''}.`,
    );
  }

  // Warnings: a comparison that can be made, but says less than it seems.
  if (!labelled)
    warning(
      'no-labels',
      'The data have no anomaly labels (no label column, no windows file), so detection cannot be scored: the runs are compared by validation loss and the probes only. To score detection, add a label column (0/1, or fault numbers with 0 for normal) or give a windows file (--labels).',
    );
  const unlabelled = ds.series.map((s, i) => ({ s, i })).filter(({ s }) => labelled && !s.label);
  if (unlabelled.length)
    warning(
      'unlabelled-series',
      `${unlabelled.length} of ${ds.series.length} series have no labels (${names(unlabelled.map(({ i }) => nameOf(ds, i)))}): their test rows count as normal. Label them (a label column, or their entries in the windows file) or leave them out.`,
    );
  if (labelled && test.rows > 0 && test.anomalies < test.rows && test.anomalies / test.rows > MAX_ANOMALOUS_SHARE) {
    const worst = testSeries.reduce((a, b) => (b.anomalies / b.rows > a.anomalies / a.rows ? b : a));
    warning(
      'test-mostly-anomalous',
      `The test part is ${pct(test.anomalies / test.rows)} anomalous (${test.anomalies} of its ${test.rows} rows labelled abnormal${testSeries.length > 1 ? `; ${nameOf(ds, worst.i)}: ${pct(worst.anomalies / worst.rows)}` : `; the test part is ${worst.where}`}): alarming on every row scores a high precision, recall and F1, so the threshold metrics cannot tell the variants apart. Judge them by VUS-PR and AUC-ROC, or add normal test rows (runs that stay normal longer, before or after their faults).`,
    );
  }
  const fitNormal = fit.rows - fit.anomalies;
  const testUnfit = findings.some((f) => f.check === 'test-no-normal' || f.check === 'test-no-anomaly');
  if (labelled && fitNormal < THRESHOLD_ROWS && longestTrain.rows >= windowRows && !testUnfit)
    warning(
      'few-threshold-rows',
      `Only ${fitNormal} normal ${fitRole === 'val' ? 'validation' : 'training'} rows to fit the alarm threshold on: a 1% threshold (the 99th percentile of normal scores) needs at least ${THRESHOLD_ROWS}, so it is about the largest normal score and the false-alarm rate is not 1%. To raise it to ${THRESHOLD_ROWS}, ${longerTraining}.`,
    );
  const valParts = ds.series.map((_, i) => ({ i, rows: part('val', i).rows }));
  const longestVal = valParts.reduce((a, b) => (b.rows > a.rows ? b : a));
  if (val.rows > 0 && longestVal.rows < windowRows && longestTrain.rows >= windowRows)
    warning(
      'no-validation-window',
      `No validation part is as long as one window of ${windowRows} rows (the longest: ${longestVal.rows} rows, ${nameOf(ds, longestVal.i)}), so the validation loss is not measured and the runs cannot be compared by it. To lengthen it, ${longerTraining}.`,
    );
  return {
    split,
    windowRows,
    testRows: test.rows,
    testAnomalies: labelled ? test.anomalies : null,
    thresholdRows: labelled ? fitNormal : null,
    findings: [...findings.filter((f) => f.level === 'error'), ...findings.filter((f) => f.level === 'warning')],
  };
}
