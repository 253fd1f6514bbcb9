/**
 * The Export step's files from a small real comparison (baseline and MIDAS, two seeds, on the
 * sample plant, whose rows are a minute apart): the CSV read back as numbers, and what the HTML
 * report says about time.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { comparisonCsv } from '../../src/engine/compare/csv';
import { renderHtml } from '../../src/engine/compare/html';
import { comparisonOf, exportFile, fileStem, fileStemOf } from '../../src/engine/services/compare';
import { METRICS, type Comparison } from '../../src/shared/compare';
import { cli } from '../helpers/cli';

/** RFC 4180: fields split at commas outside quotes, "" inside quotes a quote, CRLF between records. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted && ch === '"' && text[i + 1] === '"') {
      field += '"';
      i++;
    } else if (ch === '"') quoted = !quoted;
    else if (!quoted && ch === ',') {
      record.push(field);
      field = '';
    } else if (!quoted && ch === '\r' && text[i + 1] === '\n') {
      records.push([...record, field]);
      record = [];
      field = '';
      i++;
    } else field += ch;
  }
  expect(field === '' && record.length === 0, 'the CSV ends with a line break').toBe(true);
  return records;
}

/** The CSV as one object per line: header name → cell. */
function table(text: string): Record<string, string>[] {
  const [header, ...rows] = parseCsv(text);
  expect(rows.every((r) => r.length === header!.length)).toBe(true);
  return rows.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i]!])));
}

const NUMBER = /^-?\d+(\.\d+)?(e[-+]?\d+)?$/;

