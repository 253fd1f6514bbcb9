/**
 * The plant's own exports as they come (issue 26): a historian's long table pivoted to channels,
 * an Excel workbook with a unit row and serial dates, a Parquet file with a timestamp column, each
 * generated here and imported through the same path as CSV (loadDataset, the CLI, the IPC check).
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import ExcelJS from 'exceljs';
// ExcelJS's own zip library (a dependency of it): to store a workbook's parts in another order.
import JSZip from 'jszip';
import { parquetWriteFile } from 'hyparquet-writer';
import { describe, expect, it, vi } from 'vitest';
import { loadDataset } from '../../src/engine/data/dataset';
import { importRequest } from '../../src/shared/ipc';
import { cli } from '../helpers/cli';
import { csvFolder } from '../helpers/csv-files';

const T0 = Date.UTC(2026, 0, 1);
const iso = (ms: number) => new Date(ms).toISOString();

/**
 * One hour of three tags at their own rates (1 s, 5 s, 60 s), as a historian exports them, with a
 * quality column: LI303's reading at 600 s is bad (value 999) and must not appear.
 */
function longTable(
  quality: (tag: string, s: number) => string = (tag, s) => (tag === 'LI303.PV' && s === 600 ? 'Bad' : 'Good'),
) {
  const lines = ['Timestamp,TagName,Value,Quality'];
  for (let s = 0; s < 3600; s++) {
    lines.push(`${iso(T0 + s * 1000)},FIC101.PV,${(10 + s / 1000).toFixed(3)},${quality('FIC101.PV', s)}`);
    if (s % 5 === 0)
      lines.push(`${iso(T0 + s * 1000)},TI202.PV,${(80 + s / 100).toFixed(2)},${quality('TI202.PV', s)}`);
    if (s % 60 === 0)
      lines.push(`${iso(T0 + s * 1000)},LI303.PV,${s === 600 ? 999 : 50 + s / 60},${quality('LI303.PV', s)}`);
  }
  return `${lines.join('\n')}\n`;
}

