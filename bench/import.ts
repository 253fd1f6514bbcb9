/**
 * `npm run bench -- import [--rows N] [--cols C] [--file F]`: streaming import speed and peak
 * memory. Generates a CSV of N rows × (timestamp + C channels + label) once (default 10 million ×
 * 12, about 1 GB, in .cache/bench/), then imports it in a fresh Node process and reports MB/s and
 * that process's peak RSS.
 */
import { execFile } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, statSync } from 'node:fs';
import { parseArgs, promisify } from 'node:util';

async function generate(file: string, rows: number, cols: number): Promise<void> {
  mkdirSync('.cache/bench', { recursive: true });
  const out = createWriteStream(file);
  const write = (s: string) =>
    new Promise<void>((resolve) => (out.write(s) ? resolve() : out.once('drain', () => resolve())));
  await write(`timestamp,${Array.from({ length: cols }, (_, c) => `sensor_${c + 1}`).join(',')},label\n`);
  const t0 = Date.UTC(2024, 0, 1);
  let buf = '';
  for (let r = 0; r < rows; r++) {
    const d = new Date(t0 + r * 1000).toISOString();
    let line = `${d.slice(0, 10)} ${d.slice(11, 19)}`;
    for (let c = 0; c < cols; c++) line += `,${(Math.sin(r / (c + 7)) * (100 + c) + (r % 97) / 100).toFixed(4)}`;
    buf += `${line},${r % 5000 < 20 ? 1 : 0}\n`;
    if (buf.length > 1 << 20) {
      await write(buf);
      buf = '';
    }
  }
  await write(buf);
  await new Promise<void>((resolve) => out.end(() => resolve()));
}

export async function benchImport(argv: string[]): Promise<string> {
  const { values } = parseArgs({
    args: argv,
    options: {
      rows: { type: 'string', default: '10000000' },
      cols: { type: 'string', default: '12' },
      file: { type: 'string' },
      runs: { type: 'string', default: '3' },
      json: { type: 'boolean' },
    },
  });
  const rows = Number(values.rows);
  const cols = Number(values.cols);
  const file = values.file ?? `.cache/bench/import-${rows}x${cols}.csv`;
  if (!existsSync(file)) await generate(file, rows, cols);
  const bytes = statSync(file).size;
  // Each run in a fresh process, so that its peak RSS is the import's alone (VmHWM, which unlike
  // getrusage's maxrss is not inherited from the parent across fork and exec).
  const child = `
    import { readFileSync } from 'node:fs';
    import { loadDataset } from './src/engine/data/dataset.ts';
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const ds = await loadDataset(${JSON.stringify(file)});
    const s = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(c0);
    console.log(JSON.stringify({ seconds: s, cpuSeconds: (cpu.user + cpu.system) / 1e6, rows: ds.profile.dataset.rows, channels: ds.channels.length, maxRssBytes: Number(/VmHWM:\\s+(\\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1]) * 1024 }));`;
  const runs: { seconds: number; cpuSeconds: number; rows: number; channels: number; maxRssBytes: number }[] = [];
  for (let i = 0; i < Number(values.runs); i++) {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', child],
      { maxBuffer: 1 << 20 },
    );
    runs.push(JSON.parse(stdout.trim().split('\n').at(-1)!));
  }
  const secs = runs.map((r) => r.seconds).sort((a, b) => a - b);
  const median = secs[Math.floor(secs.length / 2)]!;
  const r = runs[0]!;
  const result = {
    file,
    bytes,
    rows: r.rows,
    channels: r.channels,
    seconds: secs,
    medianMbPerSec: bytes / 1e6 / median,
    bestMbPerSec: bytes / 1e6 / secs[0]!,
    cpuSeconds: runs.map((x) => x.cpuSeconds),
    peakRssMB: Math.max(...runs.map((x) => x.maxRssBytes)) / 1e6,
  };
  return [
    `import bench: ${file} (${(bytes / 1e9).toFixed(2)} GB, ${r.rows} rows × ${r.channels} channels), ${runs.length} runs`,
    `  wall ${secs.map((x) => x.toFixed(1)).join(' / ')} s: median ${result.medianMbPerSec.toFixed(1)} MB/s, best ${result.bestMbPerSec.toFixed(1)} MB/s; CPU ${result.cpuSeconds.map((x) => x.toFixed(1)).join(' / ')} s; peak RSS ${result.peakRssMB.toFixed(0)} MB`,
    ...(values.json ? [JSON.stringify(result)] : []),
  ].join('\n');
}
