/**
 * What a run folder, a job folder and the settings survive: one writer per run folder enforced at
 * every write (a fencing token), atomic writes that cannot collide, damaged job.json and
 * settings.json said as damaged, hand-edited job.json kept inside --root, and checkpoints that
 * lie (flipped bits, a missing tensor, a step beyond the plan) taken for damaged.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSampleDataset } from '../../src/engine/data/dataset';
import { prepareRunData } from '../../src/engine/data/prepared';
import { parseSafetensors, serializeSafetensors } from '../../src/engine/io/safetensors';
import { PRESETS, windowLength } from '../../src/engine/models/patch-transformer';
import { parseJobFile, readJobFile, writeJobFile, type JobFile } from '../../src/engine/runs/job';
import { resolvePlan } from '../../src/engine/runs/plan';
import { runTraining } from '../../src/engine/runs/runner';
import { LIMITS } from '../../src/shared/limits';
import { LockLostError, RunStore } from '../../src/engine/runs/store';
import type { RunConfig } from '../../src/engine/runs/types';
import { createServices, type Services } from '../../src/engine/services';
import { createSettingsService } from '../../src/engine/services/settings';
import { shortRunConfig } from '../helpers/run-config';

const ds = await loadSampleDataset({ rows: 3000 });
const model = { ...PRESETS.tiny, layers: 3, channels: ds.channels.length };
const data = prepareRunData(ds, windowLength(model));
const config = (steps = 36): RunConfig => shortRunConfig(ds, data, model, { variant: 'midas', steps });
const tmp = (name = 'run') => mkdtempSync(path.join(os.tmpdir(), `stacklab-safety-${name}-`));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
});

/** `stacklab train` in a child process, with its stderr collected. */
function train(args: string[]): { child: ChildProcess; err: () => string; exit: Promise<number | null> } {
  const child = spawn(process.execPath, ['bin/stacklab.js', 'train', ...args], {
    cwd: process.cwd(),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.push(child);
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return { child, err: () => err, exit: new Promise((r) => child.on('exit', (code) => r(code))) };
}

async function until(what: string, ok: () => boolean, ms = 60_000): Promise<void> {
  const t0 = Date.now();
  while (!ok()) {
    if (Date.now() - t0 > ms) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const files = (dir: string) => (existsSync(dir) ? readdirSync(dir).sort() : []);

describe('one writer per run folder, enforced where it writes', () => {
  it('a process paused past its heartbeat wakes to a taken-over run and stops without writing', async () => {
    const out = tmp('fence');
    const run = train([
      '--sample',
      '--variants',
      'baseline',
      '--seeds',
      '1',
      '--preset',
      'tiny',
      '--steps',
      '3000',
      '--device',
      'cpu',
      '--out',
      out,
    ]);
    const runDir = path.join(out, 'baseline-s1');
    const cks = path.join(runDir, 'checkpoints');
    await until('the first checkpoint', () => files(cks).some((f) => f.endsWith('.safetensors')));
    run.child.kill('SIGSTOP');
    // What another machine's worker does once the lock has not been renewed for 20 s: its own lock in place.
    const foreign = { pid: 4242, host: 'other-worker-host', started: new Date().toISOString(), token: 'f0f0f0f0f0f0' };
    const lockFile = path.join(runDir, 'run.lock');
    writeFileSync(lockFile, `${JSON.stringify(foreign)}\n`);
    const metrics = readFileSync(path.join(runDir, 'metrics.jsonl'));
    const checkpoints = files(cks);
    const lockTime = statSync(lockFile).mtimeMs;
    run.child.kill('SIGCONT');
    const code = await run.exit;
    expect(code, run.err()).toBe(1);
    expect(run.err()).toMatch(
      /no longer holds the run's lock \(process 4242 on other-worker-host took it over at .*\); it stopped without writing/,
    );
    // Nothing written after the takeover: no metrics line, no checkpoint, no report; the other's lock untouched.
    expect(readFileSync(path.join(runDir, 'metrics.jsonl')).equals(metrics)).toBe(true);
    expect(files(cks)).toEqual(checkpoints);
    expect(existsSync(path.join(runDir, 'report.json'))).toBe(false);
    expect(JSON.parse(readFileSync(lockFile, 'utf8'))).toEqual(foreign);
    expect(statSync(lockFile).mtimeMs).toBe(lockTime);
  }, 120_000);

  it('every write of a store checks its lock: appends, checkpoints, reports and JSON files', async () => {
    const dir = tmp('lease');
    const store = new RunStore(dir);
    const lease = await store.lock();
    await store.init({ a: 1 });
    await store.appendMetrics([{ type: 'stage', stage: 1, layers: 1, steps: 1, step: 0 }]);
    writeFileSync(
      path.join(dir, 'run.lock'),
      JSON.stringify({ pid: 1, host: 'elsewhere', started: 'now', token: 'not-mine' }),
    );
    const before = files(dir);
    const metrics = readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8');
    await expect(
      store.appendMetrics([{ type: 'stage', stage: 2, layers: 2, steps: 1, step: 1 }]),
    ).rejects.toBeInstanceOf(LockLostError);
    await expect(store.writeReport({ status: 'finished' })).rejects.toThrow(
      /no longer holds the run's lock \(process 1 on elsewhere took it over at now/,
    );
    await expect(store.writeJson('scores.json', {})).rejects.toBeInstanceOf(LockLostError);
    await expect(
      store.saveCheckpoint({
        step: 1,
        layers: 1,
        stage: 1,
        rng: 0,
        params: new Map([['w', new Float32Array(2)]]),
        m: new Map(),
        v: new Map(),
      }),
    ).rejects.toBeInstanceOf(LockLostError);
    await expect(store.truncateMetrics(0)).rejects.toBeInstanceOf(LockLostError);
    expect(files(dir)).toEqual(before);
    expect(files(path.join(dir, 'checkpoints'))).toEqual([]);
    expect(readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8')).toBe(metrics);
    // Release leaves the other's lock in place.
    await lease.release();
    expect(JSON.parse(readFileSync(path.join(dir, 'run.lock'), 'utf8')).token).toBe('not-mine');
  });

  it('a lock that cannot be read for a moment is not a lock lost; one that stays gone is', async () => {
    const dir = tmp('blink');
    const store = new RunStore(dir);
    const lease = await store.lock();
    await store.init({ a: 1 });
    const lock = path.join(dir, 'run.lock');
    // The lock unreadable for 150 ms (moved aside, as a read failing under load looks): the write waits it out.
    renameSync(lock, `${lock}.aside`);
    setTimeout(() => renameSync(`${lock}.aside`, lock), 150);
    await store.writeJson('scores.json', { ok: 1 });
    expect(JSON.parse(readFileSync(path.join(dir, 'scores.json'), 'utf8'))).toEqual({ ok: 1 });
    // Not a file for a moment (a read that fails for another reason than its absence: a timeout,
    // no file handle to spare): the write waits it out too, for longer than a file gone would get.
    renameSync(lock, `${lock}.aside`);
    mkdirSync(lock);
    setTimeout(() => {
      rmdirSync(lock);
      renameSync(`${lock}.aside`, lock);
    }, 1500);
    await store.writeJson('scores.json', { ok: 1.5 });
    expect(JSON.parse(readFileSync(path.join(dir, 'scores.json'), 'utf8'))).toEqual({ ok: 1.5 });
    // Gone for good: the run stops without writing.
    rmSync(lock);
    await expect(store.writeJson('scores.json', { ok: 2 })).rejects.toThrow(/its lock file is gone/);
    expect(JSON.parse(readFileSync(path.join(dir, 'scores.json'), 'utf8'))).toEqual({ ok: 1.5 });
    await lease.release();
  });

  it('a lock replaced by text this program did not write is a lock lost', async () => {
    const dir = tmp('foreign');
    const store = new RunStore(dir);
    const lease = await store.lock();
    await store.init({ a: 1 });
    writeFileSync(path.join(dir, 'run.lock'), 'not a lock');
    await expect(store.writeJson('scores.json', { ok: 1 })).rejects.toThrow(
      /its lock file was replaced by one this program did not write/,
    );
    expect(existsSync(path.join(dir, 'scores.json'))).toBe(false);
    await lease.release();
    expect(readFileSync(path.join(dir, 'run.lock'), 'utf8')).toBe('not a lock');
  });

  it('the app resuming a job the command line trains is refused, and the finished job is never "failed"', async () => {
    const runs = tmp('app-runs');
    const out = path.join(runs, 'cli-job');
    const run = train([
      '--sample',
      '--variants',
      'baseline',
      '--seeds',
      '1',
      '--preset',
      'tiny',
      '--steps',
      '400',
      '--device',
      'cpu',
      '--out',
      out,
    ]);
    await until('the run lock', () => existsSync(path.join(out, 'baseline-s1', 'run.lock')));
    const services = createServices({ host: 'server', runsDir: runs, configDir: tmp('app-config') });
    const jobJson = readFileSync(path.join(out, 'job.json'), 'utf8');
    await expect(services.handle('jobs.resume', { dir: out })).rejects.toThrow(
      /cli-job \(baseline s1\) is being trained by process \d+ on .*: wait for it to finish or stop it/,
    );
    expect(readFileSync(path.join(out, 'job.json'), 'utf8')).toBe(jobJson);
    expect(await run.exit).toBe(0);
    // An error an earlier attempt left in job.json does not make a job whose runs all finished "failed".
    const job = JSON.parse(readFileSync(path.join(out, 'job.json'), 'utf8'));
    writeFileSync(path.join(out, 'job.json'), JSON.stringify({ ...job, error: 'an earlier attempt failed' }));
    const [listed] = (await services.handle('jobs.list', {})) as { status: string }[];
    expect(listed!.status).toBe('finished');
  }, 120_000);
});

describe('atomic writes that cannot collide', () => {
  it('20 renames of one job at once leave a whole job.json with one of the names', async () => {
    const runs = tmp('rename');
    const dir = path.join(runs, 'job');
    mkdirSync(dir);
    const job = {
      id: 'j1',
      name: 'first',
      createdAt: '2026-12-07T00:00:00.000Z',
      plan: { variants: ['baseline'], preset: 'tiny', seeds: 1 },
      import: { source: { kind: 'sample' } },
      source: 'sample (built-in synthetic plant)',
      device: 'cpu',
      runs: [{ name: 'baseline', variant: 'baseline', seed: 1, dir: 'baseline-s1', steps: 10 }],
    };
    writeFileSync(path.join(dir, 'job.json'), JSON.stringify(job));
    const services = createServices({ host: 'server', runsDir: runs, configDir: tmp('rename-config') });
    for (let trial = 0; trial < 5; trial++) {
      const names = Array.from({ length: 20 }, (_, i) => `name ${trial}-${i}`);
      await Promise.all(names.map((name) => services.handle('jobs.rename', { dir, name })));
      const stored = JSON.parse(readFileSync(path.join(dir, 'job.json'), 'utf8'));
      expect(names).toContain(stored.name);
      expect(files(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
    }
  });

  it('a job.json read while it is saved again and again reads whole, never "damaged"', async () => {
    const dir = tmp('reread');
    const job = (name: string) =>
      ({
        id: 'j1',
        name,
        createdAt: '2026-12-07T00:00:00.000Z',
        plan: { variants: ['baseline'], preset: 'tiny', seeds: 1 },
        import: { source: { kind: 'sample' } },
        source: 's',
        device: 'cpu',
        runs: [{ name: 'b', variant: 'baseline', seed: 1, dir: 'b-s1', steps: 5 }],
      }) as JobFile;
    await writeJobFile(dir, job('0'));
    // Another process saves it as StackLab does (a whole new file renamed over the old), a thousand times a second.
    const text = JSON.stringify(job('saved'));
    const writer = spawn(
      process.execPath,
      [
        '-e',
        `const fs = require('node:fs'); const [f, t] = process.argv.slice(1); for (let i = 0; ; i++) { fs.writeFileSync(f + '.tmp', t); fs.renameSync(f + '.tmp', f); const t0 = Date.now(); while (Date.now() - t0 < 1); }`,
        path.join(dir, 'job.json'),
        text,
      ],
      { stdio: 'ignore' },
    );
    children.push(writer);
    await new Promise((r) => setTimeout(r, 200));
    const failed: string[] = [];
    for (let i = 0; i < 2000; i++) await readJobFile(dir).catch((err: Error) => failed.push(err.message));
    writer.kill('SIGKILL');
    expect(failed).toEqual([]);
  });

  it('30 settings changes at once: a whole settings.json holding the last one', async () => {
    const configDir = tmp('settings');
    const settings = createSettingsService(configDir, '/tmp/default-runs');
    const changes = Array.from({ length: 30 }, (_, i) =>
      settings.set({ threads: i + 1, ...(i % 3 === 0 ? { defaultDevice: 'cpu' as const } : {}) }),
    );
    await Promise.all(changes);
    const stored = JSON.parse(readFileSync(path.join(configDir, 'settings.json'), 'utf8'));
    expect(stored).toMatchObject({ threads: 30, defaultDevice: 'cpu', runsDir: '/tmp/default-runs' });
    expect(await createSettingsService(configDir, '/tmp/x').get()).toMatchObject({ threads: 30, defaultDevice: 'cpu' });
  });

  it('a damaged job.json or settings.json is said as damaged, never as missing or replaced by defaults', async () => {
    const runs = tmp('damaged');
    const dir = path.join(runs, 'job');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'job.json'), '{"id": "j1", "name": "half a fi');
    const configDir = tmp('damaged-config');
    const services = createServices({ host: 'server', runsDir: runs, configDir });
    await expect(services.handle('jobs.resume', { dir })).rejects.toThrow(
      /job\.json is damaged \(not valid JSON at character \d+\): restore it from a copy/,
    );
    await expect(services.handle('jobs.rename', { dir, name: 'x' })).rejects.toThrow(/job\.json is damaged/);
    expect(readFileSync(path.join(dir, 'job.json'), 'utf8')).toBe('{"id": "j1", "name": "half a fi');
    await expect(services.handle('jobs.history', { dir })).rejects.toThrow(/job\.json is damaged \(not valid JSON/);
    // A job.json whose fields are wrong: the field is named.
    writeFileSync(
      path.join(dir, 'job.json'),
      JSON.stringify({
        id: 'j1',
        name: 'n',
        createdAt: 'x',
        plan: { variants: ['baseline'], preset: 'tiny', seeds: 1 },
        import: { source: { kind: 'sample' } },
        source: 's',
        device: 'tpu',
        runs: [{ name: 'b', variant: 'baseline', seed: 1, dir: 'b-s1', steps: 5 }],
      }),
    );
    await expect(services.handle('jobs.resume', { dir })).rejects.toThrow(
      /job\.json is damaged \(job\.json "device" must be one of cuda, webgpu, cpu, got "tpu"\)/,
    );

    writeFileSync(path.join(configDir, 'settings.json'), '{"runsDir": "/x", "threads": ');
    await expect(services.handle('settings.get', {})).rejects.toThrow(
      /settings\.json is damaged \(not valid JSON: it ends too soon \(cut short\?\)\): fix it by hand, or delete it/,
    );
    await expect(services.handle('settings.set', { threads: 2 })).rejects.toThrow(/settings\.json is damaged/);
    expect(readFileSync(path.join(configDir, 'settings.json'), 'utf8')).toBe('{"runsDir": "/x", "threads": ');
    writeFileSync(path.join(configDir, 'settings.json'), JSON.stringify({ threads: 'many' }));
    await expect(services.handle('settings.get', {})).rejects.toThrow(
      /settings\.json is damaged \(settings\.json "threads" must be a whole number from 0 to 256, got "many"\)/,
    );
  });
});

describe('what this version writes, it reads back', () => {
  it('a job.json with every plan option at the edge the plan accepts is not "damaged"', () => {
    const plan = {
      variants: ['baseline', 'gradstack', 'midas', 'gstack', 'progressive'],
      preset: 'base',
      seeds: LIMITS.seeds.max,
      layers: LIMITS.layers.max,
      block: LIMITS.block.max,
      alpha: LIMITS.alpha.max,
      steps: LIMITS.steps.max,
      flopMatched: 'midas',
      lr: LIMITS.lr.max,
      resetMoments: true,
      rewarmup: LIMITS.steps.max,
      trainFraction: LIMITS.trainFraction.max,
      normalize: 'per-series',
      threshold: 'per-series',
      combine: 'max',
      smooth: LIMITS.smooth.max,
      device: 'cuda',
      precision: 'bf16',
      name: 'edges',
    } as const;
    expect(() => resolvePlan(plan)).not.toThrow();
    const job = {
      id: 'j',
      name: 'n',
      createdAt: '2026-12-07T00:00:00.000Z',
      plan,
      import: {
        source: { kind: 'path', path: '/data/x.csv', labels: '/data/w.json' },
        roles: { run: 'series' },
        delimiter: ';',
        decimal: ',',
        header: true,
        fillLimit: 3,
        labelMap: { broken: 1 },
        resample: true,
      },
      source: '/data/x.csv',
      device: 'cuda',
      runs: [{ name: 'midas', variant: 'midas', seed: 20, dir: 'midas-s20', steps: 1_000_000 }],
      error: 'e',
      notes: ['n'],
    };
    expect(parseJobFile(JSON.parse(JSON.stringify(job)))).toEqual(job);
    // Beyond the edge, the plan itself refuses, before anything is written.
    expect(() => resolvePlan({ ...plan, alpha: 5 })).toThrow(/Prop-α must be a number from 0 to 4, got 5/);
    expect(() => resolvePlan({ ...plan, trainFraction: 0.995 })).toThrow(
      /the training fraction must be a number from 0\.01 to 0\.99/,
    );
  });
});

describe('--root holds for paths read from disk', () => {
  it('a hand-edited job.json naming run folders or labels outside the root reads nothing there', async () => {
    const base = tmp('root');
    const root = path.join(base, 'root');
    const runs = path.join(root, 'runs');
    const dir = path.join(runs, 'job');
    mkdirSync(dir, { recursive: true });
    // A run folder outside the root with a report that would show in the library.
    const outside = path.join(base, 'outside');
    mkdirSync(outside);
    writeFileSync(
      path.join(outside, 'report.json'),
      JSON.stringify({ status: 'finished', wallMs: 123456, finalValLoss: 0.5 }),
    );
    writeFileSync(
      path.join(outside, 'metrics.jsonl'),
      `${JSON.stringify({ type: 'train', step: 1, loss: 0.777, flops: 1, elapsedMs: 1 })}\n`,
    );
    const job = {
      id: 'j1',
      name: 'edited',
      createdAt: '2026-12-07T00:00:00.000Z',
      plan: { variants: ['baseline'], preset: 'tiny', seeds: 1 },
      import: {
        source: { kind: 'path', path: path.join(root, 'data.csv'), labels: path.join(outside, 'labels.json') },
      },
      source: 'x',
      device: 'cpu',
      runs: [{ name: 'baseline', variant: 'baseline', seed: 1, dir: '../../../outside', steps: 10 }],
    };
    writeFileSync(path.join(dir, 'job.json'), JSON.stringify(job));
    const services: Services = createServices({
      host: 'server',
      runsDir: runs,
      configDir: path.join(base, 'config'),
      root,
    });
    await expect(services.handle('jobs.history', { dir })).rejects.toThrow(/"dir" must be a plain folder name/);
    await expect(services.handle('jobs.resume', { dir })).rejects.toThrow(
      /job\.json runs\[0\] "dir" must be a plain folder name \(no path separators, not \. or \.\.\), got "\.\.\/\.\.\/\.\.\/outside"/,
    );
    const listed = JSON.stringify(await services.handle('jobs.list', {}));
    expect(listed).not.toContain('123456');
    // The labels file named in job.json is checked where the data service reads it.
    writeFileSync(
      path.join(dir, 'job.json'),
      JSON.stringify({ ...job, runs: [{ ...job.runs[0], dir: 'baseline-s1' }] }),
    );
    writeFileSync(path.join(root, 'data.csv'), 'timestamp,x\n2024-01-01 00:00:00,1\n');
    await expect(services.handle('jobs.resume', { dir })).rejects.toThrow(
      /the labels file .*labels\.json is outside the folder this server may use/,
    );
    // A run folder that is a link out of the job folder is not read either.
    symlinkSync(outside, path.join(dir, 'baseline-s1'));
    const [info] = (await services.handle('jobs.list', {})) as { runs: { status: string; wallMs: number | null }[] }[];
    expect(info!.runs[0]).toMatchObject({ status: 'failed', wallMs: null });
    expect(JSON.stringify(await services.handle('jobs.history', { dir }))).not.toContain('0.777');
  });

  it('a run folder whose scores.json is a link out of the root, or whose report.json is a FIFO, neither leaks nor hangs', async () => {
    const base = tmp('root-run');
    const root = path.join(base, 'root');
    const run = path.join(root, 'runs', 'job', 'baseline-s1');
    mkdirSync(run, { recursive: true });
    writeFileSync(path.join(base, 'secret.json'), JSON.stringify({ secret: 'OUTSIDE-91c2' }));
    symlinkSync(path.join(base, 'secret.json'), path.join(run, 'scores.json'));
    writeFileSync(path.join(run, 'config.json'), '{}');
    execFileSync('mkfifo', [path.join(run, 'report.json')]);
    const services = createServices({
      host: 'server',
      runsDir: path.join(root, 'runs'),
      configDir: path.join(base, 'config'),
      root,
    });
    await expect(services.handle('compare.timeline', { runDir: run })).rejects.toThrow(
      /scores\.json is damaged \(it is a link, and StackLab writes this file itself, never as a link\)/,
    );
    const t0 = Date.now();
    await expect(services.handle('compare.get', { dir: path.dirname(run) })).rejects.toThrow(
      /report\.json is damaged \(is a named pipe \(FIFO\), not a regular file\)/,
    );
    expect(Date.now() - t0).toBeLessThan(5000);
  });
});

describe('checkpoints that lie are damaged', () => {
  /** A finished short run, its checkpoints, and a resume's notes after `edit` changed the newest one. */
  async function resumeAfter(edit: (file: string) => void): Promise<{ notes: string; steps: number; trained: number }> {
    const dir = tmp('ck');
    const abort = new AbortController();
    await runTraining({
      config: config(),
      data,
      dir,
      signal: abort.signal,
      progressIntervalMs: 0,
      onEvent: (e) => e.type === 'step' && e.step === 26 && abort.abort(),
    });
    const cks = files(path.join(dir, 'checkpoints'));
    expect(cks.at(-1)).toBe('step-00000026.safetensors');
    edit(path.join(dir, 'checkpoints', cks.at(-1)!));
    const notes: string[] = [];
    let first = -1;
    const r = await runTraining({
      config: config(),
      data,
      dir,
      resume: true,
      progressIntervalMs: 0,
      onEvent: (e) => {
        if (e.type === 'note') notes.push(e.message);
        if (e.type === 'step' && first < 0) first = e.step;
      },
    });
    return { notes: notes.join('\n'), steps: r.stages.reduce((a, s) => a + s.steps, 0), trained: first };
  }

  const rewrite = (
    file: string,
    change: (
      t: Map<string, { dtype: 'F32'; shape: number[]; data: Float32Array }>,
      meta: Record<string, string>,
    ) => void,
  ) => {
    const { tensors, metadata } = parseSafetensors(readFileSync(file), file);
    const t = new Map(
      [...tensors].map(([k, v]) => [k, { dtype: 'F32' as const, shape: [...v.shape], data: v.data as Float32Array }]),
    );
    change(t, metadata);
    writeFileSync(file, serializeSafetensors(t, metadata));
  };

  it('a flipped exponent bit in four tensors: the checksum says so, and the run resumes from the one before', async () => {
    const r = await resumeAfter((file) => {
      const bytes = readFileSync(file);
      const headerLen = Number(bytes.readBigUInt64LE(0));
      // The high exponent bit of the first float of four tensors' byte ranges.
      const header = JSON.parse(bytes.subarray(8, 8 + headerLen).toString()) as Record<
        string,
        { data_offsets: [number, number] }
      >;
      const names = Object.keys(header)
        .filter((k) => k !== '__metadata__')
        .slice(0, 4);
      for (const n of names) bytes[8 + headerLen + header[n]!.data_offsets[0] + 3]! ^= 0x40;
      writeFileSync(file, bytes);
    });
    expect(r.notes).toMatch(
      /step-00000026\.safetensors in .* is damaged \(its tensors do not match their checksum .*\): resuming from step-00000025\.safetensors/,
    );
    expect(r.trained).toBe(26);
  });

  it('a missing tensor, or a step beyond the plan, is damaged too (a resume never reports steps it did not train)', async () => {
    const missing = await resumeAfter((file) =>
      rewrite(file, (t, meta) => {
        t.delete([...t.keys()].find((k) => k.startsWith('m.'))!);
        delete meta.sha256;
      }),
    );
    expect(missing.notes).toMatch(
      /step-00000026\.safetensors in .* is damaged \(the first Adam moment of .* is missing\): resuming from step-00000025/,
    );
    const beyond = await resumeAfter((file) =>
      rewrite(file, (_t, meta) => {
        meta.step = '1200';
      }),
    );
    expect(beyond.notes).toMatch(
      /is damaged \(it is at step 1200, beyond the plan's 36 steps\): resuming from step-00000025/,
    );
    expect(beyond.steps).toBe(36);
    expect(beyond.trained).toBe(26);
  });

  it('validation times that are not a list of times: damaged, named by their key', async () => {
    const r = await resumeAfter((file) =>
      rewrite(file, (_t, meta) => {
        meta.stage_eval_ms = '[12, -3]';
        delete meta.sha256;
      }),
    );
    expect(r.notes).toMatch(
      /step-00000026\.safetensors in .* is damaged \(its "stage_eval_ms" is not a list of times\)/,
    );
    expect(r.trained).toBe(26);
  });
});
