/**
 * `stacklab train --data <file|folder> | --sample [kind] [plan options] [--out <dir>] [--json]`:
 * parses the arguments, loads the data, and starts the job as the app does (runs/prepare.ts),
 * then prints each run's progress and the comparison.
 */
import path from 'node:path';
import { sameSchedules, variantLabel } from '../../shared/growth';
import { LAYOUTS, type DataSource, type ImportRequest } from '../../shared/import';
import { DEFAULT_MIX, LAB_JOB_DEFAULTS, LAB_LIMITS, MIX_KEYS, parseMix } from '../../shared/lab';
import { PLAN_FIELDS, type PlanInput } from '../../shared/plan';
import { allowsTf32 } from '../../shared/precision';
import { inRange, LIMITS } from '../../shared/limits';
import { resolveDeviceFor } from '../runtime/resolve';
import { latchCudaTf32 } from '../runtime/tf32';
import { corpusDataset, loadLabCorpus } from '../data/corpus';
import { SETTINGS_DEFAULTS } from '../../shared/settings';
import { loadDataset, loadSampleDataset, sampleSource } from '../data/dataset';
import { UnfitDataError } from '../data/fitness';
import { count, wrap } from '../compare/text';
import { defaultRunsDir } from '../paths';
import { jobExecutor } from '../queue/executor';
import { parseQueueUrl, QueueUrlError, type QueueTarget } from '../queue/url';
import { executeJob, readJobFile, type JobFile } from '../runs/job';
import { PlanError, resolvePlan, type PlannedRun } from '../runs/plan';
import { beginJob, prepareJob, type PreparedJob } from '../runs/prepare';
import { MAX_SEED_BATCH, trainHere } from '../runs/seed-batch';
import { runFolderConflict } from '../runs/resume';
import type { RunEvent, RunReport } from '../runs/types';
import { oneOf, parseCommandArgs, sampleKind, UsageError, withOptionalValue } from './args';
import { printComparison } from './compare';
import { formatFitness } from './import';
import { DEFAULT_COLUMNS, type CliIo } from './io';
import { PLAN_ARGS, planFromArgs, planUsage, usageLine } from './plan-options';

