/**
 * Per-timestep outputs of one series with a scoring model (inference/scoring.ts). Windows overlap by
 * `context` rows (a whole number of patches, at least one): a window's first `context` rows are
 * context only, so every later row of the series gets exactly one value, predicted from at least
 * `context` rows before it. The series' first `context` rows stay NaN.
 */
import * as ort from 'onnxruntime-node';
import type { WindowModel } from './sessions';

/** Start rows of the windows that cover a series of `rows` rows, each row after the first `context` once. */
function windowStarts(rows: number, window: number, context: number): number[] {
  const stride = window - context;
  const starts: number[] = [];
  for (let s = 0; s + window <= rows; s += stride) starts.push(s);
  if (starts.length && starts.at(-1)! + window < rows) starts.push(rows - window);
  return starts;
}

/** Runs the model over a series in batches of windows; `take` receives each batch's outputs. */
async function forEachBatch(
  session: WindowModel,
  rowsOf: (row: number, channel: number) => number,
  rows: number,
  channels: number,
  window: number,
  context: number,
  take: (out: ort.InferenceSession.OnnxValueMapType, batch: readonly number[]) => void,
): Promise<void> {
  const starts = windowStarts(rows, window, context);
  for (let i = 0; i < starts.length; i += 32) {
    const batch = starts.slice(i, i + 32);
    const x = new Float32Array(batch.length * window * channels);
    batch.forEach((s, b) => {
      for (let t = 0; t < window; t++)
        for (let k = 0; k < channels; k++) x[(b * window + t) * channels + k] = rowsOf(s + t, k);
    });
    take(await session.run({ windows: new ort.Tensor('float32', x, [batch.length, window, channels]) }), batch);
  }
}

/** The model's `score` output per row (NaN on rows nothing predicts). */
export async function scoreRows(
  session: WindowModel,
  rowsOf: (row: number, channel: number) => number,
  rows: number,
  channels: number,
  window: number,
  context: number,
): Promise<Float64Array> {
  const score = new Float64Array(rows).fill(NaN);
  await forEachBatch(session, rowsOf, rows, channels, window, context, (out, batch) => {
    const sc = out.score!.data as Float32Array;
    batch.forEach((s, b) => {
      for (let t = context; t < window; t++) score[s + t] = sc[b * window + t]!;
    });
  });
  return score;
}

/** The model's `residual` output, row-major [rows, channels] (NaN on rows nothing predicts). */
export async function residualRows(
  session: WindowModel,
  rowsOf: (row: number, channel: number) => number,
  rows: number,
  channels: number,
  window: number,
  context: number,
): Promise<Float32Array> {
  const residual = new Float32Array(rows * channels).fill(NaN);
  await forEachBatch(session, rowsOf, rows, channels, window, context, (out, batch) => {
    const r = out.residual!.data as Float32Array;
    batch.forEach((s, b) =>
      residual.set(
        r.subarray((b * window + context) * channels, (b + 1) * window * channels),
        (s + context) * channels,
      ),
    );
  });
  return residual;
}
