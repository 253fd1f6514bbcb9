/**
 * `stacklab train --data <file|folder|sample> --variants baseline,gradstack,midas --preset tiny
 *  [--layers L] [--block b] [--alpha α] [--steps T] [--seeds N] [--device d] --out <dir> [--json]`
 */
import path from 'node:path';
import { defined } from '../../shared/ipc';
import type { DeviceChoice } from '../../shared/system';
import { loadDataset, loadSampleDataset, SAMPLE_SOURCE } from '../data/dataset';
import { VARIANTS } from '../growth/growth';
import { resolveDevice } from '../runtime/device';
import { planJob, PlanError, resolvePlan, type ResolvedPlan } from '../runs/plan';
import { runTraining, type RunReport } from '../runs/runner';
import { defaultRunsDir } from '../paths';
import { parseCommandArgs, UsageError } from './args';
import { printComparison } from './compare';

export const TRAIN_USAGE = `stacklab train --data <file|folder|sample> [--out <dir>] [options]
  --out <dir>             the folder for the run folders (default: a new folder in the runs folder)
  --variants a,b,…        of ${VARIANTS.join(', ')} (default baseline,gradstack,midas)
  --preset P              tiny | small | base (default tiny)
  --layers L --block b    target depth and block size (default: the preset's depth, blocks of 2 or 1)
  --alpha α               Prop-α stage schedule (default 1; 0 = uniform)
  --steps T               total steps per run (default 300 for tiny, 600 small, 2000 base)
  --seeds N               seeds 1..N per variant (default 3: intervals need several)
  --flop-matched V        also train a baseline given the FLOPs of variant V
  --lr R                  peak learning rate (default 1e-3, warmup 5%, cosine to 10%)
  --reset-moments         reset Adam moments at growth (default: copy the source block's)
  --rewarmup N            re-warm the learning rate over N steps after each growth (default 0)
  --device D              auto | cpu | webgpu | cuda (default auto)
  --labels <windows.json> anomaly windows for the data
  --resume                continue runs from their latest checkpoints in --out
  --html <file>           also write the comparison as a self-contained HTML report
  --json                  the runs as one JSON object on the last line of stdout`;

function optionalInt(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`stacklab train: ${name} must be a positive integer, got "${raw}"`);
  return n;
}

export async function trainCommand(argv: string[], io: { out(l: string): void; err(l: string): void }, signal?: AbortSignal): Promise<number> {
  const { values, positionals } = parseCommandArgs('train', argv, {
    data: { type: 'string' },
    labels: { type: 'string' },
    variants: { type: 'string', default: 'baseline,gradstack,midas' },
    preset: { type: 'string', default: 'tiny' },
    layers: { type: 'string' },
    block: { type: 'string' },
    alpha: { type: 'string', default: '1' },
    steps: { type: 'string' },
    seeds: { type: 'string', default: '3' },
    html: { type: 'string' },
    'flop-matched': { type: 'string' },
    lr: { type: 'string', default: '1e-3' },
    'reset-moments': { type: 'boolean', default: false },
    rewarmup: { type: 'string', default: '0' },
    device: { type: 'string', default: 'auto' },
    out: { type: 'string' },
    resume: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  });
  if (positionals.length) throw new UsageError(`stacklab train: unexpected argument "${positionals[0]}"`);
  if (!values.data) throw new UsageError('stacklab train: --data is required (a CSV file, a folder, or "sample" for the built-in plant)');
  // Default: a new folder per invocation in the runs folder (~/StackLab/runs or $STACKLAB_RUNS_DIR).
  const out = values.out ?? path.join(defaultRunsDir(), `train-${new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)}`);
  const number = (name: string, raw: string) => {
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n)) throw new UsageError(`stacklab train: ${name} must be a number, got "${raw}"`);
    return n;
  };
  let resolved: ResolvedPlan;
  try {
    resolved = resolvePlan({
      variants: values.variants.split(',').map((v) => v.trim()),
      preset: values.preset,
      ...defined({ layers: optionalInt('--layers', values.layers), block: optionalInt('--block', values.block), steps: optionalInt('--steps', values.steps), flopMatched: values['flop-matched'] }),
      seeds: optionalInt('--seeds', values.seeds) ?? 3,
      alpha: number('--alpha', values.alpha),
      lr: number('--lr', values.lr),
      resetMoments: values['reset-moments'],
      rewarmup: number('--rewarmup', values.rewarmup),
    });
  } catch (err) {
    if (err instanceof PlanError) throw new UsageError(`stacklab train: ${err.message}`);
    throw err;
  }
  // The data first: a bad file fails before any device is probed.
  const ds = values.data === 'sample' ? await loadSampleDataset() : await loadDataset(values.data, values.labels ? { labels: values.labels } : {});
  const device = await resolveDevice(values.device as DeviceChoice);
  const source = values.data === 'sample' ? SAMPLE_SOURCE : path.resolve(values.data);
  const job = planJob(resolved, ds, source, device, out);
  const { growth } = resolved;
  const data = job.data;

  io.err(`run folders in ${path.resolve(out)}`);
  io.err(`training ${job.runs.length} run(s) of the ${resolved.preset} preset (${growth.layers} layers, blocks of ${growth.block}, Prop-${growth.alpha}, ${growth.steps} steps) on ${device}; data: ${source}, ${data.trainStarts.length} training windows`);
  const reports: (RunReport & { flopMatchedTo?: string })[] = [];
  for (const plan of job.runs) {
    const config = plan.config;
    const name = `${plan.name} s${config.seed}`;
    let lastLine = 0;
    const report = await runTraining({
      config,
      data,
      dir: plan.dir,
      resume: values.resume,
      ...(signal ? { signal } : {}),
      onEvent: (e) => {
        if (e.type === 'step' && performance.now() - lastLine > 1000) {
          lastLine = performance.now();
          io.err(`  ${name.padEnd(16)} step ${e.step}/${e.totalSteps}  stage ${e.stage} (${e.layers} layers)  ${e.loss === null ? '' : `loss ${e.loss.toFixed(4)}  `}${Math.round(e.tokensPerSec)} tok/s  ETA ${Math.round(e.etaMs / 1000)} s`);
        }
      },
    });
    io.err(`  ${name.padEnd(16)} ${report.status} in ${(report.wallMs / 1000).toFixed(1)} s, val loss ${report.finalValLoss?.toFixed(4) ?? '-'}`);
    reports.push({ ...report, ...(config.flopMatchedTo ? { flopMatchedTo: config.flopMatchedTo } : {}) });
    if (report.status === 'cancelled') break;
  }

  if (!reports.some((r) => r.status === 'cancelled')) {
    io.err(`\nrun folders: ${path.resolve(out)} (compare them again, or with others: stacklab compare ${path.resolve(out)})\n`);
    await printComparison(
      reports.map((r) => r.dir),
      { out: values.json ? io.err : io.out, err: io.err },
      values.html ? { html: values.html } : {},
    );
  }
  const summary = { runs: reports.map((r) => ({ variant: r.variant, seed: r.seed, dir: r.dir, status: r.status, ...(r.flopMatchedTo ? { flopMatchedTo: r.flopMatchedTo } : {}), stages: r.stages, totalFlops: r.totalFlops, wallMs: r.wallMs, finalValLoss: r.finalValLoss, evaluation: r.evaluation ?? null })) };
  if (values.json) io.out(JSON.stringify(summary));
  return reports.some((r) => r.status === 'cancelled') ? 130 : 0;
}