export const TRAIN_USAGE = [
  'stacklab train --data <file|folder> [--out <dir>] [options]   (or --sample [plant|multi-run])',
  usageLine(
    '--sample [kind]',
    'a built-in sample instead of --data: plant (one long series, also --data sample) or multi-run (12 test-rig runs, each its own operating point and one fault)',
  ),
  usageLine(
    '--task reasoning',
    "the reasoning lab: token models pretrained on a generated corpus (or --data notes.txt|folder, your own UTF-8 text), scored on the paper's reasoning primitives (default: forecast, sensor data). Unless you give --preset, --layers, --steps, --precision or --lab-items, sized for the device: on CUDA small, 8 layers, 3000 steps, bf16, a 32 MiB corpus (the measured informative scale); elsewhere tiny, 150 steps, 32 items (a demonstration, too small to see reasoning)",
  ),
  usageLine('--corpus-seed S', 'reasoning lab: the seed of the generated corpus and its held-out items (default 1)'),
  usageLine('--corpus-bytes N', 'reasoning lab: the generated corpus size (default 4194304)'),
  usageLine(
    '--mix k=v,…',
    `reasoning lab: document shares of the corpus (${MIX_KEYS.join(', ')}; default ${MIX_KEYS.map((k) => `${k}=${DEFAULT_MIX[k]}`).join(',')})`,
  ),
  usageLine(
    '--items FILE.jsonl',
    'reasoning lab: your own items, one {"prompt": …, "answer": …, "primitive": …} a line, scored beside the built-in primitives (k-shot examples from the same file)',
  ),
  usageLine('--out <dir>', 'the folder for the run folders (default: a new folder in the runs folder)'),
  usageLine('--labels <windows.json>', 'anomaly windows for the data'),
  usageLine('--series-column C', "a column naming each row's run: one series per run (see import)"),
  usageLine(
    '--layout auto|wide|long',
    'a CSV table: a column per sensor, or a row per reading pivoted to channels (see import)',
  ),
  usageLine('--sheet NAME', "an Excel workbook's sheet (default: the first that holds data)"),
  planUsage(),
  usageLine('--threads N', 'CPU threads for training and evaluation (default: every core)'),
  usageLine(
    '--parallel auto|N',
    "runs trained at once here (N from 1 to 16), each in a thread of its own (default auto: on CUDA what a short probe measures best, as many as the GPU's free memory holds at most, up to 4; elsewhere 1, since runs at once would share the same cores)",
  ),
  usageLine(
    '--seed-batch auto|N|off',
    "train a variant's seeds together in one session, N at a time (2 to 16; 1 is off), each still its own run folder with the results it has alone, to float rounding (default off; auto times one run and the seeds batched and batches when it is 15% faster; their wall-clock is shared, so compare gives them no speed-up; fp32 and bf16 only, a fresh job only, not with --parallel above 1 or --queue)",
  ),
  usageLine(
    '--queue URL',
    'put the runs on a job queue (redis://[:password@]host:port[/db]) for `stacklab worker`s instead of training them here; --out must be in the runs folder the workers share (--runs-dir, default the runs folder)',
  ),
  usageLine('--runs-dir DIR', 'the shared runs folder as mounted here (with --queue)'),
  usageLine('--resume', 'continue runs from their latest checkpoints in --out'),
  usageLine('--html <file>', 'also write the comparison as a self-contained HTML report'),
  usageLine('--wide', 'the table on one line per row, however wide (default: fitted to the terminal)'),
  usageLine('--json', 'the runs as one JSON object on the last line of stdout'),
].join('\n');

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
  // 1. The arguments: what to train, on which data, where, and where to say it.
  const parsed = parseTrainArgs(argv);
  const existing = parsed.out === undefined ? null : await readJobFile(parsed.out);
  if (existing && !parsed.resume)
    throw new UsageError(
      `stacklab train: ${path.resolve(parsed.out!)} already holds a job (job.json): continue it with --resume, or train into another folder`,
    );
  const args = await withLabDefaults(parsed, existing);
  // 2. The job, planned as the app plans one (nothing written yet): the data first, so that a
  //    bad file fails before any device is probed.
  const job = await usage(
    prepareJob({
      ...(await loadData(args)),
      plan: args.plan,
      defaultDevice: SETTINGS_DEFAULTS.defaultDevice,
      runsDir: args.runsRoot,
      existing,
      tf32: 'fix',
      ...(args.out !== undefined ? { dir: args.out } : {}),
    }),
  );
  // A fresh job begins no run folder over an existing one; a resume continues only runs trained
  // with these settings.
  for (const run of job.planned.runs) {
    const conflict = await runFolderConflict(run.dir, run.config, args.resume);
    if (conflict) throw new UsageError(`stacklab train: ${conflict}`);
  }
  // 3. Where the runs train: a queue that is not there fails before anything is said or written.
  const { parallel, seedBatch } = args.queue
    ? { parallel: null, seedBatch: null }
    : await trainHere(job, { parallel: args.parallel, seedBatch: args.seedBatch, resume: args.resume });
  const executor = await jobExecutor({
    queue: args.queue,
    runsDir: args.runsRoot,
    ...(args.threads ? { threads: args.threads } : {}),
    local: parallel,
    ...(seedBatch ? { seedBatch: seedBatch.size } : {}),
  });
  const say = sayer(io);
  describeJob(job, say);
  if (parallel && job.planned.runs.length > 1) say(`runs: ${parallel.why}`);
  if (seedBatch) say(`seeds: ${seedBatch.why}`);
  // 4. The runs, with a progress line each; stopped while loading, no job folder is begun.
  let reports: RunReport[] = [];
  if (signal?.aborted) await executor.close?.();
  else {
    await beginJob(job, executor);
    if (args.queue) io.err(`runs go to the queue at ${args.queue.shown}: \`stacklab worker --queue …\` trains them`);
    try {
      reports = await executeJob({ file: job.file, dir: job.dir, planned: job.planned }, executor, {
        resume: args.resume,
        ...(signal ? { signal } : {}),
        ...progressPrinter(io, say),
      });
    } finally {
      await executor.close?.();
    }
  }
  // 5. The comparison, or how to continue. A report is its run's by the run folder's name (seeds
  //    batched train a variant's seeds before the next variant, so a stopped job's reports need
  //    not be the first runs of the list).
  const runOf = (i: number) =>
    job.planned.runs.find((p) => path.basename(p.dir) === path.basename(reports[i]!.dir)) ?? job.planned.runs[i]!;
  const stopped = !!signal?.aborted || reports.some((r) => r.status === 'cancelled');
  const out = job.dir;
  io.err('');
  // The command to go on with on a line of its own, unwrapped (to be copied whole).
  if (stopped) {
    say('stopped: the runs keep their checkpoints; continue with:');
    io.err(`  ${resumeCommand(argv, out)}`);
  } else {
    say(`run folders: ${out} (compare them again, or with others: stacklab compare ${out})`);
    io.err('');
    await printComparison(
      reports.map((_, i) => runOf(i).dir),
      { out: args.json ? io.err : io.out, err: io.err, columns: io.columns },
      { ...(args.html ? { html: args.html } : {}), wide: args.wide },
    );
  }
  if (args.json) {
    const runs = reports.map((r, i) => ({
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
    }));
    io.out(JSON.stringify({ runs }));
  }
  return stopped ? 130 : 0;
}

