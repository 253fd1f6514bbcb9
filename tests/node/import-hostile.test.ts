/**
 * Files an unlucky user (or an attacker) hands the importer: repeated names, infinities, a few
 * text cells, nothing left to train on, huge headers and lines, unclosed quotes, odd epoch
 * cells, a file that changes while it is read, links, Latin-1 and UTF-32. Each either imports
 * with its own data and a note, or fails at import naming the file and what to do.
 */
import { existsSync, rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { MAX_RESAMPLED_ROWS } from '../../src/engine/data/clean';
import { loadDataset } from '../../src/engine/data/dataset';
import { ImportError } from '../../src/engine/data/errors';
import { uniqueNames } from '../../src/engine/data/import';
import { csvFolder, rows, ts } from '../helpers/csv-files';

// A file that "grows while it is read": the opened file's stat reports fewer bytes than the stream will deliver.
vi.mock('node:fs/promises', async (original) => {
  const real = await original<typeof import('node:fs/promises')>();
  const open = (async (p: Parameters<typeof real.open>[0], ...rest: unknown[]) => {
    const h = await real.open(p, ...(rest as []));
    if (String(p).endsWith('changing.csv')) {
      const own = h.stat.bind(h);
      h.stat = (async (o?: unknown) => {
        const s = await own(o as never);
        Object.defineProperty(s, 'size', { value: Number(s.size) - 100 });
        return s;
      }) as typeof h.stat;
    }
    return h;
  }) as typeof real.open;
  return { ...real, open, default: { ...real, open } };
});

const { dir, file } = csvFolder('stacklab-hostile-');
const wave = (i: number, k = 0) => (Math.sin(i / 7 + k) * 10 + 50).toFixed(3);

async function importError(target: string, options?: Parameters<typeof loadDataset>[1]): Promise<string> {
  const err = await loadDataset(target, options).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ImportError);
  const message = (err as Error).message;
  expect(message).toContain(path.basename(target));
  expect(message.length).toBeLessThan(500);
  return message;
}

describe('names and cells that used to replace or poison data', () => {
  it('repeated column names get free suffixes: every column keeps its own data, and the renaming is said', async () => {
    expect(uniqueNames(['t', 'x_2', 'x', 'x']).names).toEqual(['t', 'x_2', 'x', 'x_3']);
    expect(uniqueNames(['a', 'a', 'a_2', '', 'a']).names).toEqual(['a', 'a_3', 'a_2', 'column_4', 'a_4']);
    const f = file('dupes.csv', 't,x_2,x,x\n' + rows(60, (i) => `${ts(i)},${i},${1000 + i},${-i}`) + '\n');
    const ds = await loadDataset(f);
    const s = ds.series[0]!;
    expect(s.channels.map((c) => c.name)).toEqual(['x_2', 'x', 'x_3']);
    expect(s.channels.map((c) => c.values[5])).toEqual([5, 1005, -5]);
    expect(ds.profile.files[0]!.warnings.join('\n')).toMatch(/1 repeated column name renamed: a second "x" is "x_3"/);
  });

  it('inf, 1e400 and 400-digit numbers become missing cells, counted with the first line', async () => {
    const bad: Record<number, string> = { 10: 'inf', 11: '-Infinity', 30: '1e400', 31: '9'.repeat(400), 40: '5e38' };
    const f = file(
      'infinite.csv',
      'timestamp,a,b\n' + rows(200, (i) => `${ts(i)},${bad[i] ?? wave(i)},${wave(i, 1)}`) + '\n',
    );
    const ds = await loadDataset(f);
    const a = ds.series[0]!.channels.find((c) => c.name === 'a')!;
    for (const v of a.values) expect(Number.isFinite(v)).toBe(true);
    expect(ds.profile.files[0]!.warnings.join('\n')).toMatch(
      /a: 5 cells not finite or beyond float32 .* treated as missing \(the first at line 12\)/,
    );
  });

  it('a few text cells (#VALUE!, ERR, --, 5%) in a numeric column: the column stays, the cells are counted', async () => {
    const bad: Record<number, string> = { 3: '#VALUE!', 50: 'ERR', 51: '--', 120: '5%' };
    const f = file(
      'excel.csv',
      'timestamp,flow,level\n' + rows(300, (i) => `${ts(i)},${bad[i] ?? wave(i)},${wave(i, 2)}`) + '\n',
    );
    const ds = await loadDataset(f);
    expect(ds.channels).toEqual(['flow', 'level']);
    const w = ds.profile.files[0]!.warnings.join('\n');
    expect(w).toMatch(/flow: 4 cells of text treated as missing/);
    expect(w).toMatch(/first text in a numeric column: "#VALUE!" at line 5, column "flow"/);
    // A column of words is still text, and says why.
    const t = await loadDataset(
      file('words.csv', 'timestamp,x,site\n' + rows(50, (i) => `${ts(i)},${wave(i)},${i % 3 ? 'north' : '7'}`) + '\n'),
    );
    expect(t.profile.files[0]!.ignoredColumns).toEqual([
      { name: 'site', reason: 'text column (33 of 50 sampled cells are not numbers)' },
    ]);
  });
});

