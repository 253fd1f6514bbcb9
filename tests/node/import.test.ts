import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDataset, loadSampleDataset, type DatasetProfile } from '../../src/engine/data/dataset';
import { generateSamplePlant } from '../../src/engine/data/sample-plant';
import { splitByTime } from '../../src/engine/data/split';
import { ImportError } from '../../src/engine/data/errors';
import { parseNumberRange } from '../../src/engine/data/numbers';
import { detectTimestampFormat, parseTimestampRange } from '../../src/engine/data/timestamps';
import { cli } from '../helpers/cli';
import { csvFolder, rows, ts } from '../helpers/csv-files';
import { describeSharedData } from '../helpers/shared-data';

const { dir, file } = csvFolder('stacklab-import-');

describe('number and timestamp parsing', () => {
  it('parses numbers with either decimal separator, and missing tokens as NaN', () => {
    const p = (s: string, d: 44 | 46 = 46) => parseNumberRange(s, 0, s.length, d);
    expect(p('12.5')).toBe(12.5);
    expect(p(' -0.25 ')).toBe(-0.25);
    expect(p('12,5', 44)).toBe(12.5);
    expect(p('1e-3')).toBe(0.001);
    expect(p('1234567890123456789')).toBe(Number('1234567890123456789'));
    for (const m of ['', 'NaN', 'null', 'NA', 'n/a', '-']) expect(p(m), m).toBeNaN();
    expect(p('abc')).toBeUndefined();
  });

  it('detects and parses the timestamp formats of plant exports', () => {
    const iso = detectTimestampFormat(['2024-03-04 06:00:00', '2024-03-04T06:03:00Z'])!;
    expect(iso.kind).toBe('iso');
    const at = (s: string, f = iso, off = 0) => parseTimestampRange(s, 0, s.length, f, off);
    expect(at('2024-03-04 06:00:00')).toBe(Date.UTC(2024, 2, 4, 6));
    expect(at('2024-03-04T06:00:00.250+02:00')).toBe(Date.UTC(2024, 2, 4, 4, 0, 0, 250));
    expect(at('2024-03-04 06:00')).toBe(Date.UTC(2024, 2, 4, 6));
    expect(at('2024-03-04 06:00:00', iso, 60)).toBe(Date.UTC(2024, 2, 4, 5));
    expect(at('2024-02-30 00:00:00')).toBeNaN();
    const dmy = detectTimestampFormat(['04/03/24 06', '25/03/24 07'])!;
    expect(dmy).toEqual({ kind: 'dmy', separator: '/' });
    expect(at('25/03/24 07', dmy)).toBe(Date.UTC(2024, 2, 25, 7));
    expect(detectTimestampFormat(['03/25/2024 07:00'])).toEqual({ kind: 'mdy', separator: '/' });
    expect(detectTimestampFormat(['1709532000', '1709532180'])).toEqual({ kind: 'epoch-s' });
    expect(detectTimestampFormat(['1709532000000'])).toEqual({ kind: 'epoch-ms' });
    expect(detectTimestampFormat(['hello'])).toBeNull();
  });
});