describe('the export files of a real comparison', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'stacklab-exports-'));
  let c: Comparison;

  beforeAll(async () => {
    const r = await cli([
      'train',
      '--data',
      'sample',
      '--variants',
      'baseline,midas',
      '--preset',
      'tiny',
      '--steps',
      '20',
      '--seeds',
      '2',
      '--device',
      'cpu',
      '--out',
      dir,
    ]);
    expect(r.code, r.err).toBe(0);
    c = await comparisonOf(dir);
  }, 120_000);

  it('writes the CSV with every number in a column of its own, each interval low ≤ mean ≤ high', async () => {
    const file = await exportFile('csv', dir);
    expect(readFileSync(file.savedTo, 'utf8')).toBe(file.content);
    const rows = table(file.content);
    expect(rows.map((r) => r.detector)).toEqual([
      ...c.variants.map((v) => (v.variant === 'midas' ? 'MIDAS' : 'Baseline')),
      ...c.baselines.map((b) => b.label),
    ]);
    const triples = Object.keys(rows[0]!)
      .filter((h) => h.endsWith(' mean'))
      .map((h) => h.slice(0, -' mean'.length));
    for (const m of METRICS) expect(triples).toContain(m.label);
    expect(triples).toEqual(expect.arrayContaining(['speed-up', 'wall-clock (s)', 'final validation loss']));
    let checked = 0;
    for (const row of rows) {
      for (const t of triples) {
        const [mean, lo, hi] = [row[`${t} mean`]!, row[`${t} low`]!, row[`${t} high`]!];
        for (const cell of [mean, lo, hi]) if (cell !== '') expect(cell, `${row.detector}: ${t}`).toMatch(NUMBER);
        if (lo === '' || hi === '') continue;
        expect(Number(lo), `${row.detector}: ${t} low`).toBeLessThanOrEqual(Number(mean));
        expect(Number(mean), `${row.detector}: ${t} high`).toBeLessThanOrEqual(Number(hi));
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(30);
    // The numbers are the comparison's own, not text such as "0.554 ±0.031".
    const midas = rows.find((r) => r.detector === 'MIDAS')!;
    const m = c.variants.find((v) => v.variant === 'midas')!;
    expect(Number(midas['VUS-PR mean'])).toBeCloseTo(m.metrics.vusPr!.mean, 9);
    expect(Number(midas['VUS-PR low'])).toBeCloseTo(m.metrics.vusPr!.lo, 9);
    expect(Number(midas['speed-up mean'])).toBeCloseTo(m.speedup!.mean, 9);
    expect(Number(midas['training FLOPs'])).toBe(m.flops);
    expect(Number(midas['FLOPs ratio'])).toBeCloseTo(m.flopRatio!, 9);
    expect(midas.seeds).toBe('2');
    expect(midas['depth by stage']).toBe('1 2 3 4');
    // Plain ASCII: a spreadsheet that guesses the encoding reads it right.
    expect(file.content).toMatch(/^[\x20-\x7e\r\n]*$/);
  });

  it('gives the detection delay in time when the data have timestamps, in rows only otherwise', () => {
    expect(c.data.samplingSeconds).toBe(60);
    const [timed] = table(comparisonCsv(c));
    const rows = Number(timed!['detection delay (rows) mean']);
    const unit = Object.keys(timed!).find((h) => /^detection delay \((s|min|h|d)\) mean$/.test(h))!;
    expect(unit).toBeDefined();
    const per = { s: 60, min: 1, h: 1 / 60, d: 1 / 1440 }[/\((\w+)\)/.exec(unit)![1] as 's' | 'min' | 'h' | 'd'];
    expect(Number(timed![unit])).toBeCloseTo(rows * per, 6);
    const [plain] = table(comparisonCsv({ ...c, data: { ...c.data, samplingSeconds: null } }));
    expect(Object.keys(plain!).filter((h) => h.startsWith('detection delay'))).toEqual([
      'detection delay (rows) mean',
      'detection delay (rows) low',
      'detection delay (rows) high',
    ]);
  });

  it("names the delay in the report's glossary as its table row does", () => {
    const html = renderHtml(c);
    const unit = /<dt>detection delay \((s|min|h|d)\)<\/dt>/.exec(html)?.[1];
    expect(unit, 'the glossary names the delay with a time unit').toBeDefined();
    expect(html).toContain(`detection delay (${unit}) ↓`);
    expect(html).not.toContain('<dt>detection delay (rows)</dt>');
    // Its sentence says the same unit, not rows.
    const names = { s: 'seconds', min: 'minutes', h: 'hours', d: 'days' } as const;
    const sentence = new RegExp(`<dt>detection delay \\(${unit}\\)</dt><dd>([^<]*)</dd>`).exec(html)?.[1];
    expect(sentence).toContain(`in ${names[unit as keyof typeof names]}`);
    expect(sentence).not.toMatch(/^Rows/);
    const plain = renderHtml({ ...c, data: { ...c.data, samplingSeconds: null } });
    expect(plain).toMatch(/<dt>detection delay \(rows\)<\/dt><dd>Rows from the start/);
  });

  it("leaves an interval's ends empty for one seed", () => {
    const one = {
      ...c,
      variants: c.variants.map((v) => ({ ...v, runs: 1, finalValLoss: { ...v.finalValLoss, n: 1 } })),
    };
    const [row] = table(comparisonCsv(one));
    expect(row!['final validation loss mean']).toMatch(NUMBER);
    expect([row!['final validation loss low'], row!['final validation loss high']]).toEqual(['', '']);
  });
});

describe('export file names', () => {
  it("come from the job's name, else the folder's, as safe file names", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'stacklab-stem-'));
    expect(await fileStem(dir)).toBe(path.basename(dir));
    const job = path.join(dir, 'job');
    mkdirSync(job);
    writeFileSync(path.join(job, 'job.json'), JSON.stringify({ name: 'x' }));
    // An unreadable job.json (here: not a job file) falls back to the folder's name.
    expect(await fileStem(job)).toBe('job');
    expect(await fileStem(path.join(dir, '..', path.basename(dir), 'job'))).toBe('job');
    expect(fileStemOf('line 3 · midas, gradstack · tiny · 2026-12-07 14:02')).toBe(
      'line-3-midas-gradstack-tiny-2026-12-07-14-02',
    );
    expect(fileStemOf('Prüfstand/März ../../etc')).toBe('Prufstand-Marz-..-..-etc');
    expect(fileStemOf(' ·· ')).toBe('stacklab');
    expect(fileStemOf('x'.repeat(200))).toHaveLength(80);
  });
});