describe('files with nothing to train on fail at import, not in training', () => {
  it('0 rows, 0 channels left, blank and carriage-return-only files', async () => {
    expect(await importError(file('header-only.csv', 'timestamp,a,b\n'))).toMatch(/has a header but no data rows/);
    expect(await importError(file('constant.csv', 'timestamp,a,b\n' + rows(50, (i) => `${ts(i)},1,2`) + '\n'))).toMatch(
      /has no sensor channel left to train on \(dropped: a constant.*\)/,
    );
    expect(await importError(file('blank.csv', '   \n\n  \n'))).toMatch(/is blank \(only spaces and line breaks\)/);
    expect(await importError(file('cr.csv', '\r\r\r\r'))).toMatch(/is blank \(only carriage returns\)/);
  });
});

describe('what the fuzz test found', () => {
  it('lines ended by CR alone are rows, not one row of millions of fields', async () => {
    const ds = await loadDataset(
      file(
        'mac.csv',
        'timestamp,a,b\r' + rows(300, (i) => `${ts(i)},${wave(i)},${wave(i, 1)}`).replace(/\n/g, '\r') + '\r',
      ),
    );
    expect(ds.profile.files[0]!.rows).toBe(300);
    expect(ds.profile.files[0]!.lineEnding).toBe('CR');
    expect(ds.channels).toEqual(['a', 'b']);
  });

  it('a first row of more than 250,000 fields is refused before anything is allocated for it', async () => {
    expect(await importError(file('fields.csv', '1,'.repeat(300_000) + '\n'))).toMatch(
      /line 1: has 300,001 fields in its first row \(more than 250,000\).*--delimiter/,
    );
  });

  it('blank lines of spaces before the header are skipped; one data row says so; empty label cells are normal', async () => {
    const lead = await loadDataset(
      file('lead.csv', '   \n\t\n' + 'timestamp,x,y\n' + rows(30, (i) => `${ts(i)},${wave(i)},${wave(i, 1)}`) + '\n'),
    );
    expect(lead.profile.files[0]!.rows).toBe(30);
    expect(await importError(file('single.csv', 'timestamp,x,y\n' + `${ts(0)},1,2\n`))).toMatch(
      /has only 1 data row: nothing varies to train on/,
    );
    const labels = await loadDataset(
      file(
        'sparse-label.csv',
        'timestamp,x,status\n' + rows(40, (i) => `${ts(i)},${wave(i)},${i >= 20 && i < 25 ? 'fault' : ''}`) + '\n',
      ),
    );
    expect([...labels.series[0]!.label!].reduce((a, b) => a + b, 0)).toBe(5);
    expect(labels.profile.files[0]!.warnings.join('\n')).toMatch(
      /status: 35 empty label cells \(blank, NaN, n\/a\) read as normal/,
    );
    // A 0/1 label column with blanks and NaN stays a label (it is the ground truth, never a model input).
    const numeric = await loadDataset(
      file(
        'numeric-label.csv',
        'timestamp,x,label\n' +
          rows(40, (i) => `${ts(i)},${wave(i)},${i % 9 === 0 ? '' : i % 9 === 1 ? 'NaN' : i >= 30 ? 1 : 0}`) +
          '\n',
      ),
    );
    expect(numeric.channels).toEqual(['x']);
    expect(numeric.profile.files[0]!.labelColumns).toEqual(['label']);
    expect([...numeric.series[0]!.label!].reduce((a, b) => a + b, 0)).toBe(8);
    expect(numeric.profile.files[0]!.warnings.join('\n')).toMatch(/label: 10 empty label cells/);
  });

  it('thousands of constant channels are counted, not listed one warning each', async () => {
    const cols = 3000;
    const header = ['timestamp', 'x', ...Array.from({ length: cols }, (_, c) => `c${c}`)].join(',');
    const ds = await loadDataset(
      file(
        'constants.csv',
        header +
          '\n' +
          rows(30, (i) => `${ts(i)},${wave(i)},${Array.from({ length: cols }, (_, c) => c % 5).join(',')}`) +
          '\n',
      ),
    );
    const w = ds.profile.files[0]!.warnings;
    expect(w.filter((l) => l.startsWith('dropped channel'))).toHaveLength(8);
    expect(w).toContain(`… ${cols - 8} more channels dropped (constant or empty; the profile lists them all)`);
    expect(ds.profile.files[0]!.droppedChannels).toHaveLength(cols);
  });
});

