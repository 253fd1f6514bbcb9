/**
 * `stacklab export --run <run-dir> --out model.onnx [--series NAME]` and
 * `stacklab score --model model.onnx --data new.csv --out scores.csv [--calibrate-rows N]`.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { FileRefusedError, readRegular } from '../io/files';
import { loadDataset } from '../data/dataset';
import { readScoringModel } from '../inference/scoring-meta';
import { scoreRows } from '../eval/score-series';
import { smoothScores } from '../eval/scores';
import { exportRun } from '../runs/export';
import { writeAtomic } from '../runs/store';
import { parseCommandArgs, UsageError, withOptionalValue } from './args';
import { count } from '../compare/text';

export const EXPORT_USAGE = `stacklab export --run <run-dir> --out <model.onnx> [--series NAME]
  a trained run as a standalone scoring model: weights, one normalisation and the score calibration
  inside; with per-series normalisation it holds the statistics of series NAME (default: the first)
stacklab score --model <model.onnx> --data <file.csv> --out <scores.csv> [--calibrate-rows [N]] [--labels F]
  per-timestep anomaly scores and alarms (the run's threshold); --calibrate-rows N standardises the
  data by its own first N rows (normal operation) instead of the statistics inside the model: for a
  run at another operating point. Given alone, N is as many rows as the model's statistics came
  from (its series' training part); fewer rows than that show too little of normal operation's
  spread, and most rows then alarm`;

/**
 * Where a command may write its result: a file name with the command's ending (so a slip of the
 * keyboard cannot put ONNX bytes over a run's config.json or scores over the data), not a folder,
 * and not one of the files the command reads.
 */
async function checkOutput(
  command: string,
  out: string,
  ending: '.onnx' | '.csv',
  what: string,
  inputs: readonly string[],
): Promise<void> {
  const at = await stat(out).catch(() => null);
  if (at?.isDirectory())
    throw new UsageError(
      `stacklab ${command}: --out ${out} is a folder: give the ${what}'s file name (e.g. ${path.join(out, `${command === 'export' ? 'model' : 'scores'}${ending}`)})`,
    );
  if (!out.toLowerCase().endsWith(ending))
    throw new UsageError(
      `stacklab ${command}: --out ${out} must end in ${ending}: it is the ${what} this command writes (nothing else is overwritten)`,
    );
  for (const input of inputs) {
    const read = await stat(input).catch(() => null);
    if (at && read && at.dev === read.dev && at.ino === read.ino)
      throw new UsageError(
        `stacklab ${command}: --out ${out} is the file the command reads (${input}): write the ${what} to another file`,
      );
  }
}

export async function exportCommand(argv: string[], io: { err(l: string): void }): Promise<number> {
  const { values } = parseCommandArgs('export', argv, {
    run: { type: 'string' },
    out: { type: 'string' },
    series: { type: 'string' },
  });
  if (!values.run || !values.out)
    throw new UsageError('stacklab export: --run <run-dir> and --out <model.onnx> are required');
  await checkOutput('export', values.out, '.onnx', 'model', []);
  const e = await exportRun(values.run, values.series !== undefined ? { series: values.series } : {});
  await writeAtomic(values.out, e.model.bytes);
  io.err(
    `exported ${e.config.variant} (seed ${e.config.seed}, step ${e.step}, ${count(e.layers, 'layer')}) to ${values.out} (${(e.model.bytes.length / 1e6).toFixed(1)} MB)`,
  );
  io.err(
    `  it standardises with ${e.normalization}${e.config.data.normalization.mode === 'per-series' ? '; for data of another run, score with --calibrate-rows (its own first rows, as many as these statistics came from)' : ''}`,
  );
  io.err(
    `  alarm threshold ${e.threshold === null ? 'none (the run has no evaluation: unlabelled data or not finished)' : e.threshold.toPrecision(6)}`,
  );
  return 0;
}

/** Per-channel mean and std of the first `n` rows (NaN skipped): the statistics --calibrate-rows uses. */
function leadingStats(cols: readonly Float32Array[], n: number): { mean: number[]; std: number[] } {
  const mean: number[] = [];
  const std: number[] = [];
  for (const c of cols) {
    let k = 0;
    let sum = 0;
    let sq = 0;
    for (let i = 0; i < n; i++) {
      const x = c[i]!;
      if (Number.isNaN(x)) continue;
      k++;
      sum += x;
      sq += x * x;
    }
    const m = k ? sum / k : 0;
    const v = k ? sq / k - m * m : 0;
    mean.push(m);
    std.push(v > 1e-12 * Math.max(1, m * m) ? Math.sqrt(v) : 1);
  }
  return { mean, std };
}

