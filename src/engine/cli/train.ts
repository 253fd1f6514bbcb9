/**
 * `stacklab train --data <file|folder|sample> --variants baseline,gradstack,midas --preset tiny
 *  [--layers L] [--block b] [--alpha α] [--steps T] [--seeds N] [--device d] --out <dir> [--json]`
 */
import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import { defined } from '../../shared/ipc';
import { DEVICE_CHOICES, type DeviceChoice } from '../../shared/system';
import { loadDataset, loadSampleDataset, sampleSource } from '../data/dataset';
import {
  NORMALIZE_MODES,
  SCORE_COMBINES,
  THRESHOLD_SCOPES,
  type ImportRequest,
  type TrainPlan,
} from '../../shared/jobs';
import { sameSchedules, variantLabel, type Variant } from '../../shared/growth';
import { PLAN_DEFAULTS, SETTINGS_DEFAULTS } from '../../shared/defaults';
import { LIMITS } from '../../shared/limits';
import { PRESET_DEFAULTS, PRESET_NAMES, type PresetName } from '../../shared/presets';
import { VARIANTS } from '../growth/growth';
import { resolveDeviceFor } from '../runtime/resolve';

import { latchCudaTf32 } from '../runtime/tf32';
import { allowsTf32, DEFAULT_PRECISION, PRECISIONS } from '../../shared/precision';
import { localExecutor } from '../runs/executor';
import { queueExecutor } from '../queue/executor';
import { parseQueueUrl, QueueUrlError, type QueueTarget } from '../queue/url';
import { defaultJobName, executeJob, jobRuns, readJobFile, writeJobFile, type JobFile } from '../runs/job';
import {
  planJob,
  planOptionsOf,
  PlanError,
  resolvePlan,
  type JobPlan,
  type PlannedRun,
  type ResolvedPlan,
} from '../runs/plan';
import { runFolderConflict } from '../runs/runner';
import { makeDir } from '../runs/store';
import type { RunReport } from '../runs/types';
import { defaultRunsDir } from '../paths';
import { oneOf, parseCommandArgs, sampleKind, UsageError, withOptionalValue } from './args';
import { printComparison } from './compare';
import type { CliIo } from './io';
import { count, wrap } from '../compare/text';

export const TRAIN_USAGE = `stacklab train --data <file|folder> [--out <dir>] [options]   (or --sample [plant|multi-run])
  --sample [kind]         a built-in sample instead of --data: plant (one long series, also --data sample)
                          or multi-run (12 test-rig runs, each its own operating point and one fault)
  --out <dir>             the folder for the run folders (default: a new folder in the runs folder)
  --variants a,b,…        of ${VARIANTS.join(', ')} (default ${PLAN_DEFAULTS.variants.join(',')})
  --preset P              ${PRESET_NAMES.join(' | ')} (default ${PLAN_DEFAULTS.preset})
  --layers L --block b    target depth and block size (default: ${PRESET_NAMES.map((p) => `${p} ${PRESET_DEFAULTS[p].layers}`).join(', ')} layers; blocks of 2
                          from 6 layers, else 1: at least 3 blocks, so GradStack and MIDAS differ)
  --alpha α               Prop-α stage schedule, ${LIMITS.alpha.min} to ${LIMITS.alpha.max} (default ${PLAN_DEFAULTS.alpha}; 0 = uniform)
  --steps T               total steps per run (default ${PRESET_NAMES.map((p) => `${PRESET_DEFAULTS[p].steps} for ${p}`).join(', ')})
  --seeds N               seeds 1..N per variant, N ≤ ${LIMITS.seeds.max} (default ${PLAN_DEFAULTS.seeds}: intervals need several)
  --flop-matched V        also train a baseline given the FLOPs of variant V
  --lr R                  peak learning rate (default ${PLAN_DEFAULTS.lr}, warmup 5%, cosine to 10%)
  --reset-moments         reset Adam moments at growth (default: copy the source block's)
  --rewarmup N            re-warm the learning rate over N steps after each growth (default ${PLAN_DEFAULTS.rewarmup})
  --device D              ${DEVICE_CHOICES.join(' | ')} (default ${SETTINGS_DEFAULTS.defaultDevice})
  --precision P           ${PRECISIONS.join(' | ')} (default ${DEFAULT_PRECISION}): fp32 is strict (no TF32); tf32 and bf16 need cuda, fp16 cuda or cpu
  --threads N             CPU threads for training and evaluation (default: every core)
  --queue URL             put the runs on a job queue (redis://[:password@]host:port[/db]) for
                          \`stacklab worker\`s instead of training them here; --out must be in the
                          runs folder the workers share (--runs-dir, default the runs folder)
  --runs-dir DIR          the shared runs folder as mounted here (with --queue)
  --labels <windows.json> anomaly windows for the data
  --series-column C       a column naming each row's run: one series per run (see import)
  --train-rows N          the first N rows of every series train and validate, the rest is test
  --train-fraction F      the leading share F of every series trains and validates, ${LIMITS.trainFraction.min} to ${LIMITS.trainFraction.max}
                          (default: anomaly-free files train if there are any, else the leading 0.6 of each series)
  --normalize M           per-series | pooled (default: per-series for several series that each have
                          normal training rows of their own, else pooled)
  --threshold S           per-series | pooled alarm thresholds (default: as the normalisation)
  --combine C             mean | max of the per-channel residual scores (default mean)
  --smooth N              average every detector's scores over N rows, causally (default: one patch; 1: none)
  --resume                continue runs from their latest checkpoints in --out
  --html <file>           also write the comparison as a self-contained HTML report
  --wide                  the table on one line per row, however wide (default: fitted to the terminal)
  --json                  the runs as one JSON object on the last line of stdout`;

