/**
 * `npm run bench -- formats [--long-seconds N] [--xlsx-rows N] [--parquet-rows N] [--runs R] [--only K]`:
 * import speed (MB/s of the file) and peak memory of the formats of issue 26 against a CSV of the
 * same data: a historian's long table (about 1 GB: 20 tags at 1 to 60 s, a quality column) against
 * the wide CSV of its pivoted grid, an Excel workbook (about 100 MB) and a Parquet file (about
 * 1 GB) each against the CSV of the same rows. Files are generated once into .cache/bench/; each
 * import runs in a fresh process (peak RSS is its own).
 */
import ExcelJS from 'exceljs';
import { parquetWriteFile } from 'hyparquet-writer';
import { execFile } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, statSync } from 'node:fs';
import { parseArgs, promisify } from 'node:util';

const DIR = '.cache/bench';
const T0 = Date.UTC(2024, 0, 1);
/** The tags' sampling intervals (s): a historian's mix of fast loops and slow analysers. */
const RATES = [1, 1, 1, 1, 2, 2, 5, 5, 5, 5, 10, 10, 10, 15, 30, 30, 60, 60, 60, 60];
const value = (r: number, c: number) => Math.sin(r / (c + 7)) * (100 + c) + (r % 97) / 100;

async function writeLines(file: string, header: string, rows: number, line: (r: number) => string | null) {
  mkdirSync(DIR, { recursive: true });
  const out = createWriteStream(file);
  const write = (s: string) => new Promise<void>((res) => (out.write(s) ? res() : out.once('drain', () => res())));
  await write(`${header}\n`);
  let buf = '';
  for (let r = 0; r < rows; r++) {
    const l = line(r);
    if (l !== null) buf += l;
    if (buf.length > 1 << 20) {
      await write(buf);
      buf = '';
    }
  }
  await write(buf);
  await new Promise<void>((res) => out.end(() => res()));
}

const stamp = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');

/** The long table: second s holds a reading of every tag whose interval divides s; 1 in 1,000 is bad. */
async function longFiles(seconds: number) {
  const long = `${DIR}/long-${seconds}s.csv`;
  const wide = `${DIR}/long-${seconds}s-wide.csv`;
  if (!existsSync(long))
    await writeLines(long, 'timestamp,tag,value,quality', seconds, (s) => {
      let out = '';
      const t = stamp(T0 + s * 1000);
      for (let k = 0; k < RATES.length; k++)
        if (s % RATES[k]! === 0)
          out += `${t},UNIT1.TAG${String(k + 1).padStart(2, '0')}.PV,${value(s, k).toFixed(4)},${(s + k) % 1000 === 0 ? 'Bad' : 'Good'}\n`;
      return out;
    });
  // The same data as the importer's grid (10 s, the median of the tags' intervals), one column a tag.
  if (!existsSync(wide))
    await writeLines(
      wide,
      `timestamp,${RATES.map((_, k) => `UNIT1.TAG${String(k + 1).padStart(2, '0')}.PV`).join(',')}`,
      Math.floor(seconds / 10),
      (g) => {
        const s = g * 10;
        return `${stamp(T0 + s * 1000)},${RATES.map((rate, k) => value(s - (s % rate), k).toFixed(4)).join(',')}\n`;
      },
    );
  return { file: long, same: wide };
}

/** rows × (timestamp + 12 channels): the CSV, and the workbook or Parquet file of the same rows. */
async function wideCsv(rows: number) {
  const file = `${DIR}/wide-${rows}.csv`;
  if (!existsSync(file))
    await writeLines(
      file,
      `timestamp,${Array.from({ length: 12 }, (_, c) => `sensor_${c + 1}`).join(',')}`,
      rows,
      (r) => `${stamp(T0 + r * 1000)},${Array.from({ length: 12 }, (_, c) => value(r, c).toFixed(4)).join(',')}\n`,
    );
  return file;
}

async function xlsxFile(rows: number) {
  const file = `${DIR}/wide-${rows}.xlsx`;
  if (existsSync(file)) return file;
  mkdirSync(DIR, { recursive: true });
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: file, useSharedStrings: false, useStyles: true });
  const ws = wb.addWorksheet('Data');
  ws.addRow(['timestamp', ...Array.from({ length: 12 }, (_, c) => `sensor_${c + 1}`)]).commit();
  for (let r = 0; r < rows; r++) {
    const row = ws.addRow([
      new Date(T0 + r * 1000),
      ...Array.from({ length: 12 }, (_, c) => Number(value(r, c).toFixed(4))),
    ]);
    row.getCell(1).numFmt = 'yyyy-mm-dd hh:mm:ss';
    row.commit();
  }
  ws.commit();
  await wb.commit();
  return file;
}

