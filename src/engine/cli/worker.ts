/**
 * `stacklab worker --queue redis://[:password@]host:port[/db] [--device auto|cpu|webgpu|cuda]
 *  [--concurrency N] [--runs-dir DIR] [--name NAME] [--threads N]`
 */
import os from 'node:os';
import type { DeviceChoice } from '../../shared/system';
import { DEVICE_CHOICES } from '../../shared/system';
import { defaultRunsDir } from '../paths';
import { parseQueueUrl, QueueUrlError } from '../queue/url';
import { startWorker } from '../queue/worker';
import { resolveDevice } from '../runtime/resolve';
import { oneOf, parseCommandArgs, UsageError } from './args';
import type { CliIo } from './io';

export const WORKER_USAGE = `stacklab worker --queue URL [options]   train runs that \`stacklab train --queue URL\` submits
  --queue URL             redis://[:password@]host:port[/db] (rediss:// for TLS); default $STACKLAB_QUEUE,
                          which keeps the password out of the process list
  --runs-dir DIR          the shared runs folder as mounted here (default ${'$'}STACKLAB_RUNS_DIR or ~/StackLab/runs)
  --device D              ${DEVICE_CHOICES.join(' | ')} | cuda:N (default auto); cuda:N trains on GPU N
                          (one worker per GPU of a machine)
  --concurrency N         runs trained at once (default 1; several workers may share one GPU)
  --name NAME             shown in logs (default host-pid)
  --threads N             CPU threads per run
  SIGINT/SIGTERM: the runs in hand stop at a checkpoint and go back to the queue.`;

export async function workerCommand(argv: string[], io: CliIo, signal: AbortSignal): Promise<number> {
  const { values, positionals } = parseCommandArgs('worker', argv, {
    queue: { type: 'string' },
    'runs-dir': { type: 'string' },
    device: { type: 'string', default: 'auto' },
    concurrency: { type: 'string', default: '1' },
    name: { type: 'string' },
    threads: { type: 'string' },
  });
  if (positionals.length) throw new UsageError(`stacklab worker: unexpected argument "${positionals[0]}"`);
  const url = values.queue ?? process.env.STACKLAB_QUEUE;
  if (!url)
    throw new UsageError(
      'stacklab worker: --queue is required (redis://host:port), or STACKLAB_QUEUE in the environment',
    );
  let target;
  try {
    target = parseQueueUrl(url);
  } catch (err) {
    if (err instanceof QueueUrlError) throw new UsageError(`stacklab worker: ${err.message}`);
    throw err;
  }
  const concurrency = Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64)
    throw new UsageError(
      `stacklab worker: --concurrency must be a whole number from 1 to 64, got "${values.concurrency}"`,
    );
  const threads = values.threads === undefined ? undefined : Number(values.threads);
  if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1))
    throw new UsageError(`stacklab worker: --threads must be a positive whole number, got "${values.threads}"`);
  // cuda:N: GPU N for every CUDA session of this process (the CUDA provider's device id).
  const gpu = /^cuda:(\d+)$/.exec(values.device);
  if (gpu) process.env.STACKLAB_CUDA_DEVICE = gpu[1];
  const device = await resolveDevice(
    gpu ? 'cuda' : (oneOf('worker', '--device', values.device, [...DEVICE_CHOICES]) as DeviceChoice),
  );
  const worker = await startWorker(target, {
    runsDir: values['runs-dir'] ?? defaultRunsDir(),
    device,
    ...(gpu ? { gpu: Number(gpu[1]) } : {}),
    concurrency,
    name: values.name ?? `${os.hostname()}-${process.pid}`,
    ...(threads ? { threads } : {}),
    log: (l) => io.err(l),
  });
  if (signal.aborted) await worker.stop();
  else signal.addEventListener('abort', () => void worker.stop(), { once: true });
  await worker.closed;
  return 0;
}
