/**
 * The process's warm-up. The first run a process trains would otherwise pay, inside its own clock,
 * what only the first pays: ORT's first sessions on the device, and V8 compiling the train,
 * validation, detection and probe code to machine code (its first validation point took twice as
 * long as a later run's; bench/RESULTS.md). Every host trains through `runTraining`, which calls `warmUp`
 * before a run's clock starts: once per process and device, untimed.
 *
 * Invariant: a run's numbers are the same with it or without it. It trains a throwaway one-layer
 * model of the run's shape on the run's data, with its own sampler and initial weights (engine
 * randomness is seeded per purpose, never shared), evaluates it a few times, writes nothing and
 * keeps nothing but what the process compiled (and the run's probe items, the same either way).
 */
import type { ExecutionProviderName } from '../../shared/system';
import { ModelSessions } from '../eval/sessions';
import { Trainer } from '../runtime/trainer';
import type { RunConfig, TimedRunData } from './types';
import { validationPoint } from './validation';

/** Train calls the warm-up makes: GPU providers compile their kernels on the first calls. */
const WARMUP_CALLS = 2;
/**
 * Validation points it takes: after only one, the first run's next points were still slower than
 * a later run's (V8 optimises code by how often it ran).
 */
const WARMUP_POINTS = 3;
/** The throwaway model's learning rate (any will do: its weights are dropped). */
const WARMUP_LR = 1e-4;

const warmed = new Map<ExecutionProviderName, Promise<void>>();

/** Whether this process has warmed up `device` (or is warming it up now). */
export function warmedUp(device: ExecutionProviderName): boolean {
  return warmed.has(device);
}

/**
 * Warms up the process for runs like `config` on its device: trains a few steps of a one-layer
 * model and takes a few validation points, the first time it is called for the device; later calls
 * (and runs starting at once on the queue's workers) wait for that one.
 */
export function warmUp(config: RunConfig, data: TimedRunData, stepsPerCall: number, threads = 0): Promise<void> {
  let done = warmed.get(config.device);
  // A warm-up that fails leaves the run to train, or fail, on its own, with its own error.
  if (!done)
    warmed.set(config.device, (done = trainAndEvaluate(config, data, stepsPerCall, threads).catch(() => undefined)));
  return done;
}

async function trainAndEvaluate(
  config: RunConfig,
  data: TimedRunData,
  stepsPerCall: number,
  threads: number,
): Promise<void> {
  const model = { ...config.model, layers: 1 };
  const trainer = await Trainer.create({
    model,
    data: data.matrix,
    device: config.device,
    seed: config.seed,
    adam: config.optimizer,
    readEvery: config.readEvery,
    windowStarts: data.trainStarts,
    stepsPerCall,
    precision: config.precision,
    ...(threads ? { threads } : {}),
  });
  let params: Map<string, Float32Array>;
  try {
    for (let i = 0; i < WARMUP_CALLS; i++)
      await trainer.steps(Array<number>(stepsPerCall).fill(WARMUP_LR), { read: true });
    params = await trainer.readParams();
  } finally {
    await trainer.dispose();
  }
  await ModelSessions.with(
    model,
    config.device,
    params,
    async (s) => {
      for (let i = 0; i < WARMUP_POINTS; i++) await validationPoint(s, data, config);
    },
    threads,
  );
}
