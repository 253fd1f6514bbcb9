import { describe, expect, it } from 'vitest';
import {
  anomalyShading,
  fileBoundaries,
  scaleToRange,
  xAxisOf,
} from '../../src/renderer/src/components/import/channel-chart';

describe('channel plot pieces', () => {
  it('shades every anomaly at least 2 px wide, inside the chart area', () => {
    const rects: number[][] = [];
    const ctx = { save() {}, restore() {}, fillRect: (...r: number[]) => rects.push(r), fillStyle: '', globalAlpha: 1 };
    const chart = {
      ctx,
      chartArea: { left: 50, right: 550, top: 10, bottom: 210 },
      scales: { x: { getPixelForValue: (v: number) => 50 + v / 10 } },
    };
    const draw = anomalyShading.beforeDatasetsDraw as (c: unknown, a: unknown, o: unknown) => void;
    draw(
      chart,
      {},
      {
        ranges: [
          [100, 300],
          [2_000, 2_000],
          [-500, 50],
          [9_000, 9_500],
        ],
        color: '#c62828',
      },
    );
    expect(rects).toEqual([
      [60, 10, 20, 200],
      [250, 10, 2, 200],
      [50, 10, 5, 200],
    ]);
    expect(ctx.fillStyle).toBe('#c62828');
  });

  it('puts time ticks on round clock times, dates when they are days apart', () => {
    const plot = (x: number[], xUnit: 'row' | 'seconds') => ({ x, xUnit, channels: [], anomalies: [] });
    const days = xAxisOf(plot([0, 14 * 86_400 - 60], 'seconds'), '2026-01-05T06:00:00Z', []);
    expect(days.ticks?.map(days.tick)).toEqual([
      '2026-01-07',
      '2026-01-09',
      '2026-01-11',
      '2026-01-13',
      '2026-01-15',
      '2026-01-17',
      '2026-01-19',
    ]);
    expect(days.format(60)).toBe('2026-01-05 06:01');
    const hours = xAxisOf(plot([0, 5 * 3_600], 'seconds'), '2026-01-05T06:20:00Z', []);
    expect(hours.ticks?.map(hours.tick)).toEqual(['07:00', '08:00', '09:00', '10:00', '11:00']);
    const since = xAxisOf(plot([0, 3 * 86_400], 'seconds'), null, []);
    expect(since.title).toBe('Time since the first row');
    expect(since.tick(86_400 + 7_200)).toBe('1 day 2 hours');
    const rows = xAxisOf(plot([0, 5_999], 'row'), null, [
      { path: 'C:\\Plant\\line1.csv', rows: 3_000 },
      { path: '/data/line2.csv', rows: 3_000 },
    ]);
    expect(rows.title).toMatch(/^Row \(the files end to end/);
    expect(rows.ticks).toBeUndefined();
    expect(rows.tick(4_500)).toBe('4,500');
    expect(rows.format(0)).toBe('line1.csv, row 1');
    expect(rows.format(4_500)).toBe('line2.csv, row 1,501');
    expect(
      fileBoundaries([
        { path: 'a', rows: 10 },
        { path: 'b', rows: 20 },
        { path: 'c', rows: 5 },
      ]),
    ).toEqual([10, 30]);
  });

  it('draws where files meet as dashed lines', () => {
    const lines: number[] = [];
    const ctx = {
      save() {},
      restore() {},
      fillRect() {},
      setLineDash() {},
      beginPath() {},
      stroke() {},
      lineTo() {},
      moveTo: (px: number) => lines.push(px),
      fillStyle: '',
      strokeStyle: '',
      globalAlpha: 1,
    };
    const chart = {
      ctx,
      chartArea: { left: 50, right: 550, top: 10, bottom: 210 },
      scales: { x: { getPixelForValue: (v: number) => 50 + v / 10 } },
    };
    const draw = anomalyShading.beforeDatasetsDraw as (c: unknown, a: unknown, o: unknown) => void;
    draw(chart, {}, { ranges: [], color: '#c62828', boundaries: [3_000], boundaryColor: '#5b6675' });
    expect(lines).toEqual([350]);
    expect(ctx.strokeStyle).toBe('#5b6675');
  });

  it('scales a channel to 0…1, a flat one to the middle, gaps kept', () => {
    expect(scaleToRange([2, 4, NaN, 6])).toEqual([0, 0.5, NaN, 1]);
    expect(scaleToRange([3, 3])).toEqual([0.5, 0.5]);
  });
});
