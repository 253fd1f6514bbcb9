/**
 * Per-timestep scores of one series with a scoring model (train/scoring.ts): windows that overlap
 * by one patch, so every row after the first patch gets exactly one score; the first patch's
 * rows stay NaN (nothing predicts them).
 */
import * as ort from 'onnxruntime-node';

export async function scoreRows(session: ort.InferenceSession, rowsOf: (row: number, channel: number) => number, rows: number, channels: number, window: number, patch: number): Promise<Float64Array> {
  const score = new Float64Array(rows).fill(NaN);
  if (rows < window) return score;
  const stride = window - patch;
  const starts: number[] = [];
  for (let s = 0; s + window <= rows; s += stride) starts.push(s);
  if (starts.at(-1)! + window < rows) starts.push(rows - window);
  for (let i = 0; i < starts.length; i += 32) {
    const batch = starts.slice(i, i + 32);
    const x = new Float32Array(batch.length * window * channels);
    batch.forEach((s, b) => {
      for (let t = 0; t < window; t++) for (let k = 0; k < channels; k++) x[(b * window + t) * channels + k] = rowsOf(s + t, k);
    });
    const out = await session.run({ windows: new ort.Tensor('float32', x, [batch.length, window, channels]) });
    const sc = out.score!.data as Float32Array;
    batch.forEach((s, b) => {
      for (let t = patch; t < window; t++) score[s + t] = sc[b * window + t]!;
    });
  }
  return score;
}