describe('sizes that used to overflow the stack or the memory', () => {
  it('130,000 label events import', async () => {
    const n = 260_000;
    const ds = await loadDataset(
      file('events.csv', 'x,y,label\n' + rows(n, (i) => `${i % 13},${i % 7},${i % 2}`) + '\n'),
    );
    expect(ds.profile.files[0]!.events.count).toBe(n / 2);
  });

  it('a resample across a 30-year jump, or over falling timestamps, is refused with the numbers', async () => {
    // 30 years at 60 s fit the limit (15.8 M rows); at 1 s they do not.
    expect(Math.floor((30 * 365.25 * 86400) / 60)).toBeLessThan(MAX_RESAMPLED_ROWS);
    const fine = await importError(
      file(
        'jump-fast.csv',
        'timestamp,x\n' +
          rows(20, (i) => `${new Date(Date.UTC(2024, 0, 1) + i * 1000).toISOString()},${wave(i)}`) +
          '\n2054-01-01T00:00:00Z,3\n',
      ),
      { resample: true },
    );
    expect(fine).toMatch(/at 1 s would make 946,\d{3},\d{3} rows \(more than 50,000,000\).*wrong year/);
    const falling = await importError(
      file('falling.csv', 'timestamp,x\n' + rows(20, (i) => `${ts(100 - i)},${wave(i)}`) + '\n'),
      { resample: true },
    );
    expect(falling).toMatch(/cannot be resampled/);
  });

  it('a 100,000-column file of numbers is read; a 17 MiB line without a break is refused at once', async () => {
    const cols = 100_000;
    const header = Array.from({ length: cols }, (_, c) => `s${c}`).join(',');
    const line = (r: number) => Array.from({ length: cols }, (_, c) => ((r * 31 + c * 17) % 97) / 10).join(',');
    const ds = await loadDataset(file('wide.csv', `${header}\n${rows(10, line)}\n`));
    expect(ds.channels.length).toBe(cols);
    const m = await importError(file('oneline.csv', '1,'.repeat(9 * 2 ** 20)));
    expect(m).toMatch(/oneline\.csv, line 1: is over 16 MiB long without a line break/);
  });
});

