/**
 * Runs trained by workers through the job queue (BullMQ on a real Redis: Debian's redis-server,
 * installed by scripts/install-test-deps.sh, started here on a free loopback port with a password):
 * two `stacklab worker` processes and a submitter on this machine give the same losses as a local
 * job; a wrong password, a Redis that is not there and a worker without the shared runs folder
 * each say so.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli';
import {
  freePort,
  startRedis,
  startWorker as startTestWorker,
  stopProcesses,
  waitReady,
  type TestWorker,
} from '../helpers/redis';
import { trainCommand } from '../../src/engine/cli/train';
import { createServices, servicesAsApi } from '../../src/engine/services';
import type { JobInfo } from '../../src/shared/jobs';
import { loadSampleDataset } from '../../src/engine/data/dataset';
import { prepareRunData } from '../../src/engine/data/prepared';
import { PRESETS, windowLength } from '../../src/engine/models/patch-transformer';

const PASSWORD = 'pump-station-7';

const losses = (runDir: string) =>
  readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .filter((m) => m.type === 'train')
    .map((m) => [m.step, m.loss]);

describe('runs trained by workers through the queue', () => {
  let redis: ChildProcess;
  let url: string;
  let port: number;
  const workers: TestWorker[] = [];
  const root = mkdtempSync(path.join(os.tmpdir(), 'stacklab-queue-'));
  const runsDir = path.join(root, 'runs');
  const startWorker = (name: string) => startTestWorker(url, runsDir, name, root);

  beforeAll(async () => {
    mkdirSync(runsDir, { recursive: true });
    ({ proc: redis, port, url } = await startRedis(PASSWORD, root));
    for (const name of ['w1', 'w2']) workers.push(startWorker(name));
    for (const w of workers) await waitReady(w);
  }, 60_000);

  afterAll(async () => {
    await stopProcesses(workers.map((w) => w.proc));
    redis?.kill();
  });

  it('trains a job on two workers with the same losses and comparison as a local job', async () => {
    expect(workers.map((w) => w.log.find((l) => l.includes('takes runs from')))).toEqual([
      expect.stringContaining(`redis://:***@127.0.0.1:${port}`),
      expect.stringContaining('w2'),
    ]);
    const args = [
      'train',
      '--sample',
      '--preset',
      'tiny',
      '--variants',
      'baseline,midas',
      '--layers',
      '2',
      '--block',
      '1',
      '--steps',
      '40',
      '--seeds',
      '1',
      '--device',
      'cpu',
      '--json',
    ];
    const queued = await cli([...args, '--queue', url, '--runs-dir', runsDir, '--out', path.join(runsDir, 'job-q')]);
    expect(queued.code, queued.err).toBe(0);
    expect(queued.err).toMatch(/runs go to the queue at redis:\/\/:\*\*\*@127\.0\.0\.1/);
    expect(queued.err).not.toContain(PASSWORD);
    const local = await cli([...args, '--out', path.join(root, 'job-local')]);
    expect(local.code, local.err).toBe(0);
    for (const run of ['baseline-s1', 'midas-s1'])
      expect(losses(path.join(runsDir, 'job-q', run))).toEqual(losses(path.join(root, 'job-local', run)));
    // The same results (wall-clock aside): validation loss and the detection evaluation of every run.
    const strip = (out: string[]) =>
      (JSON.parse(out.at(-1)!) as { runs: { variant: string; finalValLoss: unknown; evaluation: unknown }[] }).runs.map(
        (r) => [r.variant, r.finalValLoss, r.evaluation],
      );
    expect(strip(queued.out)).toEqual(strip(local.out));
    // The workers trained them, and said so.
    const said = workers.flatMap((w) => w.log).join('\n');
    expect(said).toMatch(/training baseline s1 of job-q/);
    expect(said).toMatch(/midas s1 finished in/);
    // The data set went to the shared folder once, by its fingerprint.
    const config = JSON.parse(readFileSync(path.join(runsDir, 'job-q', 'midas-s1', 'config.json'), 'utf8'));
    expect(readFileSync(path.join(runsDir, '.data', `${config.data.fingerprint}.safetensors`)).length).toBeGreaterThan(
      1000,
    );
  });

  it('trains a reasoning-lab job on the workers with the same losses and primitives as a local job', async () => {
    const args = (
      'train --task reasoning --corpus-bytes 65536 --preset tiny --variants baseline --layers 2 --block 1 ' +
      '--steps 20 --seeds 1 --lab-items 8 --device cpu'
    ).split(' ');
    const queued = await cli([...args, '--queue', url, '--runs-dir', runsDir, '--out', path.join(runsDir, 'job-lab')]);
    expect(queued.code, queued.err).toBe(0);
    const local = await cli([...args, '--out', path.join(root, 'job-lab-local')]);
    expect(local.code, local.err).toBe(0);
    const run = (dir: string) => path.join(dir, 'baseline-s1');
    expect(losses(run(path.join(runsDir, 'job-lab')))).toEqual(losses(run(path.join(root, 'job-lab-local'))));
    const primitives = (dir: string) =>
      JSON.parse(readFileSync(path.join(run(dir), 'report.json'), 'utf8')).primitives as Record<string, unknown>;
    const remote = primitives(path.join(runsDir, 'job-lab'));
    expect(Object.keys(remote)).toContain('assign-math-2');
    expect(remote).toEqual(primitives(path.join(root, 'job-lab-local')));
  }, 180_000);

  it('cancels from the submitter: the workers stop their runs at a checkpoint', async () => {
    const out = path.join(runsDir, 'job-cancel');
    const args = [
      '--sample',
      '--preset',
      'tiny',
      '--variants',
      'baseline,midas',
      '--layers',
      '2',
      '--block',
      '1',
      '--steps',
      '3000',
      '--seeds',
      '1',
      '--device',
      'cpu',
      '--queue',
      url,
      '--runs-dir',
      runsDir,
      '--out',
      out,
    ];
    const abort = new AbortController();
    const err: string[] = [];
    const code = await trainCommand(
      args,
      {
        out: () => undefined,
        err: (l) => (
          err.push(l),
          / step \d+\/3000/.test(l) && err.filter((x) => / step /.test(x)).length > 3 && abort.abort()
        ),
        columns: 120,
      },
      abort.signal,
    );
    expect(code, err.join('\n')).toBe(130);
    const reports = ['baseline-s1', 'midas-s1'].map((r) =>
      JSON.parse(readFileSync(path.join(out, r, 'report.json'), 'utf8')),
    );
    expect(reports.map((r) => r.status)).toEqual(['cancelled', 'cancelled']);
    expect(workers.flatMap((w) => w.log).join('\n')).toMatch(/s1 cancelled in/);
  });

  it("trains the app's jobs on the workers when Settings name the queue, and lists the workers", async () => {
    const api = servicesAsApi(createServices({ host: 'server', runsDir, configDir: path.join(root, 'config-app') }));
    expect(await api.invoke('queue.workers', {})).toEqual([]);
    await api.invoke('settings.set', { queue: url, runsDir });
    const listed = (await api.invoke('queue.workers', {})).filter((w) => w.name === 'w1' || w.name === 'w2');
    expect(listed).toEqual([
      { name: 'w1', busy: 0, device: 'cpu', host: os.hostname() },
      { name: 'w2', busy: 0, device: 'cpu', host: os.hostname() },
    ]);
    const { datasetId } = await api.invoke('data.import', { source: { kind: 'sample' } });
    // Runs train side by side on the workers: each one's progress under its own index.
    const seen = new Map<number, Set<string>>();
    api.on('jobs.progress', (p) => seen.set(p.run, (seen.get(p.run) ?? new Set()).add(p.name)));
    const job = await api.invoke('jobs.start', {
      datasetId,
      variants: ['baseline', 'midas'],
      preset: 'tiny',
      layers: 2,
      block: 1,
      steps: 40,
      seeds: 1,
      device: 'cpu',
    });
    const end = await new Promise<JobInfo>((resolve) => {
      const off = api.on('jobs.changed', (j) => j.id === job.id && j.status !== 'running' && (off(), resolve(j)));
    });
    expect(end.status).toBe('finished');
    expect([...seen].map(([run, names]) => [run, [...names]]).sort()).toEqual([
      [0, ['baseline']],
      [1, ['midas']],
    ]);
    const said = workers.flatMap((w) => w.log).join('\n');
    expect(said).toMatch(new RegExp(`training midas s1 of ${path.basename(job.dir)}`));
    await expect(api.invoke('settings.set', { queue: 'http://x' })).rejects.toThrow(
      /"queue" must be a redis:\/\/ or rediss:\/\/ URL/,
    );
  });

  it('marks a run failed, with its error, after it failed the same way on the workers three times', async () => {
    // The data set the workers would read, damaged before the job is submitted (its name is its fingerprint).
    const ds = await loadSampleDataset();
    const { fingerprint } = prepareRunData(ds, windowLength(PRESETS.tiny), { trainFraction: 0.5 });
    mkdirSync(path.join(runsDir, '.data'), { recursive: true });
    writeFileSync(path.join(runsDir, '.data', `${fingerprint}.safetensors`), 'not a data file');
    const failed = await cli([
      'train',
      '--sample',
      '--preset',
      'tiny',
      '--variants',
      'baseline',
      '--layers',
      '1',
      '--steps',
      '20',
      '--seeds',
      '1',
      '--train-fraction',
      '0.5',
      '--device',
      'cpu',
      '--queue',
      url,
      '--runs-dir',
      runsDir,
      '--out',
      path.join(runsDir, 'job-fail'),
    ]);
    expect(failed.code).toBe(1);
    expect(failed.err).toMatch(/baseline s1 failed on the workers 3 times: .*\.data\/[0-9a-f]+\.safetensors/);
    expect(JSON.parse(readFileSync(path.join(runsDir, 'job-fail', 'job.json'), 'utf8')).error).toMatch(
      /failed on the workers 3 times/,
    );
  }, 60_000);

  it('says what is wrong: a wrong password, no Redis there, a worker without the shared runs folder', async () => {
    const wrong = await cli([
      'worker',
      '--queue',
      `redis://:nope@127.0.0.1:${port}`,
      '--runs-dir',
      runsDir,
      '--device',
      'cpu',
    ]);
    expect(wrong.code).toBe(1);
    expect(wrong.err).toMatch(/the queue at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+ refused the password/);
    const gone = await freePort();
    const none = await cli([
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
      `redis://127.0.0.1:${gone}`,
      '--runs-dir',
      runsDir,
      '--out',
      path.join(runsDir, 'job-none'),
    ]);
    expect(none.code).toBe(1);
    expect(none.err).toMatch(
      new RegExp(`the queue at redis://127\\.0\\.0\\.1:${gone} cannot be reached .*start Redis there`),
    );
    expect(() => readFileSync(path.join(runsDir, 'job-none', 'job.json'))).toThrow();
    const unshared = await cli([
      'worker',
      '--queue',
      url,
      '--runs-dir',
      path.join(root, 'not-mounted'),
      '--device',
      'cpu',
    ]);
    expect(unshared.code).toBe(1);
    expect(unshared.err).toMatch(
      /the runs folder .*not-mounted does not exist here: mount the folder the submitters train into/,
    );
    // A job folder outside the shared runs folder is refused before anything is read or written.
    const outside = path.join(root, 'not-shared', 'job');
    const elsewhere = await cli([
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
      url,
      '--runs-dir',
      runsDir,
      '--out',
      outside,
    ]);
    expect(elsewhere.code).toBe(2);
    expect(elsewhere.err).toMatch(
      /the job folder .*not-shared\/job is not inside the runs folder .* that the workers share/,
    );
    expect(existsSync(outside)).toBe(false);
    const noQueue = await cli(['train', '--sample', '--runs-dir', runsDir]);
    expect(noQueue.code).toBe(2);
    expect(noQueue.err).toMatch(/--runs-dir names the runs folder shared with the workers of --queue/);
    const bad = await cli(['worker', '--queue', 'http://127.0.0.1:6379']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/must start with redis:\/\/ or rediss:\/\//);
    // The message stays on screen, with where the worker's own options are.
    expect(bad.err).toMatch(/\n\(stacklab worker --help shows its options; stacklab help lists every command\)$/);
    expect(bad.err).not.toMatch(/^stacklab import/m);
  });

  it("puts a stopped worker's run back on the queue at a checkpoint (SIGTERM): another worker finishes it", async () => {
    const out = path.join(runsDir, 'job-term');
    const queued = cli([
      'train',
      '--sample',
      '--preset',
      'tiny',
      '--variants',
      'baseline',
      '--layers',
      '2',
      '--steps',
      '800',
      '--seeds',
      '1',
      '--device',
      'cpu',
      '--queue',
      url,
      '--runs-dir',
      runsDir,
      '--out',
      out,
    ]);
    let stopped: (typeof workers)[number] | undefined;
    for (let i = 0; i < 600 && !stopped; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const ck = path.join(out, 'baseline-s1', 'checkpoints');
      if (existsSync(ck) && readdirSync(ck).some((f) => f.endsWith('.safetensors')))
        stopped = workers.find((w) => w.log.some((l) => l.includes('training baseline s1 of job-term')));
    }
    expect(stopped).toBeDefined();
    stopped!.proc.kill('SIGTERM');
    const code = await new Promise((r) => stopped!.proc.once('exit', r));
    expect(code).toBe(0);
    expect(stopped!.log.join('\n')).toMatch(/baseline s1 stopped at a checkpoint and goes back to the queue/);
    const done = await queued;
    expect(done.code, done.err).toBe(0);
    const other = workers.find((w) => w !== stopped)!;
    expect(other.log.join('\n')).toMatch(/resuming baseline s1 of job-term/);
    expect(JSON.parse(readFileSync(path.join(out, 'baseline-s1', 'report.json'), 'utf8')).status).toBe('finished');
    // A new worker in its place, for what follows.
    workers.splice(workers.indexOf(stopped!), 1, startWorker('w3'));
    await waitReady(workers.at(-1)!);
  }, 120_000);

  it('leaves the run of a worker killed outright (kill -9) to the other, which resumes it to the uninterrupted losses', async () => {
    const args = [
      'train',
      '--sample',
      '--preset',
      'tiny',
      '--variants',
      'baseline',
      '--layers',
      '2',
      '--steps',
      '800',
      '--seeds',
      '1',
      '--device',
      'cpu',
      '--json',
    ];
    const out = path.join(runsDir, 'job-kill');
    const queued = cli([...args, '--queue', url, '--runs-dir', runsDir, '--out', out]);
    // Once the run has a checkpoint, the worker training it dies without a word.
    let victim: (typeof workers)[number] | undefined;
    for (let i = 0; i < 600 && !victim; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const ck = path.join(out, 'baseline-s1', 'checkpoints');
      if (existsSync(ck) && readdirSync(ck).some((f) => f.endsWith('.safetensors')))
        victim = workers.find((w) => w.log.some((l) => l.includes('training baseline s1 of job-kill')));
    }
    expect(victim, 'a worker took the run and checkpointed it').toBeDefined();
    victim!.proc.kill('SIGKILL');
    const done = await queued;
    expect(done.code, done.err).toBe(0);
    const other = workers.find((w) => w !== victim)!;
    expect(other.log.join('\n')).toMatch(/resuming baseline s1 of job-kill/);
    const local = await cli([...args, '--out', path.join(root, 'job-kill-local')]);
    expect(local.code, local.err).toBe(0);
    expect(losses(path.join(out, 'baseline-s1'))).toEqual(losses(path.join(root, 'job-kill-local', 'baseline-s1')));
  }, 180_000);
});

describe('a run on another device', () => {
  it('resumes where the device differs (recorded, not required), and still refuses other settings', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'stacklab-device-'));
    const { runFolderConflict } = await import('../../src/engine/runs/resume');
    const { RunStore } = await import('../../src/engine/runs/store');
    const config = { variant: 'baseline', seed: 1, device: 'cuda', precision: 'fp32', schedule: { lr: 1e-3 } } as never;
    await new RunStore(dir).init(config);
    expect(await runFolderConflict(dir, { ...(config as object), device: 'cpu' } as never, true)).toBeNull();
    expect(
      await runFolderConflict(dir, { ...(config as object), device: 'cpu', schedule: { lr: 2e-3 } } as never, true),
    ).toMatch(/differs from this run's settings in schedule\.lr \(/);
  });
});
