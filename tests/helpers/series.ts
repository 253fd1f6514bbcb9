/** A small deterministic multichannel series for engine tests: two waves and their product. */
export function waves(rows: number, channels = 3): Float32Array {
  const data = new Float32Array(rows * channels);
  for (let t = 0; t < rows; t++) {
    const a = Math.sin(t / 7);
    const b = Math.cos(t / 11);
    const row = [a, b, a * b, Math.sin(t / 3)];
    for (let c = 0; c < channels; c++) data[t * channels + c] = row[c % row.length]!;
  }
  return data;
}