async function parquetFile(rows: number) {
  const file = `${DIR}/wide-${rows}.parquet`;
  if (existsSync(file)) return file;
  mkdirSync(DIR, { recursive: true });
  const columns = Array.from({ length: 12 }, (_, c) => ({
    name: `sensor_${c + 1}`,
    data: Float64Array.from({ length: rows }, (_, r) => Number(value(r, c).toFixed(4))),
    type: 'DOUBLE' as const,
  }));
  await parquetWriteFile({
    filename: file,
    columnData: [
      { name: 'timestamp', data: Array.from({ length: rows }, (_, r) => new Date(T0 + r * 1000)), type: 'TIMESTAMP' },
      ...columns,
    ],
    rowGroupSize: 1_000_000,
  });
  return file;
}

interface Run {
  seconds: number;
  rows: number;
  channels: number;
  maxRssBytes: number;
}

/** One import in a fresh Node process: its wall time and its own peak RSS (VmHWM). */
async function importOnce(file: string): Promise<Run> {
  const child = `
    import { readFileSync } from 'node:fs';
    import { loadDataset } from './src/engine/data/dataset.ts';
    const t0 = performance.now();
    const ds = await loadDataset(${JSON.stringify(file)});
    console.log(JSON.stringify({ seconds: (performance.now() - t0) / 1000, rows: ds.profile.dataset.rows, channels: ds.channels.length, maxRssBytes: Number(/VmHWM:\\s+(\\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1]) * 1024 }));`;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--max-old-space-size=16384', '--import', 'tsx', '--input-type=module', '-e', child],
    { maxBuffer: 1 << 20 },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Run;
}

async function measure(file: string, runs: number) {
  const bytes = statSync(file).size;
  const all: Run[] = [];
  for (let i = 0; i < runs; i++) all.push(await importOnce(file));
  const best = Math.min(...all.map((r) => r.seconds));
  return {
    file,
    mb: bytes / 1e6,
    rows: all[0]!.rows,
    channels: all[0]!.channels,
    seconds: best,
    mbPerSec: bytes / 1e6 / best,
    peakRssMB: Math.max(...all.map((r) => r.maxRssBytes)) / 1e6,
  };
}

export async function benchFormats(argv: string[]): Promise<string> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'long-seconds': { type: 'string', default: '3400000' },
      'xlsx-rows': { type: 'string', default: '1500000' },
      'parquet-rows': { type: 'string', default: '10000000' },
      runs: { type: 'string', default: '1' },
      only: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  const runs = Number(values.runs);
  const want = (k: string) => !values.only || values.only.split(',').includes(k);
  const pairs: { kind: string; file: string; same: string }[] = [];
  if (want('long')) pairs.push({ kind: 'long table', ...(await longFiles(Number(values['long-seconds']))) });
  if (want('xlsx')) {
    const rows = Number(values['xlsx-rows']);
    pairs.push({ kind: 'Excel workbook', file: await xlsxFile(rows), same: await wideCsv(rows) });
  }
  if (want('parquet')) {
    const rows = Number(values['parquet-rows']);
    pairs.push({ kind: 'Parquet', file: await parquetFile(rows), same: await wideCsv(rows) });
  }
  const lines = [
    'format            file MB   rows × channels        import s   MB/s   peak RSS MB   | same data as CSV: MB   s   MB/s   peak RSS MB',
  ];
  const results = [];
  for (const p of pairs) {
    const a = await measure(p.file, runs);
    const b = await measure(p.same, runs);
    results.push({ kind: p.kind, format: a, csv: b });
    lines.push(
      `${p.kind.padEnd(16)} ${a.mb.toFixed(0).padStart(8)}   ${`${a.rows} × ${a.channels}`.padEnd(20)} ${a.seconds.toFixed(1).padStart(8)} ${a.mbPerSec.toFixed(1).padStart(6)} ${a.peakRssMB.toFixed(0).padStart(12)}   | ${b.mb.toFixed(0).padStart(22)} ${b.seconds.toFixed(1).padStart(5)} ${b.mbPerSec.toFixed(1).padStart(6)} ${b.peakRssMB.toFixed(0).padStart(12)}`,
    );
  }
  return [...lines, ...(values.json ? [JSON.stringify(results)] : [])].join('\n');
}