describe('long tables (timestamp, tag, value, quality)', () => {
  it('pivots each tag to a channel on a common grid, holding slow tags and leaving out bad readings', async () => {
    const { file } = csvFolder('stacklab-long-');
    const ds = await loadDataset(file('historian.csv', longTable()));
    const p = ds.profile.files[0]!;
    expect(p.format?.kind).toBe('long');
    expect(ds.channels).toEqual(['FIC101.PV', 'TI202.PV', 'LI303.PV']);
    // The grid: the median of the tags' own intervals (1, 5, 60 s) is 5 s, over the hour.
    expect(p.long).toMatchObject({ stepSeconds: 5, badQuality: 1 });
    expect(p.long!.tags.map((t) => [t.name, t.readings, t.intervalSeconds])).toEqual([
      ['FIC101.PV', 3600, 1],
      ['TI202.PV', 720, 5],
      ['LI303.PV', 60, 60],
    ]);
    expect(p.rows).toBe(720);
    expect(p.samplingIntervalSeconds).toBe(5);
    const s = ds.series[0]!;
    const col = (name: string) => s.channels.find((c) => c.name === name)!.values;
    // Row r is T0 + 5r s: the fast tag's reading at that second, the 5 s tag's own reading.
    expect(col('FIC101.PV')[10]).toBeCloseTo(10.05, 5);
    expect(col('TI202.PV')[10]).toBeCloseTo(80.5, 4);
    // The slow tag held between its readings (row 13 = 65 s: the 60 s reading), not interpolated.
    expect(col('LI303.PV')[13]).toBe(51);
    // Its bad reading at 600 s (row 120) is left out: the 540 s reading holds there, never 999.
    expect(col('LI303.PV')[120]).toBe(59);
    expect([...col('LI303.PV')].includes(999)).toBe(false);
    expect(p.warnings.join(' ')).toMatch(
      /1 reading of bad quality \(Quality, words: good, ok, valid are good\) read as missing/,
    );
  });

  it('reads OPC quality codes (192 and above good), and holds a tag no longer than twice its interval', async () => {
    const { file } = csvFolder('stacklab-long-opc-');
    // LI303 bad (code 0) from 1,200 s to 1,500 s: longer than twice its 60 s interval, so a gap.
    const csv = longTable((tag, s) => (tag === 'LI303.PV' && s >= 1200 && s <= 1500 ? '0' : '192'));
    const ds = await loadDataset(file('opc.csv', csv), { fillLimit: 0 });
    const li = ds.series[0]!.channels.find((c) => c.name === 'LI303.PV')!.values;
    // Held from 1,140 s for under 120 s (rows 228–251), missing from row 252 (1,260 s) until 1,560 s.
    expect(li[250]).toBe(69);
    expect(Number.isNaN(li[260]!)).toBe(true);
    expect(li[312]).toBe(76);
    expect(ds.profile.files[0]!.long!.badQuality).toBe(6);
  });

  it("reads Wonderware's Quality (0 good) and WinCC's layout (VarName, TimeString, VarValue, Validity, Time_ms, decimal commas)", async () => {
    const { file } = csvFolder('stacklab-long-vendors-');
    const ww = ['DateTime,TagName,Value,Quality'];
    const wincc = ['VarName;TimeString;VarValue;Validity;Time_ms'];
    for (let s = 0; s < 600; s++)
      for (const tag of ['A', 'B']) {
        const v = tag === 'A' ? s : 1000 + s;
        ww.push(`${iso(T0 + s * 1000)},${tag},${v},${s === 300 ? 1 : 0}`);
        wincc.push(`${tag};${iso(T0 + s * 1000)};${v},5;${s === 300 ? 0 : 1};${45000 + s}`);
      }
    const a = await loadDataset(file('ww.csv', `${ww.join('\n')}\n`));
    expect(a.channels).toEqual(['A', 'B']);
    expect(a.profile.files[0]!.long!.badQuality).toBe(2);
    const b = await loadDataset(file('wincc.csv', `${wincc.join('\n')}\n`));
    expect(b.channels).toEqual(['A', 'B']);
    expect(b.series[0]!.channels[1]!.values[10]).toBeCloseTo(1010.5, 4);
  });

  it("reads qualified good words, a German header, and skips WinCC's own $RT rows, listing the quality values", async () => {
    const { file } = csvFolder('stacklab-long-words-');
    const lines = ['Zeitstempel;Tagname;Wert;Qualität'];
    const q = ['Good [Non-Specific]', 'Good_LocalOverride', 'Good (192)', 'Uncertain'];
    for (let s = 0; s < 400; s++)
      for (const tag of ['A', 'B']) lines.push(`${iso(T0 + s * 1000)};${tag};${s},5;${q[s % 4]}`);
    lines.push('$RT_COUNT$;800');
    const ds = await loadDataset(file('de.csv', `${lines.join('\n')}\n`));
    const p = ds.profile.files[0]!;
    expect(ds.channels).toEqual(['A', 'B']);
    // Only "Uncertain" is bad: a quarter of the readings.
    expect(p.long!.badQuality).toBe(200);
    const notes = p.warnings.join('\n');
    expect(notes).toMatch(
      /quality values \(Qualität\): Good \[Non-Specific\] 200 good, Good_LocalOverride 200 good, Good \(192\) 200 good, Uncertain 200 bad/,
    );
    expect(notes).toMatch(/1 rows of the archive's own \(\$RT_…\) skipped/);
  });

  it('refuses when every reading is bad, naming the column and how to keep them', async () => {
    const { file } = csvFolder('stacklab-long-allbad-');
    const csv = longTable(() => 'Uncertain');
    await expect(loadDataset(file('x.csv', csv))).rejects.toThrow(
      /column "Quality": every reading is of bad quality .*give it the Ignored role \(--ignore "Quality"\)/,
    );
    expect((await loadDataset(file('y.csv', csv), { roles: { ignore: ['Quality'] } })).channels).toHaveLength(3);
  });

  it('leaves a wide table with a text column wide (a machine mode is not a tag)', async () => {
    const { file } = csvFolder('stacklab-long-not-');
    const rows = Array.from({ length: 50 }, (_, i) => `${iso(T0 + i * 1000)},${i % 7},${i % 2 ? 'RUN' : 'IDLE'}`);
    const ds = await loadDataset(file('mode.csv', `timestamp,value,mode\n${rows.join('\n')}\n`));
    expect(ds.profile.files[0]!.format).toBeUndefined();
    expect(ds.channels).toEqual(['value']);
  });

  it('imports the same file as wide when asked, and refuses --layout long for a wide file', async () => {
    const { file } = csvFolder('stacklab-long-wide-');
    const long = file('historian.csv', longTable());
    const wide = await loadDataset(long, { layout: 'wide' });
    expect(wide.profile.files[0]!.format).toBeUndefined();
    expect(wide.channels).toEqual(['Value']);
    // A tag left out by its role (the Import step's roles table lists the tags).
    const two = await loadDataset(long, { roles: { ignore: ['TI202.PV'] } });
    expect(two.channels).toEqual(['FIC101.PV', 'LI303.PV']);
    const plain = file(
      'plain.csv',
      `time,a,b\n${[0, 1, 2, 3].map((i) => `${iso(T0 + i * 1000)},${i},${i * 2}`).join('\n')}\n`,
    );
    const r = await cli(['import', plain, '--layout', 'long']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/plain\.csv: is not a long table \(columns: time, a, b\)/);
    const ok = await cli(['import', long]);
    expect(ok.code, ok.err).toBe(0);
    expect(ok.out.join('\n')).toMatch(/tags: FIC101\.PV \(3600 readings, every 1 s\)/);
  });
});

describe('Excel workbooks', () => {
  async function workbook(path: string, serial: boolean) {
    const wb = new ExcelJS.Workbook();
    wb.addWorksheet('Notes').getCell('A1').value = null;
    const ws = wb.addWorksheet('Line 3');
    // A merged group title over the two reactor columns, the names, then a row of units.
    ws.addRow(['', 'Reactor', '', '']);
    ws.mergeCells('B1:C1');
    ws.addRow(['Time', 'temp', 'pressure', 'label']);
    ws.addRow(['', '°C', 'bar', '']);
    for (let i = 0; i < 200; i++) {
      const t = T0 + i * 60_000;
      // Serial days (1900 date system) as plain numbers, or dates with a date format.
      const time = serial ? t / 86_400_000 + 25_569 : new Date(t);
      const row = ws.addRow([time, 20 + i / 100, 1 + i / 1000, i >= 150 && i < 160 ? 1 : 0]);
      if (!serial) row.getCell(1).numFmt = 'yyyy-mm-dd hh:mm';
    }
    await wb.xlsx.writeFile(path);
    return path;
  }

  it('reads the first sheet with data: group, name and unit rows make the names; serial dates are times', async () => {
    const { dir } = csvFolder('stacklab-xlsx-');
    for (const serial of [true, false]) {
      const ds = await loadDataset(await workbook(`${dir}/line3-${serial}.xlsx`, serial));
      const p = ds.profile.files[0]!;
      expect(p.format).toEqual({ kind: 'xlsx', description: 'Excel workbook, sheet "Line 3" (2 of 2: Notes, Line 3)' });
      expect(p.sheets).toEqual({ names: ['Notes', 'Line 3'], read: 'Line 3' });
      expect(ds.channels).toEqual(['Reactor temp (°C)', 'Reactor pressure (bar)']);
      expect(p.timestampColumn).toBe('Time');
      expect(p.start).toBe('2026-01-01T00:00:00Z');
      expect(p.samplingIntervalSeconds).toBe(60);
      expect(p.labelColumns).toEqual(['label']);
      expect(p.events.count).toBe(1);
      const temp = ds.series[0]!.channels[0]!.values;
      expect(temp[0]).toBeCloseTo(20, 5);
      expect(temp[199]).toBeCloseTo(21.99, 4);
      expect(p.preview?.header).toEqual(['Time', 'Reactor temp (°C)', 'Reactor pressure (bar)', 'label']);
      expect(p.preview?.rows[0]?.[0]).toBe('2026-01-01 00:00:00Z');
      if (serial) expect(p.warnings.join(' ')).toMatch(/Excel serial day numbers read as times/);
    }
  });

  it('reads the sheet asked for, and names the sheets when it has no such one', async () => {
    const { dir } = csvFolder('stacklab-xlsx-sheet-');
    const book = await workbook(`${dir}/book.xlsx`, false);
    expect((await loadDataset(book, { sheet: 'Line 3' })).channels).toHaveLength(2);
    await expect(loadDataset(book, { sheet: 'Line 4' })).rejects.toThrow(
      /book\.xlsx: has no sheet named "Line 4" with data \(sheets: Notes, Line 3\)/,
    );
    const r = await cli(['import', book, '--sheet', 'Line 3']);
    expect(r.code, r.err).toBe(0);
    expect(r.out.join('\n')).toContain('Excel workbook, sheet "Line 3"');
  });

  it('leaves none of the temporary copies ExcelJS makes of sheets stored before the strings', async () => {
    const { dir } = csvFolder('stacklab-xlsx-tmp-');
    const book = await workbook(`${dir}/book.xlsx`, false);
    // ExcelJS names them tmp-<pid>-…: this process's only.
    const copies = () => readdirSync(tmpdir()).filter((f) => f.startsWith(`tmp-${process.pid}-`));
    const before = copies();
    for (let i = 0; i < 5; i++) {
      expect((await loadDataset(book)).profile.files[0]!.sheets?.read).toBe('Line 3');
      await expect(loadDataset(book, { sheet: 'Line 4' })).rejects.toThrow(/no sheet named "Line 4"/);
      expect((await loadDataset(book, { sheet: 'Line 3' })).channels).toHaveLength(2);
    }
    // The last copy is removed asynchronously (its descriptor closed, then the file).
    await vi.waitFor(() => expect(copies().filter((f) => !before.includes(f))).toEqual([]), { timeout: 2000 });
  });

  it('reads a sheet stored after the strings from a file cut off later, without waiting for the rest', async () => {
    const { dir } = csvFolder('stacklab-xlsx-cut-');
    const wb = new ExcelJS.Workbook();
    const data = wb.addWorksheet('Data');
    data.addRow(['flow', 'level']);
    for (let i = 0; i < 50; i++) data.addRow([i, 50 - i]);
    const big = wb.addWorksheet('Big');
    for (let i = 0; i < 20_000; i++) big.addRow([i, `row ${i}`, Math.sin(i)]);
    // The strings and the workbook first (some writers' order), so that each sheet is read
    // straight from the archive; then the file cut off inside the second sheet.
    const zip = await JSZip.loadAsync(Buffer.from(await wb.xlsx.writeBuffer()));
    const first = [
      '[Content_Types].xml',
      '_rels/.rels',
      'xl/workbook.xml',
      'xl/_rels/workbook.xml.rels',
      'xl/sharedStrings.xml',
      'xl/styles.xml',
    ];
    const names = Object.keys(zip.files).filter((n) => !zip.files[n]!.dir);
    const ordered = new JSZip();
    for (const n of [...first.filter((n) => names.includes(n)), ...names.filter((n) => !first.includes(n))])
      ordered.file(n, await zip.file(n)!.async('uint8array'));
    const bytes = await ordered.generateAsync({ type: 'uint8array', compression: 'DEFLATE' });
    writeFileSync(`${dir}/cut.xlsx`, bytes.subarray(0, Math.floor(bytes.length * 0.7)));
    const settled = await Promise.race([
      loadDataset(`${dir}/cut.xlsx`, { sheet: 'Data' }).then(
        (ds) => ds.channels,
        (err: Error) => err.message,
      ),
      new Promise((r) => setTimeout(() => r('still reading after 15 s'), 15_000)),
    ]);
    expect(settled).toEqual(['flow', 'level']);
  }, 30_000);

  it('passes over a notes sheet and a line above the names; names sheets right after one was deleted', async () => {
    const { dir } = csvFolder('stacklab-xlsx-notes-');
    const wb = new ExcelJS.Workbook();
    wb.addWorksheet('Gone').addRow([1, 2]);
    wb.addWorksheet('README').addRow(['This workbook holds line 3.']);
    const ws = wb.addWorksheet('Data');
    ws.addRow(['Exported: 2026-01-02', 45000]);
    ws.addRow(['Time', 'flow', 'level']);
    for (let i = 0; i < 50; i++) {
      const row = ws.addRow([new Date(T0 + i * 60_000), i, 50 - i]);
      row.getCell(1).numFmt = 'yyyy-mm-dd hh:mm';
    }
    // Deleting the first sheet leaves the others' ids apart from their files' numbers.
    wb.removeWorksheet(wb.getWorksheet('Gone')!.id);
    await wb.xlsx.writeFile(`${dir}/book.xlsx`);
    const ds = await loadDataset(`${dir}/book.xlsx`);
    expect(ds.profile.files[0]!.sheets).toEqual({ names: ['README', 'Data'], read: 'Data' });
    expect(ds.channels).toEqual(['flow', 'level']);
    expect(ds.profile.files[0]!.rows).toBe(50);
    expect((await loadDataset(`${dir}/book.xlsx`, { sheet: 'Data' })).channels).toEqual(['flow', 'level']);
  });

  it('reads Excel times as the wall clock of --utc-offset, as CSV text is', async () => {
    const { dir } = csvFolder('stacklab-xlsx-zone-');
    const book = await workbook(`${dir}/b.xlsx`, false);
    const p = (await loadDataset(book, { utcOffsetMinutes: 60 })).profile.files[0]!;
    expect(p.start).toBe('2025-12-31T23:00:00Z');
  });

  it('refuses a file named .xlsx that is not a workbook, and older spreadsheets, saying what to do', async () => {
    const { file } = csvFolder('stacklab-xlsx-bad-');
    await expect(loadDataset(file('fake.xlsx', 'time,a\n1,2\n'))).rejects.toThrow(
      /fake\.xlsx: is text, not an Excel workbook .*If it is a CSV export, rename it to \.csv/,
    );
    await expect(loadDataset(file('zipish.xlsx', Buffer.from([0x50, 0x4b, 3, 4, 0, 0, 1, 2, 3])))).rejects.toThrow(
      /zipish\.xlsx: cannot be read as an Excel workbook/,
    );
    await expect(loadDataset(file('old.xls', 'x'))).rejects.toThrow(
      /old\.xls: is a spreadsheet StackLab does not read \(\.xls\)\. Save it as \.xlsx/,
    );
  });

  it('reads units such as m³/h and [°C] under the names', async () => {
    const { dir } = csvFolder('stacklab-xlsx-units-');
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Data');
    ws.addRow(['Time', 'Flow', 'Gas', 'Temp']);
    ws.addRow(['', 'm³/h', 'Nm³/h', '[°C]']);
    for (let i = 0; i < 20; i++)
      ws.addRow([new Date(T0 + i * 60_000), i, 2 * i, 20 + i]).getCell(1).numFmt = 'yyyy-mm-dd hh:mm';
    await wb.xlsx.writeFile(`${dir}/u.xlsx`);
    expect((await loadDataset(`${dir}/u.xlsx`)).channels).toEqual(['Flow (m³/h)', 'Gas (Nm³/h)', 'Temp (°C)']);
  });
});

describe('Parquet files', () => {
  it('takes the column types from the schema and timestamps in their stored unit', async () => {
    const { dir } = csvFolder('stacklab-parquet-');
    const n = 3000;
    const file = `${dir}/line3.parquet`;
    await parquetWriteFile({
      filename: file,
      // Microseconds since the epoch (a common Spark and pandas unit), in two row groups.
      schema: [
        { name: 'root', num_children: 4 },
        {
          name: 'ts',
          type: 'INT64',
          repetition_type: 'REQUIRED',
          logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MICROS' },
        },
        { name: 'flow', type: 'DOUBLE', repetition_type: 'REQUIRED' },
        { name: 'temp', type: 'FLOAT', repetition_type: 'OPTIONAL' },
        { name: 'batch', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
      ],
      columnData: [
        { name: 'ts', data: BigInt64Array.from({ length: n }, (_, i) => BigInt(T0 + i * 2000) * 1000n) },
        { name: 'flow', data: Float64Array.from({ length: n }, (_, i) => Math.sin(i / 50)) },
        { name: 'temp', data: Array.from({ length: n }, (_, i) => (i === 7 ? null : 20 + i / 1000)) },
        { name: 'batch', data: Array.from({ length: n }, (_, i) => (i < 1500 ? 'B-17' : 'B-18')) },
      ],
      rowGroupSize: 1500,
    });
    const ds = await loadDataset(file);
    const p = ds.profile.files[0]!;
    expect(p.format?.description).toMatch(/^Parquet, 2 row groups, snappy/);
    // The batch column names each row's run: one series per batch.
    expect(ds.series.map((s) => s.rows)).toEqual([1500, 1500]);
    expect(ds.channels).toEqual(['flow', 'temp']);
    expect(p.timestampColumn).toBe('ts');
    expect(p.start).toBe('2026-01-01T00:00:00Z');
    expect(p.samplingIntervalSeconds).toBe(2);
    const flow = ds.series[1]!.channels[0]!.values;
    expect(flow[0]).toBeCloseTo(Math.sin(1500 / 50), 5);
    expect(p.channels.find((c) => c.name === 'temp')!.missing).toBe(1);
  });

  it('refuses a file named .parquet that is not one', async () => {
    const { file } = csvFolder('stacklab-parquet-bad-');
    await expect(loadDataset(file('empty.parquet', ''))).rejects.toThrow(/empty\.parquet: is empty/);
    await expect(loadDataset(file('x.parquet', 'not parquet at all, just text'))).rejects.toThrow(
      /x\.parquet: is not a readable Parquet file .*Export it again as Parquet, or as CSV/,
    );
  });
});

describe('the import request across the IPC boundary', () => {
  it('accepts a layout and a sheet, and refuses others with what is allowed', () => {
    const source = { kind: 'path', path: '/d/x.xlsx' };
    expect(importRequest('data.import', { source, layout: 'long', sheet: 'Line 3' })).toMatchObject({
      layout: 'long',
      sheet: 'Line 3',
    });
    expect(() => importRequest('data.import', { source, layout: 'tall' })).toThrow(/"layout" must be/);
    expect(() => importRequest('data.import', { source, sheet: 'a/b' })).toThrow(/an Excel sheet's name/);
    expect(() => importRequest('data.import', { source, sheet: 'x'.repeat(32) })).toThrow(/1 to 31 characters/);
  });
});
