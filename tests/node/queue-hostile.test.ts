/**
 * The queue as untrusted input and as an unreliable peer: tasks written straight into Redis (paths
 * out of the runs folder, a device as the data file, a model of absurd size, another version) are
 * refused at once, writing nothing; a Redis that accepts and never answers, or restarts empty
 * mid-job, is an error naming its URL within seconds; the submitter's first Ctrl+C stops it; and a
 * run whose folder another live process trains waits without using up its attempts.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Queue, QueueEvents } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_VERSION } from '../../src/engine/app-meta';
import { loadSampleDataset } from '../../src/engine/data/dataset';
import { prepareRunData } from '../../src/engine/data/prepared';
import { PRESETS, windowLength } from '../../src/engine/models/patch-transformer';
import { writeDataFile } from '../../src/engine/queue/data-file';
import { parseRunTask, RUNS_QUEUE, type RunTask } from '../../src/engine/queue/tasks';
import { planJob, resolvePlan } from '../../src/engine/runs/plan';
import { LIMITS } from '../../src/shared/limits';
import { parseQueueUrl } from '../../src/engine/queue/url';
import type { RunConfig } from '../../src/engine/runs/types';
import { startRedis, startWorker, stopProcesses, waitReady, type TestWorker } from '../helpers/redis';
import { shortRunConfig } from '../helpers/run-config';

const PASSWORD = 'hostile-queue-3';
const root = mkdtempSync(path.join(os.tmpdir(), 'stacklab-queue-hostile-'));
const runsDir = path.join(root, 'runs');
let redis: ChildProcess;
let url: string;
let worker: TestWorker;
const children: ChildProcess[] = [];

beforeAll(async () => {
  mkdirSync(runsDir, { recursive: true });
  ({ proc: redis, url } = await startRedis(PASSWORD, root));
  worker = startWorker(url, runsDir, 'hostile-w1', root);
  await waitReady(worker);
}, 60_000);

afterAll(async () => {
  await stopProcesses([worker.proc, ...children.filter((c) => c.exitCode === null)], 'SIGKILL');
  redis?.kill('SIGKILL');
});

/** `stacklab train` (or another command) in a child process, its stderr collected. */
function stacklab(args: string[]): {
  proc: ChildProcess;
  err: () => string;
  exit: Promise<{ code: number | null; ms: number }>;
} {
  const t0 = Date.now();
  const proc = spawn(process.execPath, ['bin/stacklab.js', ...args], {
    cwd: process.cwd(),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.push(proc);
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return {
    proc,
    err: () => err,
    exit: new Promise((r) => proc.on('exit', (code) => r({ code, ms: Date.now() - t0 }))),
  };
}

async function until(what: string, ok: () => boolean, ms = 60_000): Promise<void> {
  const t0 = Date.now();
  while (!ok()) {
    if (Date.now() - t0 > ms) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('queue tasks are untrusted input', () => {
  let task: RunTask;
  let queue: Queue;
  let events: QueueEvents;

  beforeAll(async () => {
    const ds = await loadSampleDataset({ rows: 3000 });
    const model = { ...PRESETS.tiny, layers: 1, channels: ds.channels.length };
    const data = prepareRunData(ds, windowLength(model));
    const config: RunConfig = {
      ...shortRunConfig(ds, data, model, { variant: 'baseline', steps: 10, seed: 1, valEvery: 10 }),
      schedule: { kind: 'cosine', lr: 2e-3, warmup: 2, total: 10, final: 2e-4 },
    };
    const dataFile = await writeDataFile(runsDir, data.fingerprint, data, model.channels);
    mkdirSync(path.join(runsDir, 'job-ok'));
    task = {
      version: APP_VERSION,
      jobId: 'job-ok',
      jobDir: 'job-ok',
      runDir: 'baseline-s1',
      name: 'baseline s1',
      config,
      dataFile: path.relative(runsDir, dataFile),
      submitter: 'test',
    };
    const { connection } = parseQueueUrl(url);
    queue = new Queue(RUNS_QUEUE, { connection });
    events = new QueueEvents(RUNS_QUEUE, { connection });
    await events.waitUntilReady();
  }, 60_000);

  afterAll(async () => {
    await Promise.allSettled([queue?.close(), events?.close()]);
  });

  /** Puts `data` on the queue as a run (3 attempts, as a submitter does); its outcome. */
  async function submit(data: unknown): Promise<{ error: string | null; attempts: number }> {
    const job = await queue.add('run', data as RunTask, { attempts: 3, backoff: { type: 'fixed', delay: 200 } });
    const error = await job.waitUntilFinished(events, 60_000).then(
      () => null,
      (err: Error) => err.message,
    );
    const after = await queue.getJob(job.id!);
    return { error, attempts: after?.attemptsMade ?? -1 };
  }

  it('a well-formed task trains (the baseline of what follows)', async () => {
    expect(await submit(task)).toEqual({ error: null, attempts: 1 });
    expect(JSON.parse(readFileSync(path.join(runsDir, 'job-ok', 'baseline-s1', 'report.json'), 'utf8')).status).toBe(
      'finished',
    );
  });

  it('refuses, at the first attempt, paths out of the runs folder and writes nothing there', async () => {
    const victim = path.join(root, 'victim');
    mkdirSync(victim);
    const out = await submit({ ...task, jobDir: '../victim', runDir: 'x' });
    expect(out.attempts).toBe(1);
    expect(out.error).toMatch(
      /the task is not one StackLab sends: the task "jobDir" part 1 must be a plain folder name .* got "\.\."/,
    );
    expect(readdirSync(victim)).toEqual([]);
    // A link inside the runs folder that leads out of it.
    symlinkSync(victim, path.join(runsDir, 'escape'));
    expect((await submit({ ...task, jobDir: 'escape' })).error).toMatch(
      /the job folder .*escape leads outside this worker's runs folder/,
    );
    expect(readdirSync(victim)).toEqual([]);
    expect((await submit({ ...task, runDir: '../../victim' })).error).toMatch(/"runDir" must be a plain folder name/);
    expect((await submit({ ...task, jobDir: '/tmp' })).error).toMatch(/"jobDir" part 1 must be a plain folder name/);
  });

  it('refuses a device, a FIFO or a file outside the folder as the data set, without reading it', async () => {
    const absolute = await submit({ ...task, dataFile: '../../../../dev/zero' });
    expect(absolute).toMatchObject({
      attempts: 1,
      error: expect.stringMatching(
        /"dataFile" must be a path of at most 2 folders inside the runs folder, got "\.\.\/\.\.\/\.\.\/\.\.\/dev\/zero"/,
      ),
    });
    symlinkSync('/dev/zero', path.join(runsDir, '.data', 'zero.safetensors'));
    expect((await submit({ ...task, dataFile: '.data/zero.safetensors' })).error).toMatch(
      /the job's data set .*zero\.safetensors leads outside this worker's runs folder/,
    );
    execFileSync('mkfifo', [path.join(runsDir, '.data', 'pipe.safetensors')]);
    expect((await submit({ ...task, dataFile: '.data/pipe.safetensors' })).error).toMatch(
      /pipe\.safetensors is a named pipe \(FIFO\), not a regular file/,
    );
    expect((await submit({ ...task, dataFile: 'job-ok/job.json' })).error).toMatch(
      /"dataFile" must be a data set in \.data\//,
    );
  });

  it('refuses a task of absurd size or type, naming the field, and one from another version in one sentence', async () => {
    const huge = await submit({
      ...task,
      config: { ...task.config, model: { ...task.config.model, dModel: 1_000_000 } },
    });
    expect(huge).toMatchObject({
      attempts: 1,
      error: expect.stringMatching(
        /the task "config" "model" "dModel" must be a whole number from 1 to 8192, got 1000000/,
      ),
    });
    expect((await submit({ ...task, config: { ...task.config, precision: 'fp8' } })).error).toMatch(
      /"precision" must be one of fp32, tf32, bf16, fp16, got "fp8"/,
    );
    expect(
      (await submit({ ...task, config: { ...task.config, growth: { ...task.config.growth, steps: -5 } } })).error,
    ).toMatch(/"growth" "steps" must be a whole number from 1 to/);
    expect((await submit('not an object')).error).toMatch(/the task must be an object/);
    const old = await submit({ ...task, version: '0.0.9' });
    expect(old).toMatchObject({
      attempts: 1,
      error: `worker hostile-w1: this run was sent by StackLab 0.0.9 and this worker is StackLab ${APP_VERSION}: run the same version on the submitter and the workers`,
    });
    // The worker goes on taking runs.
    expect(worker.proc.exitCode).toBeNull();
    expect(await submit({ ...task, jobId: 'job-ok-2', runDir: 'baseline-s2' })).toEqual({ error: null, attempts: 1 });
  }, 60_000);
});

describe('the task check keeps what a submitter sends', () => {
  it('every field of a planned run config, for every variant and option, passes through unchanged', async () => {
    const ds = await loadSampleDataset({ rows: 3000 });
    const plan = resolvePlan({
      variants: ['baseline', 'gradstack', 'midas', 'gstack', 'progressive'],
      preset: 'tiny',
      seeds: 2,
      flopMatched: 'midas',
      lr: 3e-3,
      rewarmup: 20,
      resetMoments: true,
      trainRows: 1500,
      normalize: 'per-series',
      threshold: 'per-series',
      combine: 'max',
      smooth: 5,
    });
    // The plan's options at the edges of what a plan accepts.
    const edges = resolvePlan({
      variants: ['midas'],
      preset: 'tiny',
      seeds: 1,
      layers: 96,
      block: 1,
      alpha: LIMITS.alpha.max,
      steps: LIMITS.steps.max,
      lr: LIMITS.lr.max,
      rewarmup: LIMITS.steps.max,
      trainFraction: LIMITS.trainFraction.max,
      smooth: LIMITS.smooth.max,
    });
    const job = {
      runs: [
        ...planJob(plan, ds, 'sample', 'cpu', path.join(root, 'planned')).runs,
        ...planJob(edges, ds, 'sample', 'cpu', path.join(root, 'edges')).runs,
      ],
    };
    for (const run of job.runs) {
      const sent = JSON.parse(
        JSON.stringify({
          version: APP_VERSION,
          jobId: 'j',
          jobDir: 'j',
          runDir: 'r',
          name: run.name,
          config: run.config,
          dataFile: '.data/f.safetensors',
          submitter: 'x',
        }),
      );
      expect(parseRunTask(sent).config, run.name).toEqual(sent.config);
    }
  });
});

describe('a Redis that does not answer, or forgets', () => {
  it('one that accepts connections and never answers is an error naming the URL within 10 s', async () => {
    const silent = net.createServer((sock) => sock.on('error', () => undefined)).listen(0, '127.0.0.1');
    await new Promise((r) => silent.once('listening', r));
    const silentUrl = `redis://127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
    try {
      const train = stacklab([
        'train',
        '--sample',
        '--preset',
        'tiny',
        '--steps',
        '10',
        '--seeds',
        '1',
        '--device',
        'cpu',
        '--queue',
        silentUrl,
        '--runs-dir',
        runsDir,
        '--out',
        path.join(runsDir, 'job-silent'),
      ]);
      const w = stacklab(['worker', '--queue', silentUrl, '--runs-dir', runsDir, '--device', 'cpu']);
      for (const p of [train, w]) {
        const { code, ms } = await p.exit;
        expect(code).toBe(1);
        // 10 s of waiting for an answer, plus the process's own start (and, for train, the data's import).
        expect(ms).toBeLessThan(20_000);
        expect(p.err()).toMatch(
          new RegExp(`the queue at ${silentUrl.replace(/[.]/g, '\\.')} did not answer within 10 s`),
        );
      }
      expect(existsSync(path.join(runsDir, 'job-silent', 'job.json'))).toBe(false);
    } finally {
      silent.close();
    }
  }, 60_000);

  it('one that restarts empty mid-job is an error naming the URL within 10 s; the run keeps its checkpoints', async () => {
    const dir = mkdtempSync(path.join(root, 'restart-'));
    const own = await startRedis(PASSWORD, dir);
    const runs = path.join(dir, 'runs');
    mkdirSync(runs);
    const w = startWorker(own.url, runs, 'restart-w', dir);
    await waitReady(w);
    const out = path.join(runs, 'job-restart');
    const train = stacklab([
      'train',
      '--sample',
      '--preset',
      'tiny',
      '--variants',
      'baseline',
      '--steps',
      '3000',
      '--seeds',
      '1',
      '--device',
      'cpu',
      '--queue',
      own.url,
      '--runs-dir',
      runs,
      '--out',
      out,
    ]);
    try {
      await until(
        'a checkpoint',
        () =>
          existsSync(path.join(out, 'baseline-s1', 'checkpoints')) &&
          readdirSync(path.join(out, 'baseline-s1', 'checkpoints')).some((f) => f.endsWith('.safetensors')),
      );
      await stopProcesses([own.proc], 'SIGKILL');
      const restarted = await startRedis(PASSWORD, dir, own.port);
      children.push(restarted.proc);
      const t0 = Date.now();
      const { code } = await train.exit;
      expect(code).toBe(1);
      expect(Date.now() - t0).toBeLessThan(12_000);
      expect(train.err()).toMatch(
        new RegExp(
          `the queue at redis://:\\*\\*\\*@127\\.0\\.0\\.1:${own.port} (no longer holds baseline s1|stopped answering)`,
        ),
      );
      expect(readdirSync(path.join(out, 'baseline-s1', 'checkpoints')).some((f) => f.endsWith('.safetensors'))).toBe(
        true,
      );
    } finally {
      await stopProcesses([w.proc], 'SIGKILL');
    }
  }, 120_000);

  it("the submitter's first Ctrl+C stops it, though no worker has taken its runs", async () => {
    // A queue no worker serves: its own Redis.
    const dir = mkdtempSync(path.join(root, 'ctrl-c-'));
    const own = await startRedis(PASSWORD, dir);
    children.push(own.proc);
    const runs = path.join(dir, 'runs');
    mkdirSync(runs);
    const train = stacklab([
      'train',
      '--sample',
      '--preset',
      'tiny',
      '--steps',
      '50',
      '--seeds',
      '2',
      '--device',
      'cpu',
      '--queue',
      own.url,
      '--runs-dir',
      runs,
      '--out',
      path.join(runs, 'job-wait'),
    ]);
    await until('the runs on the queue', () => train.err().includes('runs go to the queue'));
    await new Promise((r) => setTimeout(r, 500));
    const t0 = Date.now();
    train.proc.kill('SIGINT');
    const { code } = await train.exit;
    expect(code).toBe(130);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(train.err()).toMatch(
      /stopped: the runs keep their checkpoints; continue with:\n {2}stacklab train --sample .* --queue 'redis:\/\/:<password>@[^']+' --runs-dir \S+ --out \S*job-wait --resume$/m,
    );
    // The queue's password is not printed.
    expect(train.err()).not.toContain(PASSWORD);
  }, 60_000);
});

describe('workers and another process on one run folder', () => {
  it('a run another live process trains waits on the queue without using its attempts, and its job finishes', async () => {
    const out = path.join(runsDir, 'job-shared');
    const args = [
      '--sample',
      '--preset',
      'tiny',
      '--variants',
      'baseline',
      '--layers',
      '2',
      '--steps',
      '1200',
      '--seeds',
      '1',
      '--device',
      'cpu',
      '--out',
      out,
    ];
    const local = stacklab(['train', ...args]);
    await until('the local run lock', () => existsSync(path.join(out, 'baseline-s1', 'run.lock')));
    const queued = stacklab(['train', ...args, '--queue', url, '--runs-dir', runsDir, '--resume']);
    expect((await local.exit).code, local.err()).toBe(0);
    const { code } = await queued.exit;
    expect(code, queued.err()).toBe(0);
    expect(queued.err()).not.toMatch(/failed on the workers/);
    expect(worker.log.join('\n')).toMatch(
      /baseline s1 is trained by process \d+ on .*: it waits on the queue and is tried again in 5 s/,
    );
    const job = JSON.parse(readFileSync(path.join(out, 'job.json'), 'utf8'));
    expect(job.error).toBeUndefined();
  }, 120_000);
});