/** The largest model file read: a scoring model of the base preset is a few hundred MB. */
const MAX_MODEL_BYTES = 2 * 2 ** 30;

export async function scoreCommand(argv: string[], io: { err(l: string): void }): Promise<number> {
  const { values } = parseCommandArgs('score', withOptionalValue(argv, '--calibrate-rows'), {
    model: { type: 'string' },
    data: { type: 'string' },
    out: { type: 'string' },
    labels: { type: 'string' },
    'calibrate-rows': { type: 'string' },
  });
  if (!values.model || !values.data || !values.out)
    throw new UsageError('stacklab score: --model, --data and --out are required');
  await checkOutput('score', values.out, '.csv', 'scores file', [
    values.model,
    values.data,
    ...(values.labels ? [values.labels] : []),
  ]);
  // Given alone (or as auto): as many rows as the model's statistics came from (read below).
  const askedRows = values['calibrate-rows'];
  const autoRows = askedRows === '' || askedRows === 'auto';
  let calibrateRows = askedRows === undefined || autoRows ? undefined : Number(askedRows);
  if (calibrateRows !== undefined && !(Number.isInteger(calibrateRows) && calibrateRows >= 2))
    throw new UsageError(
      `stacklab score: --calibrate-rows must be auto or a whole number of at least 2, got "${askedRows}"`,
    );
  // A regular file of bounded size (a FIFO or /dev/zero named model.onnx is refused, never read).
  const bytes = await readRegular(values.model, MAX_MODEL_BYTES).catch((err: NodeJS.ErrnoException) => {
    if (err instanceof FileRefusedError)
      throw new Error(`cannot read the model: ${err.message}; give the .onnx file stacklab export wrote`);
    throw new Error(
      `cannot read the model ${values.model} (${err.code ?? err.message}): check the path, or export one with stacklab export`,
    );
  });
  // Checked before ONNX Runtime sees the bytes: no external data, metadata that sizes nothing wrong.
  const {
    channels,
    window,
    context,
    smooth,
    threshold,
    norm,
    normalization,
    calibrateRows: trained,
  } = readScoringModel(values.model, bytes);
  if (autoRows) {
    if (trained === null)
      throw new UsageError(
        `stacklab score: ${values.model} does not record how many rows its statistics came from (a pooled model, or exported by an older StackLab): give --calibrate-rows N, N rows of normal operation, about as many as a training part`,
      );
    calibrateRows = trained;
  }
  const dataInfo = await stat(values.data).catch((err: NodeJS.ErrnoException) => {
    throw new Error(`cannot read ${values.data} (${err.code ?? err.message}): check the path of --data`);
  });
  if (dataInfo.isDirectory())
    throw new UsageError(
      `stacklab score: ${values.data} is a folder; score reads one CSV file (score each file of the folder on its own)`,
    );
  const session = await ort.InferenceSession.create(bytes);
  try {
    // The file is scored as one series, whatever run column it has.
    const ds = await loadDataset(values.data, {
      roles: { channels, series: null },
      ...(values.labels ? { labels: values.labels } : {}),
    }).catch((err: Error) => {
      if (!/no column named/.test(err.message)) throw err;
      const list =
        channels.length > 8 ? `${channels.slice(0, 8).join(', ')}, … (${channels.length} in all)` : channels.join(', ');
      throw new Error(
        `${values.data} does not have the channels the model reads (${list}): score data exported like the training data (${err.message.replace(/^.*?(no column named)/, '$1')})`,
      );
    });
    const series = ds.series[0]!;
    const missing = channels.filter((c) => !ds.channels.includes(c));
    if (missing.length)
      throw new Error(
        `${values.data} lacks the model's channels ${missing.join(', ')} (it has ${ds.channels.join(', ')})`,
      );
    const cols = channels.map((c) => series.channels.find((x) => x.name === c)!.values);
    const rows = series.rows;
    if (rows < window) throw new Error(`${values.data} has ${rows} rows, fewer than one window of ${window}`);
    let value = (r: number, k: number) => cols[k]![r]!;
    let how = normalization ? `the statistics inside the model (${normalization})` : 'the statistics inside the model';
    if (calibrateRows !== undefined) {
      if (calibrateRows > rows)
        throw new UsageError(
          `stacklab score: --calibrate-rows ${calibrateRows}${autoRows ? ' (the rows the model was calibrated on)' : ''} is more than the ${rows} rows of ${values.data}${autoRows ? ': give a smaller N, the longest stretch of normal operation at its start' : ''}`,
        );
      if (calibrateRows < window)
        throw new UsageError(
          `stacklab score: --calibrate-rows ${calibrateRows} is less than one window of the model (${window} rows): calibrate on a stretch of normal operation as long as a training part (several windows)`,
        );
      const flagged = series.label ? series.label.subarray(0, calibrateRows).reduce((a, b) => a + b, 0) : 0;
      if (flagged)
        io.err(
          `warning: ${flagged} of the first ${calibrateRows} rows of ${path.basename(values.data)} are labelled anomalies: the rows to calibrate on should be normal operation (choose fewer rows)`,
        );
      const own = leadingStats(cols, calibrateRows);
      if (!norm)
        throw new Error(
          `${values.model} does not record its normalisation (exported by an older StackLab): export it again to use --calibrate-rows`,
        );
      // Standardise by the data's own first rows: map them onto the statistics the model applies inside.
      value = (r, k) => ((cols[k]![r]! - own.mean[k]!) / own.std[k]!) * norm.std[k]! + norm.mean[k]!;
      how = `the first ${calibrateRows} rows of ${path.basename(values.data)}`;
    }
    const raw = await scoreRows(session, value, rows, channels.length, window, context);
    const score = smooth > 1 ? smoothScores(raw, smooth) : raw;
    const labelled = series.label !== null;
    const lines = [
      `${series.timestamps ? 'timestamp' : 'row'},score${threshold !== null ? ',alarm' : ''}${labelled ? ',label' : ''}`,
    ];
    let alarms = 0;
    for (let r = 0; r < rows; r++) {
      const key = series.timestamps ? new Date(series.timestamps[r]!).toISOString() : String(r);
      const s = score[r]!;
      const alarm = threshold !== null && Number.isFinite(s) && s >= threshold;
      if (alarm) alarms++;
      lines.push(
        `${key},${Number.isNaN(s) ? '' : s.toPrecision(6)}${threshold !== null ? `,${Number.isNaN(s) ? '' : alarm ? 1 : 0}` : ''}${labelled ? `,${series.label![r]}` : ''}`,
      );
    }
    await writeAtomic(values.out, lines.join('\n') + '\n');
    io.err(
      `scored ${rows} rows of ${values.data} into ${values.out}, standardised with ${how} (the first ${context} rows have no score: they are the first window's context)`,
    );
    if (threshold !== null) {
      const scored = [...score].filter(Number.isFinite).length;
      io.err(`  ${alarms} of ${scored} scored rows at or above the run's alarm threshold ${threshold.toPrecision(6)}`);
      // Alarms on most rows, or on the very rows calibrated on, mean the standardisation does not fit these data.
      if (calibrateRows !== undefined) {
        const part = [...score.subarray(0, calibrateRows)].filter(Number.isFinite);
        const own = part.filter((x) => x >= threshold).length / Math.max(1, part.length);
        if (own > 0.1)
          io.err(
            `warning: ${Math.round(100 * own)}% of the first ${calibrateRows} rows alarm although they are the rows calibrated on: they are too few to show normal operation's spread (or not normal); calibrate on more rows${trained !== null && trained > calibrateRows ? ` (the model's statistics came from ${trained}: --calibrate-rows alone takes that many)` : ''}`,
          );
      } else if (alarms > 0.5 * scored) {
        io.err(
          `warning: ${Math.round((100 * alarms) / scored)}% of the rows alarm: these data may run at another operating point than the statistics inside the model; standardise them by their own normal stretch with --calibrate-rows ${trained !== null ? `(alone: their first ${trained} rows, as many as the model's statistics came from)` : 'N (about as many rows as a training part)'}`,
        );
      }
    }
  } finally {
    await session.release();
  }
  return 0;
}