describeSharedData('importing the shared real data', (SHARED) => {
  it('TEP: 52 sensor channels at 3-minute sampling, fault labels from 0/k values', async () => {
    const ds = await loadDataset(path.join(SHARED, 'tep/fault01_test.csv'));
    const p = ds.profile.files[0]!;
    expect(p.rows).toBe(960);
    expect(p.timestampColumn).toBe('timestamp');
    expect(p.samplingIntervalSeconds).toBe(180);
    expect(p.channels).toHaveLength(52);
    expect(p.labelColumns).toEqual(['fault']);
    expect(p.labelMapping.fault).toEqual({ '0': 'normal', '1': 'abnormal' });
    // The fault starts at row 161 of the test file and stays on.
    expect(ds.series[0]!.label!.indexOf(1)).toBe(160);
    expect(p.labelRatio).toBeCloseTo(800 / 960, 6);
    expect(p.events).toMatchObject({ count: 1, minLength: 800 });
  });

  it('TEP folder: one data set of many series, kept apart', async () => {
    const ds = await loadDataset(path.join(SHARED, 'tep'));
    expect(ds.series.length).toBeGreaterThan(30);
    expect(ds.profile.dataset.rows).toBe(ds.series.reduce((n, s) => n + s.rows, 0));
    for (const s of ds.series) expect(s.channels.map((c) => c.name)).toEqual(ds.channels);
  });

  it('NAB: labels from the windows file, the out-of-order row reported', async () => {
    const ds = await loadDataset(path.join(SHARED, 'nab/machine_temperature_system_failure.csv'), {
      labels: path.join(SHARED, 'nab/machine_temperature_windows.json'),
    });
    const p = ds.profile.files[0]!;
    expect(p.rows).toBe(22695);
    expect(p.labelSource).toBe('windows');
    expect(p.events.count).toBe(4);
    expect(p.samplingIntervalSeconds).toBe(300);
    expect(p.warnings.join('\n')).toMatch(/1 timestamp goes backwards/);
    // Window 1 is 2013-12-10 06:25 .. 2013-12-12 05:35 inclusive at 5-minute steps: 567 rows.
    expect(p.events.lengths[0]).toBe(567);
  });

  it('`stacklab import --json` prints the profile as the last line', async () => {
    const r = await cli([
      'import',
      path.join(SHARED, 'nab/machine_temperature_system_failure.csv'),
      '--labels',
      path.join(SHARED, 'nab/machine_temperature_windows.json'),
      '--json',
    ]);
    expect(r.code).toBe(0);
    const p = JSON.parse(r.out.at(-1)!) as DatasetProfile;
    const f = p.files[0]!;
    for (const key of [
      'path',
      'rows',
      'delimiter',
      'decimal',
      'timestampColumn',
      'channels',
      'labelColumns',
      'eventColumns',
      'labelRatio',
      'events',
      'warnings',
    ])
      expect(f).toHaveProperty(key);
    expect(f.channels.map((c) => c.name)).toEqual(['value']);
  });
});

describe('columns empty where roles are sampled', () => {
  it('say what the rest of the file holds: text, later numbers, or nothing', async () => {
    const { file } = csvFolder('stacklab-late-');
    // 800 rows; the last three columns are empty in the first 600 (the sampled head is 500 rows).
    const csv = `time,flow,remark,late_sensor,blank\n${rows(800, (i) =>
      [ts(i), (i % 7) + 0.5, i >= 600 ? (i % 2 ? 'valve_stiction' : 'pump wear') : '', i >= 600 ? i / 10 : '', ''].join(
        ',',
      ),
    )}\n`;
    const ds = await loadDataset(file('late.csv', csv));
    const p = ds.profile.files[0]!;
    expect(ds.channels).toEqual(['flow']);
    expect(p.ignoredColumns).toEqual([
      { name: 'remark', reason: 'text, not a sensor: "pump wear", "valve_stiction" in 200 rows from line 602' },
      {
        name: 'late_sensor',
        reason:
          'numbers in 200 rows from line 602 (no values in the first 500 rows): name it with --channels to use it as a sensor',
      },
      { name: 'blank', reason: 'empty in every row' },
    ]);
  });
});

describe('the built-in sample plant', () => {
  it('imports through the CSV path with its labels, and trains on the fault-free leading part', async () => {
    const ds = await loadSampleDataset();
    const plant = generateSamplePlant();
    const p = ds.profile.files[0]!;
    expect(p.rows).toBe(plant.timestamps.length);
    expect(ds.channels).toEqual(plant.channels.map((c) => c.name));
    expect(p.labelColumns).toEqual(['label']);
    expect(p.ignoredColumns).toEqual([
      {
        name: 'fault_kind',
        reason: expect.stringMatching(/^text, not a sensor: "\w+"(, "\w+")*(, …)? in [\d,]+ rows from line [\d,]+$/),
      },
    ]);
    expect(p.events.count).toBe(plant.faults.length);
    expect([...ds.series[0]!.label!]).toEqual([...plant.label]);
    const { segments } = splitByTime(ds);
    const test = segments.find((g) => g.role === 'test')!;
    expect(test.start).toBe(Math.min(Math.round(p.rows * 0.6), plant.faults[0]!.startRow));
    expect((await cli(['import', '--sample', '--json'])).code).toBe(0);
  });
});

