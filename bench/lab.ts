/**
 * `npm run bench -- lab [--d 256] [--heads 8] [--layers 8] [--mlp 1024] [--seq 256] [--batch 64]
 *   [--steps 3000] [--val-every 500] [--variants baseline] [--seeds 1] [--device D] [--precision P]
 *   [--corpus-bytes N] [--mix k=v,…] [--lr R] [--lab-items N] [--shots K] [--block b] [--out DIR]
 *   [--seed S] [--resume] [--deadline SECONDS]`
 *
 * Sizing the reasoning lab: trains token models of any width, depth and context on the generated
 * corpus (the lab presets fix these; this bench is how they were chosen) and prints, at every
 * validation point, the validation loss and each primitive's accuracy, with the training ms/step
 * (validation left out). The runs are ordinary run folders under --out; `--read DIR` prints the
 * readings of the run folders in DIR so far (a run cut short included).
 *
 * For a job spread over processes and calls of a lent GPU: `--seed S` trains seeds S..S+N−1 (the
 * folders are named as a job's), `--deadline` stops the runs after that many seconds with a
 * checkpoint (they report "cancelled"), and `--resume` continues them exactly from it.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { corpusDataset, loadLabCorpus } from '../src/engine/data/corpus';
import { LAB_PRESETS } from '../src/engine/models/patch-transformer';
import { planJob, resolvePlan } from '../src/engine/runs/plan';
import { runTraining } from '../src/engine/runs/runner';
import { threadExecutor } from '../src/engine/runs/executor';
import { memoryGate, runMemoryBytes } from '../src/engine/runs/parallel';
import type { RunEvent, RunReport } from '../src/engine/runs/types';
import { resolveDevice } from '../src/engine/runtime/resolve';
import type { Variant } from '../src/shared/growth';
import { parseMix, PRIMITIVE_NAMES } from '../src/shared/lab';
import type { Precision } from '../src/shared/precision';
import type { DeviceChoice } from '../src/shared/system';

const SHORT: Readonly<Record<string, string>> = {
  copy: 'copy',
  'assign-math-0': 'am0',
  'assign-math-1': 'am1',
  'assign-math-2': 'am2',
  'assign-code-0': 'ac0',
  'assign-code-1': 'ac1',
  'assign-code-2': 'ac2',
  math: 'math',
  'hop-1': 'h1',
  'hop-2': 'h2',
  'hop-4': 'h4',
  'hop-8': 'h8',
};

export async function benchLab(argv: string[]): Promise<string> {
  const { values } = parseArgs({
    args: argv,
    options: {
      d: { type: 'string', default: '256' },
      heads: { type: 'string', default: '8' },
      layers: { type: 'string', default: '8' },
      mlp: { type: 'string' },
      seq: { type: 'string', default: '256' },
      batch: { type: 'string', default: '64' },
      steps: { type: 'string', default: '3000' },
      'val-every': { type: 'string' },
      variants: { type: 'string', default: 'baseline' },
      seeds: { type: 'string', default: '1' },
      seed: { type: 'string', default: '1' },
      resume: { type: 'boolean' },
      deadline: { type: 'string' },
      device: { type: 'string', default: 'cpu' },
      precision: { type: 'string', default: 'fp32' },
      'corpus-bytes': { type: 'string', default: String(4 * 2 ** 20) },
      'corpus-seed': { type: 'string', default: '1' },
      mix: { type: 'string' },
      lr: { type: 'string', default: '0.001' },
      'lab-items': { type: 'string', default: '64' },
      shots: { type: 'string', default: '5' },
      block: { type: 'string' },
      out: { type: 'string' },
      json: { type: 'boolean' },
      read: { type: 'string' },
      /** Runs at once, each in a worker thread of this process (the thread executor); 1: one after another here. */
      parallel: { type: 'string', default: '1' },
    },
  });
  if (values.read) {
    const dirs = readdirSync(values.read, { withFileTypes: true }).filter((e) => e.isDirectory());
    return dirs.flatMap((e) => ['', e.name, ...pointsTable(path.join(values.read!, e.name))]).join('\n');
  }
  const num = (k: keyof typeof values) => Number(values[k]);
  const mix = values.mix ? parseMix(values.mix) : undefined;
  if (typeof mix === 'string') throw new Error(`--mix: ${mix}`);
  const corpus = await loadLabCorpus({
    kind: 'lab',
    seed: num('corpus-seed'),
    bytes: num('corpus-bytes'),
    ...(mix ? { mix } : {}),
  });
  const dataset = corpusDataset(corpus, corpus.description);
  const layers = num('layers');
  const steps = num('steps');
  const plan = resolvePlan({
    preset: 'small',
    variants: values.variants.split(',') as Variant[],
    seeds: num('seeds'),
    layers,
    ...(values.block ? { block: num('block') } : {}),
    steps,
    lr: num('lr'),
    precision: values.precision as Precision,
    labItems: num('lab-items'),
    shots: num('shots'),
  });
  const device = await resolveDevice(values.device as DeviceChoice);
  const d = num('d');
  const model = {
    ...LAB_PRESETS.small,
    dModel: d,
    heads: num('heads'),
    layers,
    seqLen: num('seq'),
    mlpHidden: values.mlp ? num('mlp') : 4 * d,
    batch: num('batch'),
    channels: 1,
  };
  const out = values.out ?? mkdtempSync(path.join(os.tmpdir(), 'stacklab-bench-lab-'));
  const job = planJob(plan, { ...dataset }, corpus.description, device, out);
  const data = job.data;
  const valEvery = values['val-every'] ? num('val-every') : Math.max(10, Math.round(steps / 10));
  const lines: string[] = [
    `lab sizing: d ${d}, ${model.heads} heads, ${layers} layers, mlp ${model.mlpHidden}, context ${model.seqLen}, batch ${model.batch}, ${steps} steps, ${device} ${plan.precision}, lr ${plan.lr}`,
    `corpus: ${corpus.description}`,
  ];
  const reports: RunReport[] = [];
  const first = num('seed');
  const stop = new AbortController();
  if (values.deadline) {
    const seconds = num('deadline');
    if (!(seconds > 0)) throw new Error(`--deadline must be a positive number of seconds, got "${values.deadline}"`);
    setTimeout(() => stop.abort(), seconds * 1000).unref();
  }
  const parallel = num('parallel');
  if (!Number.isInteger(parallel) || parallel < 1)
    throw new Error(`--parallel must be a positive integer, got "${values.parallel}"`);
  // On CUDA the next run starts once its memory is free (parallel.ts), as the app's runs do.
  const gate = device === 'cuda' ? memoryGate(runMemoryBytes({ ...model, layers }, plan.precision)) : undefined;
  const threads = parallel > 1 ? threadExecutor(parallel, {}, gate) : null;
  const one = async (planned: (typeof job.runs)[number]) => {
    if (stop.signal.aborted) return;
    const seed = planned.config.seed + first - 1;
    const run = { ...planned, dir: path.join(out, `${planned.name}-s${seed}`) };
    // A checkpoint at every validation point writes its readings, so a run cut short still shows them (--read).
    const config = { ...run.config, seed, model, valEvery, checkpointEvery: valEvery };
    const started = performance.now();
    const resume = values.resume === true && existsSync(path.join(run.dir, 'config.json'));
    const onEvent = (e: RunEvent) => {
      if (e.type === 'stage') process.stderr.write(`${run.name} s${seed}: stage ${e.layers} layers\n`);
    };
    const report = threads
      ? await threads.runRun({ config, dir: run.dir, resume }, data, onEvent, stop.signal)
      : await runTraining({ config, data, dir: run.dir, signal: stop.signal, resume, onEvent });
    reports.push(report);
    const trainMs = report.wallMs - (report.evalMs ?? 0);
    // A run cut short (or resumed) trained fewer steps than planned: per step of those it trained.
    const trained = report.stages.reduce((a, st) => a + st.steps, 0) || steps;
    lines.push(
      '',
      `${run.name} seed ${config.seed} ${report.status}: ${(trainMs / trained).toFixed(1)} ms/step training, wall ${((performance.now() - started) / 1000).toFixed(0)} s (validation ${((report.evalMs ?? 0) / 1000).toFixed(0)} s), ${(report.totalFlops / 1e15).toFixed(2)} PFLOP`,
      ...pointsTable(run.dir),
    );
    console.log(lines.splice(0).join('\n'));
  };
  // Up to `parallel` runs at once, in the plan's order.
  const queue = [...job.runs];
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(parallel, queue.length)) }, async () => {
      for (let next = queue.shift(); next; next = queue.shift()) await one(next);
    }),
  );
  if (values.json) lines.push(JSON.stringify({ model, steps, reports: reports.map((r) => ({ ...r })) }));
  return lines.join('\n');
}

/** A run folder's validation points: step, depth, validation loss and every primitive's accuracy. */
function pointsTable(dir: string): string[] {
  const file = path.join(dir, 'metrics.jsonl');
  if (!existsSync(file)) return ['(no metrics yet)'];
  const rows = readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map(
      (l) =>
        JSON.parse(l) as {
          type: string;
          step: number;
          layers: number;
          valLoss: number;
          primitives?: Record<string, number>;
        },
    )
    .filter((m) => m.type === 'isoplot');
  return [
    ['step', 'L', 'loss', ...PRIMITIVE_NAMES.map((p) => SHORT[p]!)].map((h) => h.padStart(5)).join(' '),
    ...rows.map((m) =>
      [
        String(m.step).padStart(5),
        String(m.layers).padStart(5),
        m.valLoss.toFixed(3).padStart(5),
        ...PRIMITIVE_NAMES.map((p) => (m.primitives?.[p] ?? NaN).toFixed(2).padStart(5)),
      ].join(' '),
    ),
  ];
}
