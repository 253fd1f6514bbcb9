/**
 * `npm run bench -- detection [--data multi-run,tep,nab] [--preset P] [--steps T] [--seeds N]
 *  [--device D] [--out DIR] [--shared DIR] [--json]`
 *
 * The product's own comparison (`stacklab train`, default options) on the multi-run sample and
 * on real data sets kept outside the repository (`--shared DIR`, default ../shared/data: the
 * TEP folder, NAB's machine temperature with its label windows), reduced to what decides
 * whether a detector works: per variant VUS-PR, AUC-ROC,
 * point-wise F1 and false-alarm rate, whether it is usable here, against the random scores, the
 * best classical detector and alarming on every row.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runCli } from '../src/engine/cli/run';
import { variantLabel } from '../src/shared/growth';

interface Interval {
  mean: number;
  lo: number;
  hi: number;
}
interface Summary {
  data: { split: string; normalization: string; series: number };
  variants: {
    variant: string;
    usable: boolean | null;
    speedupInterval: Interval | null;
    metrics: Record<string, Interval>;
  }[];
  baselines: {
    name: string;
    label: string;
    kind: string;
    usable?: boolean | null;
    metrics: Record<string, Interval>;
  }[];
  prevalence: number | null;
  verdict: string;
}

const SETS: Record<string, (shared: string) => string[]> = {
  'multi-run': () => ['--sample', 'multi-run'],
  tep: (shared) => ['--data', path.join(shared, 'tep')],
  nab: (shared) => [
    '--data',
    path.join(shared, 'nab', 'machine_temperature_system_failure.csv'),
    '--labels',
    path.join(shared, 'nab', 'machine_temperature_windows.json'),
  ],
};

const f3 = (x: Interval | undefined) => (x && Number.isFinite(x.mean) ? x.mean.toFixed(3) : '–');
const pm = (x: Interval | undefined) =>
  x && Number.isFinite(x.mean) ? `${x.mean.toFixed(3)} ±${((x.hi - x.lo) / 2).toFixed(3)}` : '–';

/** One markdown table per data set: the variants, then random, the best usable classical detector and alarm-everywhere. */
export function detectionTable(name: string, s: Summary): string {
  const detectors = s.baselines.filter((b) => b.kind === 'detector' && b.name !== 'random');
  const best = [...detectors].sort((a, b) => (b.metrics.vusPr?.mean ?? -1) - (a.metrics.vusPr?.mean ?? -1))[0];
  const random = s.baselines.find((b) => b.name === 'random');
  const always = s.baselines.find((b) => b.name === 'always-alarm');
  const row = (label: string, usable: boolean | null | undefined, m: Record<string, Interval>) =>
    `| | ${label} | ${usable === undefined || usable === null ? '' : usable ? 'yes' : '**no**'} | ${pm(m.vusPr)} | ${pm(m.aucRoc)} | ${pm(m.f1)} | ${f3(m.falseAlarmRate)} |`;
  const lines = [
    `| ${name} (${s.data.series} series, ${s.prevalence === null ? '?' : (100 * s.prevalence).toFixed(1)}% anomalous test rows) | detector | usable | VUS-PR | AUC-ROC | F1 | false-alarm rate |`,
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...s.variants.map((v) => row(variantLabel(v.variant), v.usable, v.metrics)),
    ...(random ? [row('random scores', random.usable, random.metrics)] : []),
    ...(best ? [row(`best classical: ${best.label}`, best.usable, best.metrics)] : []),
    ...(always ? [row('alarm on every row', null, always.metrics)] : []),
  ];
  return lines.join('\n');
}

export async function benchDetection(argv: string[]): Promise<string> {
  const { values } = parseArgs({
    args: argv,
    options: {
      data: { type: 'string', default: 'multi-run,tep,nab' },
      preset: { type: 'string', default: 'tiny' },
      steps: { type: 'string', default: '600' },
      seeds: { type: 'string', default: '3' },
      device: { type: 'string', default: 'cpu' },
      variants: { type: 'string', default: 'baseline,gradstack,midas' },
      out: { type: 'string' },
      shared: { type: 'string', default: path.resolve('..', 'shared', 'data') },
      json: { type: 'boolean' },
    },
  });
  const out = values.out ?? mkdtempSync(path.join(os.tmpdir(), 'stacklab-bench-detection-'));
  const parts: string[] = [];
  const results: Record<string, Summary> = {};
  for (const name of values.data.split(',')) {
    const set = SETS[name];
    if (!set) throw new Error(`unknown data set "${name}" (known: ${Object.keys(SETS).join(', ')})`);
    const dir = path.join(out, name);
    const err: string[] = [];
    const io = { out: () => undefined, err: (l: string) => err.push(l) };
    const t0 = performance.now();
    const code = await runCli(
      [
        'train',
        ...set(values.shared),
        '--variants',
        values.variants,
        '--preset',
        values.preset,
        '--steps',
        values.steps,
        '--seeds',
        values.seeds,
        '--device',
        values.device,
        '--out',
        dir,
        '--html',
        `${dir}.html`,
      ],
      io,
    );
    if (code !== 0) throw new Error(`training on ${name} failed (exit ${code}): ${err.slice(-3).join(' / ')}`);
    const seconds = (performance.now() - t0) / 1000;
    const lines: string[] = [];
    await runCli(['compare', dir, '--json'], { out: (l) => lines.push(l), err: () => undefined });
    const s = JSON.parse(lines.at(-1)!) as Summary;
    results[name] = s;
    parts.push(
      `${detectionTable(name, s)}\n\nsplit: ${s.data.split}; normalisation ${s.data.normalization}; ${seconds.toFixed(0)} s; run folders in ${dir}\n\nverdict:\n${s.verdict
        .split('\n')
        .map((l) => `- ${l}`)
        .join('\n')}`,
    );
  }
  return parts.join('\n\n') + (values.json ? `\n${JSON.stringify(results)}` : '');
}