describe('dialects', () => {
  const body = (sep: string, dec: string, eol: string) =>
    `time${sep}Temp A${sep} Pressure ${sep}status${eol}` +
    rows(
      30,
      (i) =>
        `${ts(i)}${sep}${(20 + i / 4).toFixed(2).replace('.', dec)}${sep}${(1 + (i % 3) / 10).toFixed(1).replace('.', dec)}${sep}${i > 25 ? 'BROKEN' : 'NORMAL'}`,
    )
      .split('\n')
      .join(eol) +
    eol;

  it.each([
    ['comma, dot, LF', ',', '.', '\n'],
    ['semicolon, decimal comma, CRLF', ';', ',', '\r\n'],
    ['tab, dot', '\t', '.', '\n'],
    ['pipe, decimal comma', '|', ',', '\n'],
  ])('%s', async (_name, sep, dec, eol) => {
    const f = file(`d-${sep.charCodeAt(0)}-${dec.charCodeAt(0)}.csv`, body(sep, dec, eol));
    const ds = await loadDataset(f);
    const p = ds.profile.files[0]!;
    expect(p.delimiter).toBe(sep);
    expect(p.decimal).toBe(dec);
    expect(p.lineEnding).toBe(eol === '\r\n' ? 'CRLF' : 'LF');
    expect(p.channels.map((c) => c.name)).toEqual(['Temp A', 'Pressure']);
    expect(ds.series[0]!.channels[0]!.values[3]).toBeCloseTo(20.75, 5);
    expect(p.labelMapping.status).toEqual({ NORMAL: 'normal', BROKEN: 'abnormal' });
    expect(p.events).toMatchObject({ count: 1, minLength: 4 });
  });

  it('UTF-8 with BOM, UTF-16 LE with BOM, and UTF-16 BE', async () => {
    const text = 'timestamp,a,b\n' + rows(10, (i) => `${ts(i)},${i},${i * 2}`) + '\n';
    const le = new Uint8Array([0xff, 0xfe, ...Buffer.from(text, 'utf16le')]);
    const be = Buffer.from(text, 'utf16le').swap16();
    for (const [name, bytes, enc] of [
      ['bom8.csv', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]), 'utf-8 (BOM)'],
      ['le.csv', le, 'utf-16le (BOM)'],
      ['be.csv', be, 'utf-16be'],
    ] as const) {
      const ds = await loadDataset(file(name, bytes));
      expect(ds.profile.files[0]!.encoding, name).toBe(enc);
      expect(ds.channels, name).toEqual(['a', 'b']);
      expect(ds.series[0]!.timestamps![1]! - ds.series[0]!.timestamps![0]!).toBe(60_000);
    }
  });

  it('quoted fields with delimiters, quotes and newlines inside', async () => {
    const f = file('quoted.csv', 'timestamp,note,x\n' + rows(6, (i) => `${ts(i)},"a, ""b""\nline ${i}",${i}.5`) + '\n');
    const ds = await loadDataset(f);
    const p = ds.profile.files[0]!;
    expect(p.rows).toBe(6);
    expect(p.ignoredColumns).toEqual([{ name: 'note', reason: 'text column (6 of 6 sampled cells are not numbers)' }]);
    expect([...ds.series[0]!.channels[0]!.values]).toEqual([0.5, 1.5, 2.5, 3.5, 4.5, 5.5]);
  });

  it('a file without a header, and explicit overrides', async () => {
    const f = file(
      'nohead.csv',
      rows(20, (i) => `${1700000000 + i * 10};${i};${(i * 1.5).toFixed(1).replace('.', ',')}`) + '\n',
    );
    const ds = await loadDataset(f);
    const p = ds.profile.files[0]!;
    expect(p.header).toBe(false);
    expect(p.delimiter).toBe(';');
    expect(p.channels.map((c) => c.name)).toEqual(['column_2', 'column_3']);
    const forced = await loadDataset(f, {
      dialect: { delimiter: ';', decimal: ',', header: false },
      roles: { timestamp: 'column_1' },
    });
    expect(forced.profile.files[0]!.timestampFormat).toBe('epoch seconds');
    expect(forced.profile.files[0]!.samplingIntervalSeconds).toBe(10);
  });

  it('timestamps as dd/mm/yy HH, epoch milliseconds and with zones', async () => {
    const a = await loadDataset(
      file(
        'dmy.csv',
        'Date,val\n' +
          rows(30, (i) => `${String((i % 28) + 1).padStart(2, '0')}/03/24 ${String(i % 24).padStart(2, '0')},${i}`) +
          '\n',
      ),
    );
    expect(a.profile.files[0]!.timestampFormat).toBe('dd/mm/yy hh:mm');
    const b = await loadDataset(
      file('ms.csv', 'time,val\n' + rows(5, (i) => `${1709532000000 + i * 1000},${i}`) + '\n'),
    );
    expect(b.profile.files[0]!.timestampFormat).toBe('epoch milliseconds');
    expect(b.profile.files[0]!.samplingIntervalSeconds).toBe(1);
    const c = await loadDataset(
      file('tz.csv', 'timestamp,val\n2024-01-01T01:00:00+01:00,1\n2024-01-01T00:30:00Z,2\n2024-01-01T01:00:00Z,3\n'),
    );
    expect([...c.series[0]!.timestamps!]).toEqual([
      Date.UTC(2024, 0, 1, 0),
      Date.UTC(2024, 0, 1, 0, 30),
      Date.UTC(2024, 0, 1, 1),
    ]);
  });
});

