/**
 * `npm run bench -- estimate [--data plant,multi-run,tep,nab] [--preset P] [--steps T]
 *  [--variants a,b] [--seeds N] [--device D] [--shared DIR] [--json]`
 *
 * How far the Variants step's cost estimate (`train.estimate`) is from what the job then takes:
 * for each data set, the estimate (of one seed unless --seeds), then the job trained through the same services,
 * and the ratio of what it took to the estimate: per run (the run's own wall-clock, report.json)
 * and for the whole job (from Start until it is finished, final evaluation included).
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createServices, servicesAsApi } from '../src/engine/services';
import type { ImportRequest } from '../src/shared/import';
import type { JobInfo } from '../src/shared/jobs';
import type { DeviceChoice } from '../src/shared/system';
import type { Variant } from '../src/shared/growth';
import type { PresetName } from '../src/shared/presets';

const SETS: Record<string, (shared: string) => ImportRequest> = {
  plant: () => ({ source: { kind: 'sample' } }),
  'multi-run': () => ({ source: { kind: 'sample', sample: 'multi-run' } }),
  tep: (shared) => ({ source: { kind: 'path', path: path.join(shared, 'tep') } }),
  nab: (shared) => ({
    source: {
      kind: 'path',
      path: path.join(shared, 'nab', 'machine_temperature_system_failure.csv'),
      labels: path.join(shared, 'nab', 'machine_temperature_windows.json'),
    },
  }),
};

export async function benchEstimate(argv: string[]): Promise<string> {
  const { values } = parseArgs({
    args: argv,
    options: {
      data: { type: 'string', default: 'plant,multi-run,tep,nab' },
      preset: { type: 'string', default: 'tiny' },
      steps: { type: 'string', default: '300' },
      variants: { type: 'string', default: 'baseline,midas' },
      seeds: { type: 'string', default: '1' },
      device: { type: 'string', default: 'cpu' },
      shared: { type: 'string', default: path.resolve('..', 'shared', 'data') },
      json: { type: 'boolean', default: false },
    },
  });
  const s = createServices({
    host: 'cli',
    runsDir: mkdtempSync(path.join(os.tmpdir(), 'stacklab-bench-estimate-')),
    configDir: mkdtempSync(path.join(os.tmpdir(), 'stacklab-bench-config-')),
  });
  const api = servicesAsApi(s);
  const rows: { data: string; variant: string; estimated: number; actual: number }[] = [];
  const jobs: { data: string; estimated: number; actual: number }[] = [];
  for (const name of values.data.split(',')) {
    const make = SETS[name];
    if (!make) throw new Error(`unknown data set "${name}" (known: ${Object.keys(SETS).join(', ')})`);
    const { datasetId } = await api.invoke('data.import', make(values.shared));
    const plan = {
      datasetId,
      variants: values.variants.split(',') as Variant[],
      preset: values.preset as PresetName,
      steps: Number(values.steps),
      seeds: Number(values.seeds),
      device: values.device as DeviceChoice,
    };
    const estimate = await api.invoke('train.estimate', plan);
    const t0 = performance.now();
    const job = await api.invoke('jobs.start', plan);
    const done = await new Promise<JobInfo>((resolve) => {
      const off = api.on('jobs.changed', (j) => {
        if (j.id === job.id && j.status !== 'running') {
          off();
          resolve(j);
        }
      });
    });
    jobs.push({ data: name, estimated: estimate.totalSeconds, actual: (performance.now() - t0) / 1000 });
    if (done.status !== 'finished')
      throw new Error(`${name}: the job ${done.status}${done.error ? `: ${done.error}` : ''}`);
    for (const r of done.runs)
      rows.push({
        data: name,
        variant: r.name,
        estimated: estimate.variants.find((v) => v.variant === r.name)!.seconds,
        actual: (r.wallMs ?? 0) / 1000,
      });
  }
  await s.jobs.idle();
  if (values.json) return JSON.stringify({ runs: rows, jobs });
  const ratios = rows.map((r) => r.actual / r.estimated);
  const jobRatios = jobs.map((j) => j.actual / j.estimated);
  const range = (xs: number[]) =>
    `${Math.min(...xs).toFixed(2)} to ${Math.max(...xs).toFixed(2)}, geometric mean ${Math.exp(xs.reduce((a, x) => a + Math.log(x), 0) / xs.length).toFixed(2)}`;
  const lines = [
    `estimate bench: preset ${values.preset}, ${values.steps} steps, ${values.variants}, ${values.seeds} seed(s), device ${values.device}`,
    `  ${'data'.padEnd(10)} ${'variant'.padEnd(10)} ${'estimated'.padStart(10)} ${'actual'.padStart(8)} ${'actual/est'.padStart(10)}`,
    ...rows.map(
      (r) =>
        `  ${r.data.padEnd(10)} ${r.variant.padEnd(10)} ${`${r.estimated.toFixed(1)} s`.padStart(10)} ${`${r.actual.toFixed(1)} s`.padStart(8)} ${(r.actual / r.estimated).toFixed(2).padStart(10)}`,
    ),
    `  runs: actual/estimated ${range(ratios)}`,
    ...jobs.map(
      (j) =>
        `  job ${j.data.padEnd(10)} estimated ${j.estimated.toFixed(1)} s, took ${j.actual.toFixed(1)} s (${(j.actual / j.estimated).toFixed(2)})`,
    ),
    `  jobs: actual/estimated ${range(jobRatios)}`,
  ];
  return lines.join('\n');
}
