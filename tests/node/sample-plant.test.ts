import { describe, expect, it } from 'vitest';
import {
  generateMultiRunPlant,
  generateSamplePlant,
  samplePlantCsv,
  SAMPLE_PLANT_CHANNELS,
  type FaultKind,
  type PlantRun,
  type SamplePlant,
} from '../../src/engine/data/sample-plant';

const plant = generateSamplePlant({ seed: 1 });
const others = [2, 3, 7].map((seed) => generateSamplePlant({ seed }));
const KINDS: FaultKind[] = ['spike', 'level_shift', 'stuck_sensor', 'slow_drift', 'contextual'];

const channel = (p: SamplePlant, name: string): Float32Array => {
  const c = p.channels.find((x) => x.name === name);
  if (!c) throw new Error(`no channel ${name}`);
  return c.values;
};
const normalRows = (p: SamplePlant): number[] => [...p.label.keys()].filter((i) => p.label[i] === 0);
const range = (a: ArrayLike<number>, rows: readonly number[]): [number, number] => {
  let lo = Infinity;
  let hi = -Infinity;
  for (const i of rows) {
    lo = Math.min(lo, a[i]!);
    hi = Math.max(hi, a[i]!);
  }
  return [lo, hi];
};
const mean = (a: readonly number[]): number => a.reduce((s, x) => s + x, 0) / a.length;
function correlation(x: readonly number[], y: readonly number[]): number {
  const mx = mean(x);
  const my = mean(y);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < x.length; i++) {
    sxy += (x[i]! - mx) * (y[i]! - my);
    sxx += (x[i]! - mx) ** 2;
    syy += (y[i]! - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}

/** Least-squares fit y ≈ a + b·x³ on the given rows; returns the residual function. */
function cubicResidual(x: ArrayLike<number>, y: ArrayLike<number>, rows: readonly number[]): (i: number) => number {
  const u = rows.map((i) => (x[i]! / 1000) ** 3);
  const w = rows.map((i) => y[i]!);
  const mu = mean(u);
  const mw = mean(w);
  const b = u.reduce((s, ui, k) => s + (ui - mu) * (w[k]! - mw), 0) / u.reduce((s, ui) => s + (ui - mu) ** 2, 0);
  const a = mw - b * mu;
  return (i) => y[i]! - (a + b * (x[i]! / 1000) ** 3);
}

describe('sample plant: determinism and shape', () => {
  it('same seed gives identical arrays and CSV; a different seed differs', () => {
    const again = generateSamplePlant({ seed: 1 });
    expect(again.timestamps).toEqual(plant.timestamps);
    expect(again.label).toEqual(plant.label);
    expect(again.faults).toEqual(plant.faults);
    for (let c = 0; c < plant.channels.length; c++)
      expect(again.channels[c]!.values).toEqual(plant.channels[c]!.values);
    expect(samplePlantCsv(again)).toBe(samplePlantCsv(plant));
    const other = others[0]!;
    expect(channel(other, 'feed_flow')).not.toEqual(channel(plant, 'feed_flow'));
    expect(other.faults).not.toEqual(plant.faults);
    expect(samplePlantCsv(other)).not.toBe(samplePlantCsv(plant));
  });

  it('defaults: 20,160 rows every 60 s from 2026-01-05, channels in order, nothing NaN', () => {
    expect(plant.timestamps.length).toBe(20_160);
    expect(plant.timestamps[0]).toBe(Date.parse('2026-01-05T00:00:00Z'));
    for (let i = 1; i < plant.timestamps.length; i++)
      expect(plant.timestamps[i]! - plant.timestamps[i - 1]!).toBe(60_000);
    expect(plant.channels.map((c) => c.name)).toEqual(SAMPLE_PLANT_CHANNELS);
    expect(SAMPLE_PLANT_CHANNELS).toEqual([
      'feed_flow',
      'pump_speed',
      'valve_position',
      'outlet_flow',
      'tank_level',
      'pump_power',
      'motor_temp',
      'pressure',
    ]);
    expect(plant.label.length).toBe(20_160);
    expect(plant.faultKind.length).toBe(20_160);
    for (const c of plant.channels) {
      expect(c.values.length).toBe(20_160);
      expect(c.unit).not.toBe('');
      expect(c.values.every(Number.isFinite)).toBe(true);
    }
  });

  it('honours rows, intervalSeconds and start', () => {
    const p = generateSamplePlant({ rows: 3000, intervalSeconds: 300, start: '2025-06-01T12:00:00Z' });
    expect(p.timestamps.length).toBe(3000);
    expect(p.timestamps[1]! - p.timestamps[0]!).toBe(300_000);
    expect(p.timestamps[0]).toBe(Date.parse('2025-06-01T12:00:00Z'));
    expect(p.channels.every((c) => c.values.every(Number.isFinite))).toBe(true);
    expect(new Set(p.faults.map((f) => f.kind))).toEqual(new Set(KINDS));
  });

  it('fits the schedule into short series and refuses too few rows', () => {
    for (const rows of [40, 200, 1000]) {
      const p = generateSamplePlant({ rows });
      expect(new Set(p.faults.map((f) => f.kind))).toEqual(new Set(KINDS));
      expect(Math.min(...p.faults.map((f) => f.startRow))).toBeGreaterThanOrEqual(rows / 2);
      expect(p.label.reduce((s, x) => s + x, 0)).toBe(p.faults.reduce((s, f) => s + f.endRow - f.startRow, 0));
    }
    expect(() => generateSamplePlant({ rows: 10 })).toThrow(RangeError);
    expect(() => generateSamplePlant({ intervalSeconds: 0 })).toThrow(RangeError);
    expect(() => generateSamplePlant({ start: 'yesterday' })).toThrow(RangeError);
  });

  it('generates the default size well under a second', () => {
    const t = performance.now();
    generateSamplePlant({ seed: 9 });
    expect(performance.now() - t).toBeLessThan(500);
  });
});

describe('sample plant: faults', () => {
  for (const p of [plant, ...others]) {
    it(`every kind, second half only, non-overlapping, labels exact (seed run ${p === plant ? 1 : others.indexOf(p) + 2})`, () => {
      const rows = p.label.length;
      const half = Math.floor(rows / 2);
      expect(new Set(p.faults.map((f) => f.kind))).toEqual(new Set(KINDS));
      const sorted = [...p.faults].sort((a, b) => a.startRow - b.startRow);
      for (const [k, f] of sorted.entries()) {
        expect(f.startRow).toBeGreaterThanOrEqual(half);
        expect(f.endRow).toBeGreaterThan(f.startRow);
        expect(f.endRow).toBeLessThanOrEqual(rows);
        if (k > 0) expect(f.startRow).toBeGreaterThanOrEqual(sorted[k - 1]!.endRow);
        for (const ch of f.channels) expect(SAMPLE_PLANT_CHANNELS).toContain(ch);
      }
      const expectedKind: string[] = new Array<string>(rows).fill('');
      for (const f of p.faults) for (let i = f.startRow; i < f.endRow; i++) expectedKind[i] = f.kind;
      expect(p.faultKind).toEqual(expectedKind);
      expect([...p.label]).toEqual(expectedKind.map((k) => (k === '' ? 0 : 1)));
      expect(p.label.subarray(0, half).every((x) => x === 0)).toBe(true);
    });
  }

  it('a spike leaves the fault-free range of its channel', () => {
    const normal = normalRows(plant);
    for (const f of plant.faults.filter((x) => x.kind === 'spike')) {
      const a = channel(plant, f.channels[0]!);
      const [lo, hi] = range(a, normal);
      for (let i = f.startRow; i < f.endRow; i++) expect(a[i]! < lo || a[i]! > hi).toBe(true);
    }
  });

  it('a stuck sensor repeats the last value before the fault', () => {
    for (const p of [plant, ...others]) {
      const f = p.faults.find((x) => x.kind === 'stuck_sensor')!;
      const a = channel(p, f.channels[0]!);
      expect(f.endRow - f.startRow).toBeGreaterThan(60);
      for (let i = f.startRow; i < f.endRow; i++) expect(a[i]).toBe(a[f.startRow - 1]);
      expect(a[f.startRow - 2]).not.toBe(a[f.startRow - 1]); // it was moving before
    }
  });

  it('contextual: each channel within its fault-free range, the power–speed relation far outside', () => {
    for (const p of [plant, ...others]) {
      const f = p.faults.find((x) => x.kind === 'contextual')!;
      expect([...f.channels].sort()).toEqual(['pump_power', 'pump_speed']);
      const normal = normalRows(p);
      const speed = channel(p, 'pump_speed');
      const power = channel(p, 'pump_power');
      const rows = Array.from({ length: f.endRow - f.startRow }, (_, k) => f.startRow + k);
      for (const ch of f.channels) {
        const a = channel(p, ch);
        const [lo, hi] = range(a, normal);
        for (const i of rows) {
          expect(a[i]).toBeGreaterThanOrEqual(lo);
          expect(a[i]).toBeLessThanOrEqual(hi);
        }
      }
      const residual = cubicResidual(speed, power, normal);
      const [rlo, rhi] = range(
        normal.map(residual),
        normal.map((_, k) => k),
      );
      const outside = rows.filter((i) => residual(i) < rlo || residual(i) > rhi).length;
      expect(outside / rows.length).toBeGreaterThan(0.99);
      const rstd = Math.sqrt(mean(normal.map((i) => residual(i) ** 2)));
      expect(mean(rows.map((i) => Math.abs(residual(i))))).toBeGreaterThan(10 * rstd);
    }
  });

  it('a slow drift ramps to several noise standard deviations', () => {
    const f = plant.faults.find((x) => x.kind === 'slow_drift')!;
    const a = channel(plant, f.channels[0]!);
    expect(f.endRow - f.startRow).toBeGreaterThanOrEqual(8 * 60);
    // Sample-to-sample differences measure the noise; the step back at the end shows the ramp's height.
    const diffs = Array.from({ length: 2000 }, (_, k) => a[k + 1]! - a[k]!);
    const noiseStd = Math.sqrt(mean(diffs.map((d) => d * d)) / 2);
    const before = mean(Array.from({ length: 10 }, (_, k) => a[f.endRow - 10 + k]!));
    const after = mean(Array.from({ length: 10 }, (_, k) => a[f.endRow + k]!));
    expect(Math.abs(before - after)).toBeGreaterThan(5 * noiseStd);
  });
});

describe('sample plant: physics on normal rows', () => {
  const normal = normalRows(plant);
  const speed = channel(plant, 'pump_speed');
  const power = channel(plant, 'pump_power');
  const level = channel(plant, 'tank_level');

  it('pump power follows pump speed', () => {
    expect(
      correlation(
        normal.map((i) => speed[i]!),
        normal.map((i) => power[i]!),
      ),
    ).toBeGreaterThan(0.9);
  });

  it('the controller keeps the tank level near its 2 m setpoint', () => {
    const lv = normal.map((i) => level[i]!);
    expect(Math.abs(mean(lv) - 2)).toBeLessThan(0.02);
    const [lo, hi] = range(level, normal);
    expect(lo).toBeGreaterThan(1.8);
    expect(hi).toBeLessThan(2.2);
  });

  it('outlet flow rises with valve opening; motor temperature lags power', () => {
    const valve = channel(plant, 'valve_position');
    const outlet = channel(plant, 'outlet_flow');
    const temp = channel(plant, 'motor_temp');
    expect(
      correlation(
        normal.map((i) => valve[i]!),
        normal.map((i) => outlet[i]!),
      ),
    ).toBeGreaterThan(0.9);
    const lagged = normal.filter((i) => i >= 20 && plant.label[i - 20] === 0);
    expect(
      correlation(
        lagged.map((i) => power[i - 20]!),
        lagged.map((i) => temp[i]!),
      ),
    ).toBeGreaterThan(0.8);
  });

  it('feed flow shows a daily cycle', () => {
    const feed = channel(plant, 'feed_flow');
    const rows = Array.from({ length: 10_080 - 1440 }, (_, i) => i);
    const ac = (lag: number): number =>
      correlation(
        rows.map((i) => feed[i]!),
        rows.map((i) => feed[i + lag]!),
      );
    expect(ac(1440)).toBeGreaterThan(0.6);
    expect(ac(720)).toBeLessThan(-0.3);
  });
});

describe('sample plant: CSV', () => {
  const csv = samplePlantCsv(plant);
  const lines = csv.split('\n');

  it('has the header, ISO timestamps, LF endings and up to 4 decimals', () => {
    expect(csv).not.toContain('\r');
    expect(csv.endsWith('\n')).toBe(true);
    expect(lines.length).toBe(20_160 + 2);
    expect(lines[0]).toBe(
      'timestamp,feed_flow,pump_speed,valve_position,outlet_flow,tank_level,pump_power,motor_temp,pressure,label,fault_kind',
    );
    const first = lines[1]!.split(',');
    expect(first[0]).toBe('2026-01-05T00:00:00Z');
    expect(lines[2]!.startsWith('2026-01-05T00:01:00Z,')).toBe(true);
    expect(first.length).toBe(11);
    for (const x of first.slice(1, 9)) expect(x).toMatch(/^-?\d+(\.\d{1,4})?$/);
    expect(Number(first[1])).toBeCloseTo(plant.channels[0]!.values[0]!, 4);
    expect(first.slice(9)).toEqual(['0', '']);
  });

  it('writes label and fault name on fault rows', () => {
    const f = plant.faults[0]!;
    const cells = lines[f.startRow + 1]!.split(',');
    expect(cells.slice(9)).toEqual(['1', f.kind]);
  });
});

describe('multi-run sample plant', () => {
  const runs = generateMultiRunPlant();
  const KINDS = ['level_shift', 'stuck_sensor', 'slow_drift', 'contextual', 'leak', 'oscillation', 'cavitation'];

  it('is deterministic: 12 runs of 5,000 rows, one after another, named run-01…', () => {
    expect(runs.map((r) => r.name)).toEqual(
      Array.from({ length: 12 }, (_, i) => `run-${String(i + 1).padStart(2, '0')}`),
    );
    expect(generateMultiRunPlant().map(samplePlantCsv)).toEqual(runs.map(samplePlantCsv));
    expect(samplePlantCsv(generateMultiRunPlant({ seed: 2 })[0]!)).not.toBe(samplePlantCsv(runs[0]!));
    for (const [i, r] of runs.entries()) {
      expect(r.timestamps.length).toBe(5000);
      expect(r.channels.map((c) => c.name)).toEqual(SAMPLE_PLANT_CHANNELS);
      if (i > 0) expect(r.timestamps[0]).toBe(runs[i - 1]!.timestamps.at(-1)! + 60_000);
      expect(r.channels.every((c) => c.values.every(Number.isFinite))).toBe(true);
    }
    expect(generateMultiRunPlant({ runs: 3, rowsPerRun: 400 }).map((r) => r.timestamps.length)).toEqual([
      400, 400, 400,
    ]);
    expect(() => generateMultiRunPlant({ runs: 0 })).toThrow(RangeError);
    expect(() => generateMultiRunPlant({ rowsPerRun: 100 })).toThrow(RangeError);
  });

  it('each run: a fault-free stretch of 55–70%, then exactly one labelled fault, then normal rows; every kind appears', () => {
    for (const r of runs) {
      expect(r.faults).toHaveLength(1);
      const f = r.faults[0]!;
      expect(f.startRow / 5000).toBeGreaterThanOrEqual(0.55);
      expect(f.startRow / 5000).toBeLessThanOrEqual(0.7);
      expect((f.endRow - f.startRow) / 5000).toBeGreaterThanOrEqual(0.05);
      expect((f.endRow - f.startRow) / 5000).toBeLessThanOrEqual(0.2 + 1e-9);
      expect(f.endRow).toBeLessThan(5000);
      expect([...r.label]).toEqual(Array.from({ length: 5000 }, (_, i) => (i >= f.startRow && i < f.endRow ? 1 : 0)));
      expect(r.faultKind.filter(Boolean).every((k) => k === f.kind)).toBe(true);
    }
    expect(new Set(runs.map((r) => r.faults[0]!.kind))).toEqual(new Set(KINDS));
  });

  it('runs differ in operating point: the tank level setpoint and the sensor offsets move the normal levels', () => {
    const normalMean = (r: PlantRun, name: string) =>
      mean(
        normalRows(r)
          .slice(0, 2000)
          .map((i) => channel(r, name)[i]!),
      );
    const levels = runs.map((r) => normalMean(r, 'tank_level'));
    expect(Math.max(...levels) - Math.min(...levels)).toBeGreaterThan(0.5);
    // Within a run the controller holds its own setpoint tightly.
    for (const r of runs) {
      const lv = normalRows(r)
        .slice(0, 2000)
        .map((i) => channel(r, 'tank_level')[i]!);
      expect(Math.max(...lv) - Math.min(...lv)).toBeLessThan(0.2);
    }
    const temps = runs.map((r) => normalMean(r, 'motor_temp'));
    expect(Math.max(...temps) - Math.min(...temps)).toBeGreaterThan(4);
  });

  it('process faults act through the physics: a leak makes the pump work harder, the drive hunts, cavitation scatters', () => {
    const window = (r: PlantRun, name: string, from: number, to: number) =>
      Array.from({ length: to - from }, (_, k) => channel(r, name)[from + k]!);
    const sd = (xs: number[]) => Math.sqrt(mean(xs.map((x) => (x - mean(xs)) ** 2)));
    const diffs = (xs: number[], lag: number) => xs.slice(lag).map((x, i) => x - xs[i]!);
    for (const r of runs) {
      const f = r.faults[0]!;
      const n = Math.min(300, f.endRow - f.startRow);
      const before = (name: string) => window(r, name, f.startRow - n, f.startRow);
      const during = (name: string) => window(r, name, f.endRow - n, f.endRow);
      if (f.kind === 'leak') {
        // The controller makes up the lost outflow with pump speed: more speed than the flows need.
        // Normal operation: speed ≈ a + b·(outlet − feed) (the tank's balance), fitted before the
        // fault on hour means (the batch recipe's steps move the flows faster than the level loop follows).
        const hour = (name: string, i: number) => mean(Array.from({ length: 60 }, (_, k) => channel(r, name)[i - k]!));
        const net = (i: number) => hour('outlet_flow', i) - hour('feed_flow', i);
        const rows = normalRows(r)
          .slice(0, f.startRow)
          .filter((i) => i >= 60);
        const x = rows.map(net);
        const y = rows.map((i) => hour('pump_speed', i));
        const b =
          x.reduce((a, xi, k) => a + (xi - mean(x)) * (y[k]! - mean(y)), 0) /
          x.reduce((a, xi) => a + (xi - mean(x)) ** 2, 0);
        const excess = (from: number, to: number) =>
          mean(
            Array.from(
              { length: to - from },
              (_, k) => hour('pump_speed', from + k) - (mean(y) + b * (net(from + k) - mean(x))),
            ),
          );
        expect(excess(f.endRow - n, f.endRow) - excess(f.startRow - n, f.startRow)).toBeGreaterThan(20);
      } else if (f.kind === 'oscillation') {
        // A 30 min cycle: speed changes a lot over 8 minutes, which it never does in normal operation.
        expect(sd(diffs(during('pump_speed'), 8))).toBeGreaterThan(2 * sd(diffs(before('pump_speed'), 8)));
      } else if (f.kind === 'cavitation') {
        expect(sd(diffs(during('pressure'), 1))).toBeGreaterThan(2 * sd(diffs(before('pressure'), 1)));
      }
    }
  });
});