describe('column roles and labels', () => {
  it('infers label, event, id and text columns, trimming header names', async () => {
    const f = file(
      'roles.csv',
      ' id ,timestamp, flow ,ATT_FLAG,changepoint,site\n' +
        rows(
          20,
          (i) => `${i},${ts(i)},${Math.sin(i)},${i === 7 ? 'true' : 'false'},${i === 12 ? 1 : 0},plant-${i % 2}`,
        ) +
        '\n',
    );
    const p = (await loadDataset(f)).profile.files[0]!;
    expect(p.channels.map((c) => c.name)).toEqual(['flow']);
    expect(p.labelColumns).toEqual(['ATT_FLAG']);
    expect(p.labelMapping.ATT_FLAG).toEqual({ false: 'normal', true: 'abnormal' });
    expect(p.eventColumns).toEqual(['changepoint']);
    expect(p.ignoredColumns).toEqual([
      { name: 'id', reason: 'row id (increasing integers)' },
      { name: 'site', reason: 'text column (20 of 20 sampled cells are not numbers)' },
    ]);
  });

  it('fault numbers and 0.0/1.0 labels map to normal/abnormal', async () => {
    const f = file(
      'faults.csv',
      'timestamp,x,fault,is_anomaly\n' +
        rows(10, (i) => `${ts(i)},${i},${i < 5 ? 0 : 3},${i === 9 ? '1.0' : '0.0'}`) +
        '\n',
    );
    const ds = await loadDataset(f);
    expect([...ds.series[0]!.label!]).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
    expect(ds.profile.files[0]!.labelMapping.fault).toEqual({ '0': 'normal', '3': 'abnormal' });
  });
});

