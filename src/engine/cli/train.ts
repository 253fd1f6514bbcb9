/**
 * `stacklab train --data <file|folder|sample> --variants baseline,gradstack,midas --preset tiny
 *  [--layers L] [--block b] [--alpha α] [--steps T] [--seeds N] [--device d] --out <dir> [--json]`
 */
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import type { DeviceChoice } from '../../shared/system';
import { APP_VERSION } from '../app-meta';
import { loadDataset, loadSampleDataset } from '../data/dataset';
import { stagesOf, VARIANTS, type Variant } from '../growth/growth';
import { PRESETS, windowLength, type PatchTransformerConfig, type PresetName } from '../models/patch-transformer';
import { resolveDevice } from '../runtime/device';
import { prepareRunData } from '../runs/data';
import { runTraining, stepFlops, type RunConfig, type RunReport } from '../runs/runner';
import { DEFAULT_ADAMW } from '../train/adamw';
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

const DEFAULT_STEPS: Record<PresetName, number> = { tiny: 300, small: 600, base: 2000 };

function positiveInt(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
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
  if (!(values.preset in PRESETS)) throw new UsageError(`stacklab train: --preset must be tiny, small or base, got "${values.preset}"`);
  const preset = values.preset as PresetName;
  const variants = values.variants.split(',').map((v) => v.trim());
  for (const v of variants) if (!(VARIANTS as readonly string[]).includes(v)) throw new UsageError(`stacklab train: unknown variant "${v}" (known: ${VARIANTS.join(', ')})`);
  const fm = values['flop-matched'];
  if (fm !== undefined && !(VARIANTS as readonly string[]).includes(fm)) throw new UsageError(`stacklab train: --flop-matched must name a variant, got "${fm}"`);
  const layers = positiveInt('--layers', values.layers, PRESETS[preset].layers);
  const block = positiveInt('--block', values.block, layers >= 4 && layers % 2 === 0 ? 2 : 1);
  const steps = positiveInt('--steps', values.steps, DEFAULT_STEPS[preset]);
  const seeds = positiveInt('--seeds', values.seeds, 3);
  const alpha = Number(values.alpha);
  const lr = Number(values.lr);
  if (!(lr > 0)) throw new UsageError(`stacklab train: --lr must be a positive number, got "${values.lr}"`);
  const rewarmup = Number(values.rewarmup);
  if (!(Number.isInteger(rewarmup) && rewarmup >= 0)) throw new UsageError(`stacklab train: --rewarmup must be a whole number of steps, got "${values.rewarmup}"`);
  const growth = { layers, block, alpha, steps };
  try {
    for (const v of new Set([...variants, ...(fm ? [fm] : [])])) stagesOf(v as Variant, growth);
  } catch (err) {
    throw new UsageError(`stacklab train: ${(err as Error).message}`);
  }
  // The data first: a bad file fails before any device is probed.
  const ds = values.data === 'sample' ? await loadSampleDataset() : await loadDataset(values.data, values.labels ? { labels: values.labels } : {});
  const device = await resolveDevice(values.device as DeviceChoice);
  const model: PatchTransformerConfig = { ...PRESETS[preset], layers, channels: ds.channels.length };
  const data = prepareRunData(ds, windowLength(model));
  const base = {
    seed: 0,
    preset,
    model,
    schedule: { kind: 'cosine', lr, warmup: Math.max(1, Math.round(steps * 0.05)), total: steps, final: lr * 0.1 } as const,
    optimizer: { ...DEFAULT_ADAMW, stateAtGrowth: values['reset-moments'] ? ('reset' as const) : ('copy' as const), rewarmupSteps: rewarmup },
    device,
    readEvery: 10,
    valEvery: Math.max(10, Math.round(steps / 10)),
    checkpointEvery: Math.max(10, Math.round(steps / 5)),
    data: {
      source: values.data === 'sample' ? 'sample (built-in synthetic plant)' : path.resolve(values.data),
      fingerprint: data.fingerprint,
      channels: ds.channels,
      trainWindows: data.trainStarts.length,
      valWindows: data.valStarts.length,
      split: data.splits.strategy,
      normalization: { mean: [...data.splits.normalization.mean], std: [...data.splits.normalization.std] },
    },
    versions: { stacklab: APP_VERSION, onnxruntime: ort.env.versions.common ?? 'unknown', node: process.versions.node },
  };

  const plans: { variant: Variant; seed: number; steps: number; dir: string; flopMatchedTo?: Variant }[] = [];
  for (let seed = 1; seed <= seeds; seed++) {
    for (const v of variants) plans.push({ variant: v as Variant, seed, steps, dir: path.join(out, `${v}-s${seed}`) });
    if (fm) {
      const target = stagesOf(fm as Variant, growth).reduce((a, s) => a + s.steps * stepFlops(model, s.layers), 0);
      plans.push({ variant: 'baseline', seed, steps: Math.max(1, Math.round(target / stepFlops(model, layers))), dir: path.join(out, `baseline-flopmatched-${fm}-s${seed}`), flopMatchedTo: fm as Variant });
    }
  }

  io.err(`run folders in ${path.resolve(out)}`);
  io.err(`training ${plans.length} run(s) of the ${preset} preset (${layers} layers, blocks of ${block}, Prop-${alpha}, ${steps} steps) on ${device}; data: ${base.data.source}, ${data.trainStarts.length} training windows`);
  const reports: (RunReport & { flopMatchedTo?: string })[] = [];
  for (const plan of plans) {
    const config: RunConfig = { ...base, variant: plan.variant, ...(plan.flopMatchedTo ? { flopMatchedTo: plan.flopMatchedTo } : {}), seed: plan.seed, growth: { ...growth, steps: plan.steps } };
    const name = `${plan.flopMatchedTo ? `baseline≈${plan.flopMatchedTo}` : plan.variant} s${plan.seed}`;
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
    reports.push({ ...report, ...(plan.flopMatchedTo ? { flopMatchedTo: plan.flopMatchedTo } : {}) });
    if (report.status === 'cancelled') break;
  }

  if (!reports.some((r) => r.status === 'cancelled')) {
    io.err('');
    await printComparison(
      reports.map((r) => r.dir),
      { out: values.json ? io.err : io.out, err: io.err },
      values.html ? { html: values.html } : {},
    );
    io.err(`(compare these runs again, or with others: stacklab compare ${path.resolve(out)})`);
  }
  const summary = { runs: reports.map((r) => ({ variant: r.variant, seed: r.seed, dir: r.dir, status: r.status, ...(r.flopMatchedTo ? { flopMatchedTo: r.flopMatchedTo } : {}), stages: r.stages, totalFlops: r.totalFlops, wallMs: r.wallMs, finalValLoss: r.finalValLoss, evaluation: r.evaluation ?? null })) };
  if (values.json) io.out(JSON.stringify(summary));
  return reports.some((r) => r.status === 'cancelled') ? 130 : 0;
}