function optionalInt(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`stacklab train: ${name} must be a positive integer, got "${raw}"`);
  return n;
}

/**
 * A step's progress line, within `width`: a narrow terminal leaves out whole parts, first the
 * throughput, then the stage, the loss and the ETA; the run and its step stay.
 */
function stepLine(
  head: string,
  stage: string,
  loss: string | null,
  speed: string,
  eta: string,
  width = Infinity,
): string {
  const parts: Record<'stage' | 'loss' | 'speed' | 'eta', string | null> = { stage, loss, speed, eta };
  const line = () => [head, parts.stage, parts.loss, parts.speed, parts.eta].filter((p) => p !== null).join('  ');
  for (const drop of ['speed', 'stage', 'loss', 'eta'] as const) {
    if (line().length <= width) break;
    parts[drop] = null;
  }
  return line().slice(0, width);
}

export async function trainCommand(argv: string[], io: CliIo, signal?: AbortSignal): Promise<number> {
  const { values, positionals } = parseCommandArgs('train', withOptionalValue(argv, '--sample'), {
    data: { type: 'string' },
    sample: { type: 'string' },
    labels: { type: 'string' },
    'series-column': { type: 'string' },
    'train-rows': { type: 'string' },
    'train-fraction': { type: 'string' },
    normalize: { type: 'string' },
    threshold: { type: 'string' },
    combine: { type: 'string' },
    smooth: { type: 'string' },
    variants: { type: 'string', default: PLAN_DEFAULTS.variants.join(',') },
    preset: { type: 'string', default: PLAN_DEFAULTS.preset },
    layers: { type: 'string' },
    block: { type: 'string' },
    alpha: { type: 'string', default: String(PLAN_DEFAULTS.alpha) },
    steps: { type: 'string' },
    seeds: { type: 'string', default: String(PLAN_DEFAULTS.seeds) },
    html: { type: 'string' },
    'flop-matched': { type: 'string' },
    lr: { type: 'string', default: String(PLAN_DEFAULTS.lr) },
    'reset-moments': { type: 'boolean', default: false },
    rewarmup: { type: 'string', default: String(PLAN_DEFAULTS.rewarmup) },
    device: { type: 'string', default: SETTINGS_DEFAULTS.defaultDevice },
    precision: { type: 'string', default: DEFAULT_PRECISION },
    threads: { type: 'string' },
    queue: { type: 'string' },
    'runs-dir': { type: 'string' },
    out: { type: 'string' },
    resume: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    wide: { type: 'boolean', default: false },
  });
  if (positionals.length) throw new UsageError(`stacklab train: unexpected argument "${positionals[0]}"`);
  if (values.data && values.sample !== undefined)
    throw new UsageError('stacklab train: give --data or --sample, not both');
  const sample =
    values.sample !== undefined ? sampleKind('train', values.sample) : values.data === 'sample' ? 'plant' : undefined;
  if (!values.data && !sample)
    throw new UsageError(
      'stacklab train: --data is required (a CSV file or a folder), or --sample plant|multi-run for a built-in sample',
    );
  // Default: a new folder per invocation in the runs folder (~/StackLab/runs or $STACKLAB_RUNS_DIR),
  // unique even for two started in the same millisecond.
  // With --queue, the runs folder the workers share (--runs-dir); the job folder goes inside it.
  const runsRoot = path.resolve(values['runs-dir'] ?? defaultRunsDir());
  if (values['runs-dir'] !== undefined && values.queue === undefined)
    throw new UsageError(
      'stacklab train: --runs-dir names the runs folder shared with the workers of --queue; without a queue, give the job folder with --out',
    );
  const out =
    values.out ??
    path.join(
      runsRoot,
      `train-${new Date().toISOString().replace(/[:.]/g, '-').slice(0, 23)}-${randomBytes(2).toString('hex')}`,
    );
  const number = (name: string, raw: string) => {
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n))
      throw new UsageError(`stacklab train: ${name} must be a number, got "${raw}"`);
    return n;
  };
  if (values['train-rows'] !== undefined && values['train-fraction'] !== undefined)
    throw new UsageError('stacklab train: give --train-rows or --train-fraction, not both');
  const trainFraction =
    values['train-fraction'] === undefined ? undefined : number('--train-fraction', values['train-fraction']);
  const seriesColumn = values['series-column'];
  const stored: Omit<TrainPlan, 'datasetId'> = {
    variants: values.variants.split(',').map((v) => v.trim()) as Variant[],
    preset: values.preset as PresetName,
    seeds: optionalInt('--seeds', values.seeds) ?? PLAN_DEFAULTS.seeds,
    device: values.device as DeviceChoice,
    precision: oneOf('train', '--precision', values.precision, PRECISIONS),
    ...defined({
      layers: optionalInt('--layers', values.layers),
      block: optionalInt('--block', values.block),
      steps: optionalInt('--steps', values.steps),
      flopMatched: values['flop-matched'] as Variant | undefined,
      alpha: number('--alpha', values.alpha),
      lr: number('--lr', values.lr),
      resetMoments: values['reset-moments'] || undefined,
      rewarmup: number('--rewarmup', values.rewarmup),
      trainRows: optionalInt('--train-rows', values['train-rows']),
      trainFraction,
      normalize: oneOf('train', '--normalize', values.normalize, NORMALIZE_MODES),
      threshold: oneOf('train', '--threshold', values.threshold, THRESHOLD_SCOPES),
      combine: oneOf('train', '--combine', values.combine, SCORE_COMBINES),
      smooth: optionalInt('--smooth', values.smooth),
    }),
  };
  const threads = optionalInt('--threads', values.threads);
  let queue: QueueTarget | undefined;
  try {
    queue = values.queue === undefined ? undefined : parseQueueUrl(values.queue);
  } catch (err) {
    if (err instanceof QueueUrlError) throw new UsageError(`stacklab train: ${err.message}`);
    throw err;
  }
  // Before anything is read or written: the workers find the job only inside the shared folder.
  const insideRoot = path.relative(runsRoot, path.resolve(out));
  if (queue && (!insideRoot || insideRoot.startsWith('..') || path.isAbsolute(insideRoot)))
    throw new UsageError(
      `stacklab train: the job folder ${path.resolve(out)} is not inside the runs folder ${runsRoot} that the workers share: give --out ${path.join(runsRoot, '<name>')}, or --runs-dir the shared folder as mounted here`,
    );
  let resolved: ResolvedPlan;
  try {
    resolved = resolvePlan(planOptionsOf(stored));
  } catch (err) {
    if (err instanceof PlanError) throw new UsageError(`stacklab train: ${err.message}`);
    throw err;
  }
  // A job folder is continued with --resume only: training afresh would overwrite its job.json.
  const existing = await readJobFile(out);
  if (existing && !values.resume)
    throw new UsageError(
      `stacklab train: ${path.resolve(out)} already holds a job (job.json): continue it with --resume, or train into another folder`,
    );
  // The data first: a bad file fails before any device is probed.
  const loadOptions = {
    ...(values.labels ? { labels: values.labels } : {}),
    ...(seriesColumn ? { roles: { series: seriesColumn === 'none' ? null : seriesColumn } } : {}),
  };
  const ds = sample ? await loadSampleDataset({ sample }) : await loadDataset(values.data!, loadOptions);
  // TF32 is fixed when CUDA loads (the device probe may load it): ask for the run's mode first.
  latchCudaTf32(allowsTf32(resolved.precision));
  const device = await resolveDeviceFor(values.device as DeviceChoice, resolved.preset);
  const source = sample ? sampleSource(sample) : path.resolve(values.data!);
  let job: JobPlan;
  try {
    job = planJob(resolved, ds, source, device, out);
  } catch (err) {
    // A split the data cannot give (a series too short for --train-rows) names the series.
    if (err instanceof PlanError) throw new UsageError(`stacklab train: ${err.message}`);
    throw err;
  }
  const { growth } = resolved;
  const data = job.data;

  // Nothing is written (or said to train) before the runs' folders agree with the plan: a fresh job begins no run
  // folder over an existing one, a resume continues only runs trained with these settings.
  for (const run of job.runs) {
    const conflict = await runFolderConflict(run.dir, run.config, values.resume);
    if (conflict) throw new UsageError(`stacklab train: ${conflict}`);
  }
  // The queue before anything is said or written: a Redis that is not there fails first.
  const executor = queue ? await queueExecutor(queue, runsRoot) : localExecutor(threads ? { threads } : {});

  // In a terminal, sentences wrap at spaces to its width; elsewhere (logs, pipes) each stays one line.
  const { progress } = io;
  const say = (text: string, first = '', rest = `${first}  `) =>
    io.err(progress ? wrap(text, progress.columns, first, rest).join('\n') : first + text);
  say(`run folders in ${path.resolve(out)}`);
  say(
    `training ${count(job.runs.length, 'run')} of the ${resolved.preset} preset (${count(growth.layers, 'layer')}, blocks of ${growth.block}, Prop-${growth.alpha}, ${count(growth.steps, 'step')}) on ${device} in ${resolved.precision}; data: ${source}, ${ds.series.length} series, ${count(data.trainStarts.length, 'training window')}`,
  );
  say(
    `split: ${data.splits.strategy}; normalisation ${data.splits.normalization.description}; thresholds ${job.runs[0]!.config.scoring!.threshold}`,
  );
  for (const w of data.splits.warnings) say(`warning: ${w}`);
  for (const [a, b] of sameSchedules(resolved.variants, growth))
    say(
      `warning: ${variantLabel(a)} and ${variantLabel(b)} are the same schedule at ${count(growth.layers, 'layer')} in blocks of ${growth.block} (choose a depth of at least 3 blocks to tell them apart)`,
    );

  // The job folder's job.json, as the app writes it: the run library lists this job, and the app
  // resumes it. A resumed job keeps its own (the plan and import it was begun with).

  const importRequest: ImportRequest = sample
    ? { source: { kind: 'sample', sample } }
    : {
        source: { kind: 'path', path: source, ...(values.labels ? { labels: path.resolve(values.labels) } : {}) },
        ...(seriesColumn && seriesColumn !== 'none' ? { roles: { [seriesColumn]: 'series' as const } } : {}),
      };
  const createdAt = new Date().toISOString();
  const file: JobFile = existing ?? {
    id: randomUUID(),
    name: defaultJobName(source, resolved, createdAt),
    createdAt,
    plan: stored,
    import: importRequest,
    source,
    device,
    runs: jobRuns(job),
  };
  let reports: RunReport[] = [];
  // Stopped while loading: no job folder is begun.
  if (signal?.aborted) await executor.close?.();
  else {
    // A job folder that cannot be begun lets go of the queue's connections too.
    await makeDir(out).catch(async (err: unknown) => {
      await executor.close?.();
      throw err;
    });
    if (!existing)
      await writeJobFile(out, file).catch(async (err: unknown) => {
        await executor.close?.();
        throw err;
      });
    const lastLine = new Map<number, number>();
    const trained = new Set<number>();
    const label = (run: PlannedRun) => `${run.name} s${run.config.seed}`.padEnd(16);
    // In a terminal, one line per run that updates in place (10 times a second) and ends as its report;
    // else a line a second.
    const every = progress ? 100 : 1000;
    if (queue) io.err(`runs go to the queue at ${queue.shown}: \`stacklab worker --queue …\` trains them`);
    try {
      reports = await executeJob({ file, dir: out, planned: job }, executor, {
        resume: values.resume,
        ...(signal ? { signal } : {}),
        onEvent: (i, run, e) => {
          // A run that begins a stage trains; one that returns without doing so was already finished.
          if (e.type === 'stage') trained.add(i);
          if (e.type === 'note') say(`${label(run)} note: ${e.message}`, '  ');
          if (e.type === 'step' && performance.now() - (lastLine.get(i) ?? 0) > every) {
            lastLine.set(i, performance.now());
            const parts = [
              `  ${label(run)} step ${e.step}/${e.totalSteps}`,
              `stage ${e.stage} (${count(e.layers, 'layer')})`,
              e.loss === null ? null : `loss ${e.loss.toFixed(4)}`,
              `${Math.round(e.tokensPerSec)} tok/s`,
              `ETA ${Math.round(e.etaMs / 1000)} s`,
            ] as const;
            // The last column stays free: a line that reaches it wraps in some terminals, and is no longer rewritten.
            if (progress) progress.show(stepLine(...parts, progress.columns - 1));
            else io.err(stepLine(...parts));
          }
        },
        onReport: (i, run, report) =>
          io.err(
            `  ${label(run)} ${report.status} in ${(report.wallMs / 1000).toFixed(1)} s, val loss ${report.finalValLoss?.toFixed(4) ?? '-'}${trained.has(i) ? '' : ' (already finished: kept as it was)'}`,
          ),
      });
    } finally {
      await executor.close?.();
    }
  }
  // Reports come in the order of the job's runs (finished ones too), so report i is run i's.
  const runOf = (i: number) => job.runs[i]!;
  const stopped = !!signal?.aborted || reports.some((r) => r.status === 'cancelled');
  io.err('');
  if (stopped)
    say(`stopped: the runs keep their checkpoints; continue with stacklab train … --out ${path.resolve(out)} --resume`);
  else {
    say(
      `run folders: ${path.resolve(out)} (compare them again, or with others: stacklab compare ${path.resolve(out)})`,
    );
    io.err('');
    await printComparison(
      reports.map((_, i) => runOf(i).dir),
      { out: values.json ? io.err : io.out, err: io.err, columns: io.columns },
      { ...(values.html ? { html: values.html } : {}), wide: values.wide },
    );
  }
  const summary = {
    runs: reports.map((r, i) => ({
      variant: r.variant,
      seed: r.seed,
      dir: runOf(i).dir,
      status: r.status,
      ...(runOf(i).config.flopMatchedTo ? { flopMatchedTo: runOf(i).config.flopMatchedTo } : {}),
      stages: r.stages,
      totalFlops: r.totalFlops,
      wallMs: r.wallMs,
      finalValLoss: r.finalValLoss,
      evaluation: r.evaluation ?? null,
    })),
  };
  if (values.json) io.out(JSON.stringify(summary));
  return stopped ? 130 : 0;
}