describe('cleaning', () => {
  it('forward-fills short gaps, marks long ones, drops constant channels and reports timing problems', async () => {
    const vals = (i: number) => (i >= 3 && i <= 4 ? '' : i >= 10 && i <= 17 ? 'NaN' : String(i));
    const times = [0, 1, 2, 3, 4, 5, 5, 7, 6, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19];
    const f = file(
      'clean.csv',
      'timestamp,a,b,flat\n' + times.map((t, i) => `${ts(t)},${vals(i)},${Math.cos(i)},7`).join('\n') + '\n',
    );
    const ds = await loadDataset(f, { fillLimit: 3 });
    const p = ds.profile.files[0]!;
    expect(p.droppedChannels).toEqual([{ name: 'flat', reason: 'constant (7)' }]);
    const a = p.channels.find((c) => c.name === 'a')!;
    expect(a).toMatchObject({ missing: 10, filled: 2, unfilled: 8 });
    expect([...ds.series[0]!.channels[0]!.values.slice(2, 6)]).toEqual([2, 2, 2, 5]);
    expect(Number.isNaN(ds.series[0]!.channels[0]!.values[12]!)).toBe(true);
    const w = p.warnings.join('\n');
    expect(w).toMatch(/1 duplicate timestamp/);
    expect(w).toMatch(/1 timestamp goes backwards/);
    expect(w).toMatch(/dropped channel flat: constant/);
    expect(w).toMatch(/8 missing cells in gaps longer than 3 rows/);
  });

  it('detects irregular sampling and resamples only on request', async () => {
    const times = [0, 60, 120, 200, 240, 330, 360, 430, 480, 540];
    const f = file(
      'irregular.csv',
      'timestamp,x\n' +
        times.map((t, i) => `${new Date(Date.UTC(2024, 0, 1) + t * 1000).toISOString()},${i}`).join('\n') +
        '\n',
    );
    const plain = await loadDataset(f);
    expect(plain.profile.files[0]!.warnings.join('\n')).toMatch(/irregular sampling/);
    expect(plain.series[0]!.rows).toBe(10);
    const re = await loadDataset(f, { resample: true });
    expect(re.series[0]!.rows).toBe(10);
    const t = re.series[0]!.timestamps!;
    for (let i = 1; i < t.length; i++) expect(t[i]! - t[i - 1]!).toBe(60_000);
  });
});

describe('errors that say where and what to do', () => {
  const expectImportError = async (p: Promise<unknown>, pattern: RegExp) => {
    const err = await p.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImportError);
    expect((err as Error).message).toMatch(pattern);
  };

  it.each([
    ['an empty file', () => file('empty.csv', ''), /empty\.csv: is empty\. Export the data again/],
    [
      'a binary file',
      () => file('bin.csv', new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3, 0, 0])),
      /bin\.csv: is a binary file, not CSV text/,
    ],
    [
      'no numeric column',
      () => file('text.csv', 'name,site\nalpha,north\nbeta,south\n'),
      /has no numeric sensor column.*--delimiter/,
    ],
    [
      'ragged rows',
      () => file('ragged.csv', 'timestamp,a,b\n' + rows(5, (i) => `${ts(i)},1,2`) + `\n${ts(6)},1\n`),
      /ragged\.csv, line 7: has 2 fields where the header has 3/,
    ],
    [
      'an unknown label value',
      () =>
        file('badlabel.csv', 'timestamp,x,status\n' + rows(5, (i) => `${ts(i)},${i},NORMAL`) + `\n${ts(6)},3,WOBBLY\n`),
      /badlabel\.csv, line 7, column "status": the label value "WOBBLY".*--label-map "WOBBLY=1"/,
    ],
    [
      'an unparseable timestamp',
      () => file('badtime.csv', 'timestamp,x\n' + rows(5, (i) => `${ts(i)},${i}`) + '\n2024-13-45 99:00:00,3\n'),
      /badtime\.csv, line 7, column "timestamp": the timestamp "2024-13-45 99:00:00" does not parse/,
    ],
    ['a missing file', () => path.join(dir, 'nope.csv'), /nope\.csv: does not exist \(ENOENT\)/],
  ])('%s', async (_what, make, pattern) => {
    await expectImportError(loadDataset(make()), pattern);
  });

  it('files of one folder must share their channels', async () => {
    file('mixed/a.csv', 'timestamp,x,y\n' + rows(5, (i) => `${ts(i)},${i},${i * 2}`) + '\n');
    file('mixed/b.csv', 'timestamp,x,z\n' + rows(5, (i) => `${ts(i)},${i},${i * 3}`) + '\n');
    await expectImportError(
      loadDataset(path.join(dir, 'mixed')),
      /b\.csv: has sensor columns \[z\] that a\.csv lacks and lacks \[y\] of a\.csv/,
    );
  });

  it('the CLI prints the error and exits 1, and bad options exit 2', async () => {
    const r = await cli(['import', file('e2.csv', '')]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^stacklab import: .*e2\.csv: is empty/);
    expect((await cli(['import', 'x.csv', '--delimiter', ':'])).code).toBe(2);
    expect((await cli(['import'])).err).toMatch(/give one file or folder/);
  });
});