/** A word as a POSIX shell reads it back: bare where that is safe, else in single quotes. */
const shellWord = (w: string) => (/^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`);

/**
 * The command that continues a stopped job: this one's options as given, `--out` the job's
 * folder and `--resume`; a queue's password is left for the user to fill in, not printed.
 */
export function resumeCommand(argv: readonly string[], out: string): string {
  const kept: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--resume' || a.startsWith('--out=')) continue;
    if (a === '--out') {
      i++;
      continue;
    }
    const queue = a.startsWith('--queue=') || argv[i - 1] === '--queue';
    kept.push(queue ? a.replace(/^(--queue=)?(rediss?:\/\/[^:@/]*:)[^@/]*@/, '$1$2<password>@') : a);
  }
  return ['stacklab', 'train', ...kept, '--out', out, '--resume'].map(shellWord).join(' ');
}

function parseTrainArgs(argv: string[]) {
  const { values, positionals } = parseCommandArgs('train', withOptionalValue(argv, '--sample'), {
    data: { type: 'string' },
    sample: { type: 'string' },
    labels: { type: 'string' },
    'series-column': { type: 'string' },
    layout: { type: 'string' },
    sheet: { type: 'string' },
    task: { type: 'string' },
    'corpus-seed': { type: 'string' },
    'corpus-bytes': { type: 'string' },
    items: { type: 'string' },
    mix: { type: 'string' },
    ...PLAN_ARGS,
    html: { type: 'string' },
    threads: { type: 'string' },
    parallel: { type: 'string' },
    'seed-batch': { type: 'string' },
    queue: { type: 'string' },
    'runs-dir': { type: 'string' },
    out: { type: 'string' },
    resume: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    wide: { type: 'boolean', default: false },
  });
  const str = (key: string) => (values as Record<string, unknown>)[key] as string | undefined;
  if (positionals.length) throw new UsageError(`stacklab train: unexpected argument "${positionals[0]}"`);
  if (str('data') && str('sample') !== undefined)
    throw new UsageError('stacklab train: give --data or --sample, not both');
  const lab = labSource(str);
  const sample =
    str('sample') !== undefined ? sampleKind('train', str('sample')!) : str('data') === 'sample' ? 'plant' : undefined;
  if (!str('data') && !sample && !lab)
    throw new UsageError(
      'stacklab train: --data is required (a CSV file or a folder), or --sample plant|multi-run for a built-in sample',
    );
  // With --queue, the runs folder the workers share (--runs-dir); the job folder goes inside it.
  const runsRoot = path.resolve(str('runs-dir') ?? defaultRunsDir());
  if (str('runs-dir') !== undefined && str('queue') === undefined)
    throw new UsageError(
      'stacklab train: --runs-dir names the runs folder shared with the workers of --queue; without a queue, give the job folder with --out',
    );
  if (str('train-rows') !== undefined && str('train-fraction') !== undefined)
    throw new UsageError('stacklab train: give --train-rows or --train-fraction, not both');
  const plan = planFromArgs('train', values);
  // The plan fields the user gave (a reasoning-lab job sizes the others for its device).
  const asked = Object.fromEntries(
    Object.entries(plan).filter(([k]) => str(PLAN_FIELDS[k as keyof typeof PLAN_FIELDS].flag.slice(2)) !== undefined),
  ) as Partial<PlanInput>;
  const sized = ['preset', 'layers', 'steps', 'precision', 'lab-items'].some((k) => str(k) !== undefined);
  // Checked before any data are read: a plan that cannot train fails at once.
  try {
    resolvePlan(plan);
  } catch (err) {
    if (err instanceof PlanError) throw new UsageError(`stacklab train: ${err.message}`);
    throw err;
  }
  const threads = str('threads');
  if (threads !== undefined && !(Number.isInteger(Number(threads)) && Number(threads) >= 1))
    throw new UsageError(`stacklab train: --threads must be a positive integer, got "${threads}"`);
  const parallelArg = str('parallel') ?? 'auto';
  if (parallelArg !== 'auto' && !(inRange(Number(parallelArg), LIMITS.parallelRuns) && Number(parallelArg) >= 1))
    throw new UsageError(
      `stacklab train: --parallel must be auto or a whole number from 1 to ${LIMITS.parallelRuns.max}, got "${parallelArg}"`,
    );
  if (str('parallel') !== undefined && str('queue') !== undefined)
    throw new UsageError(
      'stacklab train: --parallel is for runs trained here; with --queue, each `stacklab worker` takes its runs',
    );
  const seedBatchArg = str('seed-batch') ?? 'off';
  if (
    seedBatchArg !== 'auto' &&
    seedBatchArg !== 'off' &&
    !(Number.isInteger(Number(seedBatchArg)) && Number(seedBatchArg) >= 1 && Number(seedBatchArg) <= MAX_SEED_BATCH)
  )
    throw new UsageError(
      `stacklab train: --seed-batch must be auto, off or a whole number from 1 to ${MAX_SEED_BATCH}, got "${seedBatchArg}"`,
    );
  if (str('seed-batch') !== undefined && str('queue') !== undefined)
    throw new UsageError(
      'stacklab train: --seed-batch is for runs trained here; with --queue, each worker trains a run alone',
    );
  // auto too: it would be dropped without a word where runs train in threads.
  if (seedBatchArg !== 'off' && Number(seedBatchArg) !== 1 && Number(parallelArg) >= 2)
    throw new UsageError(
      'stacklab train: --seed-batch and --parallel above 1 are two ways of training runs together: drop --parallel, or give --seed-batch off',
    );
  let queue: QueueTarget | null = null;
  try {
    queue = str('queue') === undefined ? null : parseQueueUrl(str('queue')!);
  } catch (err) {
    if (err instanceof QueueUrlError) throw new UsageError(`stacklab train: ${err.message}`);
    throw err;
  }
  // Default: a new folder per invocation in the runs folder (~/StackLab/runs or $STACKLAB_RUNS_DIR),
  // named as the app names its job folders.
  const out = str('out');
  // Before anything is read or written: the workers find the job only inside the shared folder.
  const insideRoot = out === undefined ? 'new' : path.relative(runsRoot, path.resolve(out));
  if (queue && (!insideRoot || insideRoot.startsWith('..') || path.isAbsolute(insideRoot)))
    throw new UsageError(
      `stacklab train: the job folder ${path.resolve(out!)} is not inside the runs folder ${runsRoot} that the workers share: give --out ${path.join(runsRoot, '<name>')}, or --runs-dir the shared folder as mounted here`,
    );
  return {
    plan,
    asked,
    sized,
    lab,
    sample,
    data: str('data'),
    labels: str('labels'),
    seriesColumn: str('series-column'),
    layout: oneOf('train', '--layout', str('layout'), LAYOUTS),
    sheet: str('sheet'),
    runsRoot,
    out,
    queue,
    threads: threads === undefined ? undefined : Number(threads),
    parallel: parallelArg === 'auto' ? ('auto' as const) : Number(parallelArg),
    seedBatch:
      seedBatchArg === 'auto' || seedBatchArg === 'off' ? (seedBatchArg as 'auto' | 'off') : Number(seedBatchArg),
    resume: values.resume as boolean,
    json: values.json as boolean,
    wide: values.wide as boolean,
    html: str('html'),
  };
}

type TrainArgs = ReturnType<typeof parseTrainArgs>;

/**
 * A reasoning-lab job whose size the user left open gets the lab's default for where it will
 * train (LAB_JOB_DEFAULTS): the GPU's informative scale where `auto` or `--device` gives CUDA,
 * else the CPU's demonstration. A resume takes the sizes its job.json recorded.
 */
async function withLabDefaults(args: TrainArgs, existing: JobFile | null): Promise<TrainArgs> {
  const { lab } = args;
  if (!lab || args.queue) return args;
  // A resume trains what the job began with: its job.json's plan and corpus size, unless given again.
  if (args.resume) {
    if (!existing) return args;
    const source = existing.import.source;
    const bytes = source.kind === 'lab' ? source.bytes : undefined;
    return {
      ...args,
      plan: { ...args.plan, ...existing.plan, ...args.asked },
      lab: lab.kind === 'lab' && lab.bytes === undefined && bytes !== undefined ? { ...lab, bytes } : lab,
    };
  }
  if (args.sized) return args;
  const choice = args.plan.device ?? 'auto';
  if (choice !== 'auto' && choice !== 'cuda') return withDefaults(args, LAB_JOB_DEFAULTS.cpu);
  // Probing CUDA fixes the process's TF32 mode: the plan's first (the lab's GPU default is bf16).
  latchCudaTf32(allowsTf32(args.plan.precision ?? 'bf16'));
  const device = await resolveDeviceFor(choice, 'small').catch(() => null);
  return withDefaults(args, device === 'cuda' ? LAB_JOB_DEFAULTS.gpu : LAB_JOB_DEFAULTS.cpu);
}

function withDefaults(args: TrainArgs, d: (typeof LAB_JOB_DEFAULTS)[keyof typeof LAB_JOB_DEFAULTS]): TrainArgs {
  const lab = args.lab!;
  return {
    ...args,
    plan: { ...args.plan, ...d.plan, ...args.asked },
    lab: lab.kind === 'lab' && lab.bytes === undefined ? { ...lab, bytes: d.corpusBytes } : lab,
  };
}

/** `--task reasoning` and its corpus options as a lab source (null for sensor data). */
function labSource(str: (key: string) => string | undefined): Extract<DataSource, { kind: 'lab' | 'text' }> | null {
  const task = str('task') ?? 'forecast';
  if (task !== 'forecast' && task !== 'reasoning')
    throw new UsageError(`stacklab train: --task must be forecast or reasoning, got "${task}"`);
  const corpusOptions = ['corpus-seed', 'corpus-bytes', 'mix'].filter((k) => str(k) !== undefined);
  if (task === 'forecast') {
    const lab = [...corpusOptions, ...(str('items') !== undefined ? ['items'] : [])];
    if (lab.length)
      throw new UsageError(`stacklab train: --${lab[0]} belongs to the reasoning lab: add --task reasoning`);
    return null;
  }
  const items = str('items') === undefined ? {} : { items: path.resolve(str('items')!) };
  if (str('sample') !== undefined || str('labels') !== undefined || str('series-column') !== undefined)
    throw new UsageError(
      'stacklab train: --task reasoning trains on a corpus: a generated one, or --data your UTF-8 text; not --sample, --labels or --series-column',
    );
  if (str('data')) {
    if (corpusOptions.length)
      throw new UsageError(
        `stacklab train: --${corpusOptions[0]} shapes the generated corpus, not your text in --data`,
      );
    return { kind: 'text', path: path.resolve(str('data')!), ...items };
  }
  const whole = (key: 'corpus-seed' | 'corpus-bytes', range: { min: number; max: number }) => {
    const v = str(key);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!(Number.isInteger(n) && n >= range.min && n <= range.max))
      throw new UsageError(
        `stacklab train: --${key} must be a whole number from ${range.min} to ${range.max}, got "${v}"`,
      );
    return n;
  };
  const mixText = str('mix');
  const mix = mixText === undefined ? undefined : parseMix(mixText);
  if (typeof mix === 'string') throw new UsageError(`stacklab train: --mix: ${mix}`);
  return {
    kind: 'lab',
    ...items,
    ...(whole('corpus-seed', LAB_LIMITS.seed) !== undefined ? { seed: whole('corpus-seed', LAB_LIMITS.seed)! } : {}),
    ...(whole('corpus-bytes', LAB_LIMITS.bytes) !== undefined
      ? { bytes: whole('corpus-bytes', LAB_LIMITS.bytes)! }
      : {}),
    ...(mix ? { mix } : {}),
  };
}

/** The data set, where it came from, and the import request that reads it again (job.json). */
async function loadData({ sample, data, labels, seriesColumn, lab, layout, sheet }: TrainArgs) {
  if (lab) {
    const corpus = await loadLabCorpus(lab);
    return {
      data: {
        dataset: corpusDataset(corpus, corpus.description),
        source: corpus.description,
        request: { source: lab },
      },
    };
  }
  const roles = seriesColumn ? { roles: { series: seriesColumn === 'none' ? null : seriesColumn } } : {};
  const shape = { ...(layout && layout !== 'auto' ? { layout } : {}), ...(sheet ? { sheet } : {}) };
  const dataset = sample
    ? await loadSampleDataset({ sample })
    : await loadDataset(data!, { ...(labels ? { labels } : {}), ...roles, ...shape });
  const source = sample ? sampleSource(sample) : path.resolve(data!);
  const request: ImportRequest = sample
    ? { source: { kind: 'sample', sample } }
    : {
        source: { kind: 'path', path: source, ...(labels ? { labels: path.resolve(labels) } : {}) },
        ...(seriesColumn && seriesColumn !== 'none' ? { roles: { [seriesColumn]: 'series' as const } } : {}),
        ...shape,
      };
  return { data: { dataset, source, request } };
}

/**
 * A plan the data or the device cannot give is a usage error (it names the series, the field);
 * data unfit for a comparison are the data's error, said with every finding.
 */
async function usage<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (err) {
    if (err instanceof PlanError) throw new UsageError(`stacklab train: ${err.message}`);
    if (err instanceof UnfitDataError) throw new Error(formatFitness(err.fitness, 'this plan').join('\n'));
    throw err;
  }
}

/** Sentences wrapped at spaces to the terminal's width (in a pipe or a log: $COLUMNS, else 120). */
function sayer(io: CliIo) {
  const { progress } = io;
  return (text: string, first = '', rest = `${first}  `) => {
    const width = progress?.columns ?? io.columns ?? DEFAULT_COLUMNS;
    // A line that fits keeps its spacing (a run's label is padded to line the reports up).
    io.err(first.length + text.length <= width ? first + text : wrap(text, width, first, rest).join('\n'));
  };
}

function describeJob({ dir, plan, planned, device }: PreparedJob, say: ReturnType<typeof sayer>): void {
  const { growth } = plan;
  const data = planned.data;
  const source = planned.runs[0]!.config.data.source;
  say(`run folders in ${path.resolve(dir)}`);
  say(
    `training ${count(planned.runs.length, 'run')} of the ${plan.preset} preset (${count(growth.layers, 'layer')}, blocks of ${growth.block}, Prop-${growth.alpha}, ${count(growth.steps, 'step')}) on ${device} in ${plan.precision}; data: ${source}, ${planned.runs[0]!.config.data.series} series, ${count(data.trainStarts.length, 'training window')}`,
  );
  // A lab's corpus has no alarms: its runs score the primitives, said instead of thresholds.
  const lab = planned.runs[0]!.config.lab;
  say(
    `split: ${data.splits.strategy}; normalisation ${data.splits.normalization.description}; ${lab ? `${lab.items} items per primitive, ${lab.shots}-shot, at every validation point` : `thresholds ${planned.runs[0]!.config.scoring!.threshold}`}`,
  );
  for (const w of data.splits.warnings) say(`warning: ${w}`);
  for (const f of data.fitness.findings) say(`warning: ${f.message}`);
  for (const [a, b] of sameSchedules(plan.variants, growth))
    say(
      `warning: ${variantLabel(a)} and ${variantLabel(b)} are the same schedule at ${count(growth.layers, 'layer')} in blocks of ${growth.block} (choose a depth of at least 3 blocks to tell them apart)`,
    );
}

/**
 * Each run's progress: in a terminal one line per run that updates in place (10 times a second)
 * and ends as its report; else a line a second.
 */
function progressPrinter(io: CliIo, say: ReturnType<typeof sayer>) {
  const { progress } = io;
  const lastLine = new Map<number, number>();
  const trained = new Set<number>();
  const label = (run: PlannedRun) => `${run.name} s${run.config.seed}`.padEnd(16);
  const every = progress ? 100 : 1000;
  return {
    onEvent: (i: number, run: PlannedRun, e: RunEvent) => {
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
        else io.err(stepLine(...parts, io.columns ?? DEFAULT_COLUMNS));
      }
    },
    onReport: (i: number, run: PlannedRun, report: RunReport) =>
      say(
        `${label(run)} ${report.status} in ${(report.wallMs / 1000).toFixed(1)} s, val loss ${report.finalValLoss?.toFixed(4) ?? '-'}${trained.has(i) ? '' : ' (already finished: kept as it was)'}`,
        '  ',
      ),
  };
}