describe('quotes, epochs, links and encodings', () => {
  it('an unclosed quote names the line where it opened, quoting no more than a few characters', async () => {
    const body =
      rows(40, (i) => `${ts(i)},${wave(i)},ok`) +
      `\n${ts(41)},3,"broken note\n` +
      rows(2000, (i) => `${ts(42 + i)},${wave(i)},${'z'.repeat(200)}`) +
      '\n';
    const m = await importError(file('quote.csv', 'timestamp,x,note\n' + body));
    expect(m).toMatch(/quote\.csv, line 42: a quote opened on this line is never closed/);
  });

  it('epoch timestamps: a blank cell or 0x65 is an error naming its line, not 1970 or 101 s', async () => {
    const epoch = (i: number) => String(1_709_532_000 + i * 60);
    const blank = await importError(
      file('epoch-blank.csv', 'time,x\n' + rows(30, (i) => `${i === 20 ? '' : epoch(i)},${wave(i)}`) + '\n'),
    );
    expect(blank).toMatch(/epoch-blank\.csv, line 22, column "time": the timestamp "" does not parse/);
    const hex = await importError(
      file('epoch-hex.csv', 'time,x\n' + rows(30, (i) => `${i === 25 ? '0x65' : epoch(i)},${wave(i)}`) + '\n'),
    );
    expect(hex).toMatch(/epoch-hex\.csv, line 27, column "time": the timestamp "0x65" does not parse/);
  });

  it('a file that changes while it is read is imported with a note saying so', async () => {
    const ds = await loadDataset(
      file('changing.csv', 'timestamp,x,y\n' + rows(100, (i) => `${ts(i)},${wave(i)},${wave(i, 3)}`) + '\n'),
    );
    expect(ds.profile.files[0]!.warnings.join('\n')).toMatch(
      /bytes when opened and \d+ were read: it changed while being read/,
    );
  });

  it('a link to a CSV in a folder is read like the file', async () => {
    const real = file(
      'elsewhere/real.csv',
      'timestamp,x,y\n' + rows(50, (i) => `${ts(i)},${wave(i)},${wave(i, 1)}`) + '\n',
    );
    file('linked/a.csv', 'timestamp,x,y\n' + rows(50, (i) => `${ts(i)},${wave(i, 2)},${wave(i, 3)}`) + '\n');
    symlinkSync(real, path.join(dir, 'linked', 'b.csv'));
    symlinkSync(path.join(dir, 'nowhere.csv'), path.join(dir, 'linked', 'c.csv'));
    const ds = await loadDataset(path.join(dir, 'linked'));
    expect(ds.profile.files.map((f) => path.basename(f.path))).toEqual(['a.csv', 'b.csv']);
    // The link that leads nowhere is skipped, and said so.
    expect(ds.profile.dataset.warnings).toContain('skipped c.csv: a link to a file that does not exist');
    symlinkSync(path.join(dir, 'nowhere.csv'), path.join(dir, 'elsewhere', 'gone.csv'));
    rmSync(real);
    expect(await importError(path.join(dir, 'elsewhere'))).toMatch(
      /holds no data file \(\.csv, \.tsv, \.txt, \.dat, \.xlsx or \.parquet\) \(only links that lead to no file: gone\.csv\)/,
    );
  });

  it('Latin-1 names are read as such (with a note); UTF-32 is refused with what to do', async () => {
    const text =
      'Zeitstempel;Temperatur °C;Druck_ä\n' +
      rows(50, (i) => `${ts(i)};${wave(i).replace('.', ',')};${wave(i, 1).replace('.', ',')}`) +
      '\n';
    const ds = await loadDataset(file('latin1.csv', Buffer.from(text, 'latin1')));
    expect(ds.channels).toEqual(['Temperatur °C', 'Druck_ä']);
    expect(ds.profile.files[0]!.warnings.join('\n')).toMatch(/not valid UTF-8: read as Windows-1252/);
    const utf32 = Buffer.alloc(4 + text.length * 4);
    utf32.writeUInt32LE(0xfeff, 0);
    for (let i = 0; i < text.length; i++) utf32.writeUInt32LE(text.codePointAt(i)!, 4 + i * 4);
    expect(await importError(file('utf32.csv', utf32))).toMatch(/is UTF-32 text.*Save it as UTF-8/);
    expect(await importError(file('utf32-nobom.csv', utf32.subarray(4)))).toMatch(/is UTF-32 text/);
    // A file of NULs (what a power cut can leave) is binary, not UTF-32.
    expect(await importError(file('zeros.csv', new Uint8Array(4096)))).toMatch(/is a binary file, not CSV text/);
    expect(existsSync(path.join(dir, 'utf32.csv'))).toBe(true);
  });
});