describe('a run column: one series per run', () => {
  // Three runs in one file: R1, R2, then R1 again (a run that comes back is a series of its own).
  const runFile = () =>
    file(
      'rig/runs.csv',
      'time,run_id,a,b,status\n' +
        rows(
          180,
          (i) =>
            `${ts(i)},${i < 60 ? 'R1' : i < 120 ? 'R2' : 'R1'},${i === 60 ? '' : (i % 7) + (i < 60 ? 0 : 100)},${i % 5},${i % 60 > 50 ? 'fault' : 'ok'}`,
        ),
    );

  it('finds a column named like a run id and splits the file at each change of its value', async () => {
    const ds = await loadDataset(runFile());
    expect(ds.series.map((s) => [path.basename(s.path), s.rows])).toEqual([
      ['runs.csv#R1', 60],
      ['runs.csv#R2', 60],
      ['runs.csv#R1 (2)', 60],
    ]);
    expect(ds.channels).toEqual(['a', 'b']);
    expect(ds.profile.files[1]!.seriesColumn).toEqual({ name: 'run_id', value: 'R2' });
    expect(ds.profile.dataset).toMatchObject({ files: 1, series: 3 });
    // Each run keeps its own rows, labels and timestamps.
    expect([...ds.series[1]!.channels[0]!.values.subarray(1, 4)]).toEqual([61, 62, 63].map((i) => 100 + (i % 7)));
    expect(ds.series[1]!.timestamps![0]).toBe(Date.parse(`${ts(60)}Z`));
    expect([...ds.series[2]!.label!]).toEqual(Array.from({ length: 60 }, (_, k) => (k > 50 ? 1 : 0)));
    // A gap at a run's first row is not filled from the run before it.
    expect(Number.isNaN(ds.series[1]!.channels[0]!.values[0]!)).toBe(true);
    // With several series, each is standardised by its own training rows.
    expect(splitByTime(ds).normalization.mode).toBe('per-series');
  });

  it('is the user’s choice: --series-column names another column, or none keeps one series', async () => {
    const f = runFile();
    expect((await loadDataset(f, { roles: { series: null } })).series).toHaveLength(1);
    // A column not named like a run id is a text column until the user names it.
    const lots = file('rig/lots.csv', 'time,lot,a\n' + rows(40, (i) => `${ts(i)},${i < 20 ? 'L-7' : 'L-8'},${i % 3}`));
    expect((await loadDataset(lots)).series).toHaveLength(1);
    const byLot = await loadDataset(lots, { roles: { series: 'lot' } });
    expect(byLot.series.map((x) => path.basename(x.path))).toEqual(['lots.csv#L-7', 'lots.csv#L-8']);
    const r = await cli(['import', f, '--series-column', 'none', '--json']);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out.at(-1)!).dataset.series).toBe(1);
    const t = await cli(['import', f]);
    expect(t.out.join('\n')).toContain('runs.csv#R2\n');
    expect(t.out.join('\n')).toContain('  run: run_id = R2\n');
    expect(t.out.join('\n')).toMatch(/data set: 1 file \(3 series: one per run\)/);
    await expect(loadDataset(f, { roles: { series: 'nope' } })).rejects.toThrow(/no column named "nope"/);
  });
});
