/**
 * NAB-style label windows: the rows they label (the same as a plain check of every row against
 * every window, on unsorted timestamps and overlapping windows), in time linear-ish in rows and
 * windows, and a labels file too large or with too many windows refused before it is parsed.
 */
import { mkdtempSync, truncateSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { labelRows, readLabelWindows } from '../../src/engine/data/labels';
import { cli } from '../helpers/cli';

const dir = mkdtempSync(path.join(os.tmpdir(), 'stacklab-labels-'));
const MAX_LABEL_WINDOWS = 500_000;

/** A deterministic generator (Park–Miller) in [0, 1). */
function random(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 16807) % 2147483647) / 2147483647;
}

/** "2024-01-01 00:00:00.000": how NAB writes a bound (UTC, no zone). */
const bound = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');

/** The plain definition: every row against every window, bounds included. */
function reference(timestamps: Float64Array, windows: [string, string][]): Uint8Array {
  const label = new Uint8Array(timestamps.length);
  for (const [a, b] of windows) {
    const start = Date.parse(a.replace(' ', 'T') + 'Z');
    const end = Date.parse(b.replace(' ', 'T') + 'Z');
    for (let i = 0; i < timestamps.length; i++) if (timestamps[i]! >= start && timestamps[i]! <= end) label[i] = 1;
  }
  return label;
}

const series = (timestamps: Float64Array | null) => ({
  path: 'data.csv',
  rows: timestamps?.length ?? 0,
  timestamps,
  labels: [],
});

describe('label windows: the rows they label', () => {
  it('labels the same rows as the plain check, on unsorted, repeated and missing timestamps and overlapping windows', () => {
    const T0 = Date.UTC(2024, 0, 1);
    for (let seed = 1; seed <= 40; seed++) {
      const r = random(seed);
      const rows = 1 + Math.floor(r() * 400);
      // Minutes in a shuffled order, some repeated, some rows without a time (NaN).
      const timestamps = Float64Array.from({ length: rows }, () =>
        r() < 0.05 ? NaN : T0 + Math.floor(r() * rows) * 60_000,
      );
      if (seed % 4 === 0) timestamps.sort();
      const windows: [string, string][] = Array.from({ length: Math.floor(r() * 30) }, () => {
        // Bounds on a row's time (inclusion), between rows, before and after all rows; some reversed (empty).
        const at = (): number => T0 + (Math.floor(r() * (rows + 20)) - 10) * 60_000 + (r() < 0.3 ? 30_000 : 0);
        const a = at();
        const b = r() < 0.1 ? a - 60_000 : r() < 0.2 ? a : a + Math.floor(r() * rows * 0.3) * 60_000;
        return [bound(a), bound(b)];
      });
      const got = labelRows(series(timestamps), windows);
      expect([...got.label!], `seed ${seed}`).toEqual([...reference(timestamps, windows)]);
      expect(got.labelSource).toBe('windows');
    }
  });

  it('keeps what the bounds mean: inclusive, zones, fractions of a second, and label columns besides', () => {
    const t = Float64Array.from([
      Date.UTC(2024, 0, 1, 0, 0, 0),
      Date.UTC(2024, 0, 1, 1, 0, 0),
      Date.UTC(2024, 0, 1, 2, 0, 0, 500),
      Date.UTC(2024, 0, 1, 3),
    ]);
    expect([...labelRows(series(t), [['2024-01-01 01:00:00', '2024-01-01 01:00:00']]).label!]).toEqual([0, 1, 0, 0]);
    expect([...labelRows(series(t), [['2024-01-01T03:00:00+02:00', '2024-01-01 00:00:00Z']]).label!]).toEqual([
      0, 0, 0, 0,
    ]);
    expect([...labelRows(series(t), [['2024-01-01T01:00:00+01:00', '2024-01-01 01:00:00']]).label!]).toEqual([
      1, 1, 0, 0,
    ]);
    expect([...labelRows(series(t), [['2024-01-01 02:00:00.5000001', '2024-01-01 02:00:00.500']]).label!]).toEqual([
      0, 0, 1, 0,
    ]);
    const withColumn = {
      ...series(t),
      labels: [{ name: 'anomaly', values: Uint8Array.from([0, 0, 0, 1]), mapping: {} }],
    };
    const both = labelRows(withColumn, [['2024-01-01 00:00:00', '2024-01-01 00:00:00']]);
    expect([...both.label!]).toEqual([1, 0, 0, 1]);
    expect(both.labelSource).toBe('column+windows');
    expect(labelRows(series(t), []).label).toEqual(new Uint8Array(4));
    expect(() => labelRows(series(t), [['soon', '2024-01-01 00:00:00']])).toThrow(
      /data\.csv: a label window \["soon", "2024-01-01 00:00:00"\] does not parse as times/,
    );
    expect(() => labelRows(series(null), [])).toThrow(/has label windows but no timestamp column/);
  });

  it('expands 200,000 windows on a 100,000-row series in well under a second', async () => {
    const T0 = Date.UTC(2024, 0, 1);
    const rows = 100_000;
    const r = random(7);
    // Minutes in a shuffled order.
    const minutes = Uint32Array.from({ length: rows }, (_, i) => i);
    for (let i = rows - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1));
      [minutes[i], minutes[j]] = [minutes[j]!, minutes[i]!];
    }
    const timestamps = Float64Array.from(minutes, (m) => T0 + m * 60_000);
    // Each window holds one row's minute (and the half minute after it): the rows it labels are known.
    const expected = new Uint8Array(rows);
    const windows: [string, string][] = [];
    for (let k = 0; k < 200_000; k++) {
      const i = Math.floor(r() * rows);
      expected[i] = 1;
      windows.push([bound(timestamps[i]!), bound(timestamps[i]! + 30_000)]);
    }
    const file = path.join(dir, 'many.json');
    writeFileSync(file, JSON.stringify({ 'data.csv': windows }));
    const read = await readLabelWindows(file);
    const t = performance.now();
    const { label } = labelRows(series(timestamps), read['data.csv']);
    const ms = performance.now() - t;
    expect(label).toEqual(expected);
    console.log(`200,000 windows on 100,000 rows: ${ms.toFixed(0)} ms`);
    // The plain check takes 20 s and more here; the bound leaves room for a busy machine.
    expect(ms).toBeLessThan(5_000);
  });
});

