/**
 * `npm run bench -- fuzz [--cases N] [--seed S]`: hostile input for the importer, with time and
 * peak memory. Part 1 imports N seeded malformed CSVs (tests/helpers/malformed-csv.ts) in this
 * process and counts outcomes per mutation; part 2 imports each large hostile file (a 30 MB
 * line, a 100,000-column header, an unclosed quote, 130,000 label events, a 30-year jump
 * resampled) in a fresh Node process, so that its peak RSS is that import's alone (VmHWM: the
 * high-water mark of the process image, which, unlike getrusage's maxrss, does not inherit the
 * parent's size across fork and exec).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { runCli } from '../src/engine/cli/run';
import { malformedCsvs } from '../tests/helpers/malformed-csv';

const DIR = '.cache/bench/fuzz';

function bigFiles(): { name: string; what: string; write: (file: string) => void; args?: string[] }[] {
  const ts = (i: number, stepMs = 60_000) =>
    new Date(Date.UTC(2024, 0, 1) + i * stepMs).toISOString().replace('T', ' ').slice(0, 19);
  const lines = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i)).join('\n') + '\n';
  return [
    {
      name: 'one-line-30mb.csv',
      what: '30 MB of numbers without a line break',
      write: (f) => writeFileSync(f, '1.5,'.repeat(7.5 * 2 ** 20)),
    },
    {
      name: 'wide-100k.csv',
      what: '100,000 columns × 20 rows of numbers',
      write: (f) =>
        writeFileSync(
          f,
          Array.from({ length: 100_000 }, (_, c) => `s${c}`).join(',') +
            '\n' +
            lines(20, (r) => Array.from({ length: 100_000 }, (_, c) => ((r * 31 + c * 17) % 97) / 10).join(',')),
        ),
    },
    {
      name: 'unclosed-quote.csv',
      what: 'an unclosed quote on line 42 of a 20 MB file',
      write: (f) =>
        writeFileSync(
          f,
          'timestamp,x,note\n' +
            lines(40, (i) => `${ts(i)},${i % 7},ok`) +
            `${ts(41)},3,"broken\n` +
            lines(100_000, (i) => `${ts(42 + i)},${i % 7},${'z'.repeat(200)}`),
        ),
    },
    {
      name: 'events-130k.csv',
      what: '130,000 label events in 260,000 rows',
      write: (f) => writeFileSync(f, 'x,y,label\n' + lines(260_000, (i) => `${i % 13},${i % 7},${i % 2}`)),
    },
    {
      name: 'jump-30y.csv',
      what: '--resample over a 30-year jump at 1 s',
      args: ['--resample'],
      write: (f) =>
        writeFileSync(f, 'timestamp,x\n' + lines(2000, (i) => `${ts(i, 1000)},${i % 13}`) + '2054-01-01 00:00:00,3\n'),
    },
    {
      name: 'cr-only.csv',
      what: '1,000,000 rows ended by CR alone',
      write: (f) =>
        writeFileSync(
          f,
          'timestamp,a,b\r' +
            Array.from({ length: 1_000_000 }, (_, i) => `${ts(i, 1000)},${i % 13},${i % 7}`).join('\r') +
            '\r',
        ),
    },
  ];
}

export async function benchFuzz(argv: string[]): Promise<string> {
  const { values } = parseArgs({
    args: argv,
    options: {
      cases: { type: 'string', default: '1000' },
      seed: { type: 'string', default: '20261201' },
      json: { type: 'boolean' },
    },
  });
  mkdirSync(DIR, { recursive: true });
  const cases = malformedCsvs(Number(values.seed), Number(values.cases));
  const perKind = new Map<string, { imported: number; refused: number; other: number }>();
  const problems: string[] = [];
  let slowest = { name: '', ms: 0 };
  let longestMessage = 0;
  const t0 = performance.now();
  for (const c of cases) {
    const file = path.join(DIR, c.name);
    writeFileSync(file, c.bytes);
    const err: string[] = [];
    const start = performance.now();
    const code = await runCli(['import', file], { out: () => {}, err: (l) => err.push(l) });
    const ms = performance.now() - start;
    if (ms > slowest.ms) slowest = { name: `${c.name} (${c.kinds.join(' + ')})`, ms };
    const message = err.join('\n');
    const ok = code === 0 || (code === 1 && message.includes(c.name) && message.length < 500);
    if (!ok) problems.push(`${c.name} (${c.kinds.join(' + ')}): exit ${code}: ${message.slice(0, 300)}`);
    if (code === 1) longestMessage = Math.max(longestMessage, message.length);
    for (const k of c.kinds) {
      const row = perKind.get(k) ?? { imported: 0, refused: 0, other: 0 };
      if (!ok) row.other++;
      else if (code === 0) row.imported++;
      else row.refused++;
      perKind.set(k, row);
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  const inProcessPeakMB = (process.resourceUsage().maxRSS * 1024) / 1e6;

  const big: { name: string; what: string; code: number; seconds: number; peakRssMB: number; message: string }[] = [];
  for (const b of bigFiles()) {
    const file = path.join(DIR, b.name);
    b.write(file);
    const child = `
      import { readFileSync } from 'node:fs';
      import { runCli } from './src/engine/cli/run.ts';
      const err = [];
      const t = performance.now();
      const code = await runCli(['import', ${JSON.stringify(file)}, ...${JSON.stringify(b.args ?? [])}], { out: () => {}, err: (l) => err.push(l) });
      console.log(JSON.stringify({ code, seconds: (performance.now() - t) / 1000, peakRssMB: Number(/VmHWM:\\s+(\\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1]) * 1024 / 1e6, message: err.join(' ') }));`;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', child],
      { maxBuffer: 1 << 22, timeout: 120_000 },
    );
    big.push({ name: b.name, what: b.what, ...JSON.parse(stdout.trim().split('\n').at(-1)!) });
  }

  const kinds = [...perKind].sort((a, b) => a[0].localeCompare(b[0]));
  return [
    `fuzz bench: ${cases.length} malformed CSVs (seed ${values.seed}) in ${seconds.toFixed(1)} s, peak RSS of the whole loop ${inProcessPeakMB.toFixed(0)} MB`,
    `  slowest: ${slowest.name} ${slowest.ms.toFixed(0)} ms; longest error message ${longestMessage} characters; problems: ${problems.length}`,
    ...problems.slice(0, 20).map((p) => `  PROBLEM ${p}`),
    '',
    '| mutation | cases | imported | refused (exit 1, file named) | other |',
    '|---|---:|---:|---:|---:|',
    ...kinds.map(
      ([k, r]) => `| ${k} | ${r.imported + r.refused + r.other} | ${r.imported} | ${r.refused} | ${r.other} |`,
    ),
    '',
    '| large hostile file | exit | seconds | peak RSS (fresh process) | message |',
    '|---|---:|---:|---:|---|',
    ...big.map(
      (b) =>
        `| ${b.what} | ${b.code} | ${b.seconds.toFixed(2)} | ${b.peakRssMB.toFixed(0)} MB | ${b.message.replace(/\|/g, '\\|').slice(0, 160)} |`,
    ),
    ...(values.json ? [JSON.stringify({ cases: cases.length, seconds, inProcessPeakMB, problems, kinds, big })] : []),
  ].join('\n');
}
