import { describe, expect, it } from 'vitest';
import {
  isolationForestScores,
  pcaScores,
  randomScores,
  rollingZScores,
  type Matrix,
} from '../../src/engine/eval/baselines';
import { aucRoc } from '../../src/engine/eval/metrics';
import { Rng } from '../../src/engine/random';

/** Two correlated channels (b ≈ a) with noise; rows 300..309 break the relation, row 350 spikes. */
function plant(): { m: Matrix; labels: Uint8Array } {
  const rng = new Rng(5, 'test');
  const rows = 400;
  const data = new Float32Array(rows * 2);
  const labels = new Uint8Array(rows);
  for (let t = 0; t < rows; t++) {
    const a = Math.sin(t / 10) + 0.05 * rng.normal();
    let b = a + 0.05 * rng.normal();
    if (t >= 300 && t < 310) {
      b = -a; // each channel in its normal range, the relation broken
      labels[t] = 1;
    }
    data[t * 2] = t === 350 ? 6 : a;
    if (t === 350) labels[t] = 1;
    data[t * 2 + 1] = b;
  }
  return { m: { data, rows, channels: 2 }, labels };
}
const train = (m: Matrix, rows: number): Matrix => ({
  data: m.data.subarray(0, rows * m.channels),
  rows,
  channels: m.channels,
});

describe('baseline scorers', () => {
  const { m, labels } = plant();

  it('random scores are seeded and at chance', () => {
    expect([...randomScores(5, 1)]).toEqual([...randomScores(5, 1)]);
    expect([...randomScores(5, 1)]).not.toEqual([...randomScores(5, 2)]);
    expect(Math.abs(aucRoc(randomScores(m.rows, 3), labels) - 0.5)).toBeLessThan(0.2);
  });

  it('the rolling z-score finds the spike', () => {
    const z = rollingZScores(m, 30);
    expect(z[350]).toBeGreaterThan(5);
    expect(Math.max(...z.subarray(30, 299))).toBeLessThan(5);
  });

  it('PCA reconstruction error finds the broken relation that each channel alone hides', () => {
    const s = pcaScores(train(m, 250), m, 1);
    const normal = Math.max(...s.subarray(0, 250));
    for (let t = 300; t < 310; t++) expect(s[t]).toBeGreaterThan(normal);
    expect(aucRoc(s, labels)).toBeGreaterThan(0.95);
  });

  it('Isolation Forest isolates the spike and is deterministic from its seed', () => {
    // Fitted on rows that contain the spike, it isolates it first (splits are drawn inside the
    // fitted range, so a value beyond it scores like the range's edge: a property of the method).
    const a = isolationForestScores(m, m, { seed: 4 });
    const b = isolationForestScores(m, m, { seed: 4 });
    expect([...a]).toEqual([...b]);
    expect(a[350]).toBe(Math.max(...a));
    expect(a[350]).toBeGreaterThan(0.7);
    expect([...isolationForestScores(m, m, { seed: 5 })]).not.toEqual([...a]);
  });
});