describe('labels file: limits', () => {
  const csv = path.join(dir, 'data.csv');
  writeFileSync(
    csv,
    'timestamp,value\n' +
      Array.from({ length: 50 }, (_, i) => `2024-01-01 00:${String(i).padStart(2, '0')}:00,${i % 7}`).join('\n') +
      '\n',
  );

  it('refuses a file over the size limit before reading it, naming the file, the limit and what to do', async () => {
    const big = path.join(dir, 'big.json');
    writeFileSync(big, '');
    truncateSync(big, 17 * 2 ** 20);
    await expect(readLabelWindows(big)).rejects.toThrow(
      /big\.json: is 17 MiB, more than the 16 MiB a labels file may be\. A labels file lists a few \[start, end\] windows per CSV file/,
    );
    const r = await cli(['import', csv, '--labels', big]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/big\.json: is 17 MiB, more than the 16 MiB a labels file may be/);
    // A 256 MiB file (sparse: nothing is written) is refused as fast, never read.
    truncateSync(big, 2 ** 28);
    const t = performance.now();
    await expect(readLabelWindows(big)).rejects.toThrow(/big\.json: is 256 MiB, more than the 16 MiB/);
    expect(performance.now() - t).toBeLessThan(1_000);
  });

  it(`refuses more than ${MAX_LABEL_WINDOWS.toLocaleString('en')} windows`, async () => {
    const many = path.join(dir, 'many-short.json');
    const w = '["2024-01-01","2024-01-02"]';
    writeFileSync(
      many,
      `{"a.csv":[${Array.from({ length: MAX_LABEL_WINDOWS / 2 }, () => w).join(',')}],"data.csv":[${Array.from({ length: MAX_LABEL_WINDOWS / 2 + 1 }, () => w).join(',')}]}`,
    );
    await expect(readLabelWindows(many)).rejects.toThrow(
      new RegExp(
        `many-short\\.json: holds ${(MAX_LABEL_WINDOWS + 1).toLocaleString('en')} windows, more than the ${MAX_LABEL_WINDOWS.toLocaleString('en')} a labels file may hold\\. Merge overlapping windows`,
      ),
    );
  });

  it('still reads a labels file within the limits', async () => {
    const ok = path.join(dir, 'ok.json');
    writeFileSync(ok, JSON.stringify({ 'data.csv': [['2024-01-01 00:10:00', '2024-01-01 00:12:00']] }));
    const r = await cli(['import', csv, '--labels', ok, '--json']);
    expect(r.code, r.err).toBe(0);
    expect(r.out.join('\n')).toMatch(/"labelSource":\s*"windows"/);
  });
});
