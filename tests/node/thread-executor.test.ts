/**
 * Runs side by side in worker threads of one process (`--parallel N`, issue 25): each run as it
 * would be alone (the same losses, metrics and report), its events streamed, cancel stopping it
 * at a checkpoint that resumes exactly, and a run's error arriving with its name and words.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { localExecutor, threadExecutor } from '../../src/engine/runs/executor';
import { LAB_PRESETS } from '../../src/engine/models/patch-transformer';
import {
  bestOf,
  MAX_AUTO,
  parallelForJob,
  probeParallel,
  resolveParallel,
  runMemoryBytes,
} from '../../src/engine/runs/parallel';
import type { RunEvent } from '../../src/engine/runs/types';
import { cli } from '../helpers/cli';
import { sampleRuns } from '../helpers/run-config';

const { data, config } = await sampleRuns();
const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'stacklab-threads-'));
/** metrics.jsonl without wall-clock fields: what a run computed, not when. */
const computed = (dir: string) =>
  readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((r) => r.type === 'train' || r.type === 'isoplot' || r.type === 'val')
    .map((r) => JSON.stringify({ ...r, wallMs: undefined, ms: undefined, evalMs: undefined, elapsedMs: undefined }));

describe('runs side by side in threads', () => {
  it('two runs at once compute what each computes alone, and stream their events', async () => {
    const alone = tmp();
    const together = tmp();
    const runs = [config('midas', 1), config('baseline', 2)];
    const local = localExecutor();
    const soloReports = [];
    for (const [i, c] of runs.entries())
      soloReports.push(
        await local.runRun({ config: c, dir: path.join(alone, `r${i}`), resume: false }, data, () => {}),
      );
    const threads = threadExecutor(2);
    expect(threads.parallel).toBe(2);
    const events: RunEvent[][] = [[], []];
    const reports = await Promise.all(
      runs.map((c, i) =>
        threads.runRun({ config: c, dir: path.join(together, `r${i}`), resume: false }, data, (e) =>
          events[i]!.push(e),
        ),
      ),
    );
    for (const i of [0, 1]) {
      expect(reports[i]!.status).toBe('finished');
      expect(reports[i]!.finalValLoss).toBe(soloReports[i]!.finalValLoss);
      expect(reports[i]!.stages.map((s) => [s.layers, s.steps, s.flops])).toEqual(
        soloReports[i]!.stages.map((s) => [s.layers, s.steps, s.flops]),
      );
      expect(computed(path.join(alone, `r${i}`)).length).toBeGreaterThan(5);
      expect(computed(path.join(together, `r${i}`))).toEqual(computed(path.join(alone, `r${i}`)));
      expect(events[i]!.filter((e) => e.type === 'stage').length).toBe(reports[i]!.stages.length);
    }
  }, 240_000);

  it('cancel stops a run in its thread at a checkpoint, and a resume ends where an unbroken run does', async () => {
    const dir = tmp();
    const c = config('baseline', 3, 60);
    const threads = threadExecutor(1);
    const stop = new AbortController();
    const first = await threads.runRun(
      { config: c, dir, resume: false },
      data,
      (e) => {
        if (e.type === 'step' && e.step >= 20) stop.abort();
      },
      stop.signal,
    );
    expect(first.status).toBe('cancelled');
    const resumed = await threads.runRun({ config: c, dir, resume: true }, data, () => {});
    expect(resumed.status).toBe('finished');
    const unbroken = await localExecutor().runRun({ config: c, dir: tmp(), resume: false }, data, () => {});
    expect(resumed.finalValLoss).toBe(unbroken.finalValLoss);
  }, 240_000);

  it("a run's error comes back with its name and words; nothing else is written", async () => {
    const dir = tmp();
    const c = config('baseline', 4);
    await localExecutor().runRun({ config: c, dir, resume: false }, data, () => {});
    // A resume whose plan differs from the folder's config.json is refused, in the thread as here.
    const other = { ...c, valEvery: c.valEvery + 1 };
    const here = await localExecutor()
      .runRun({ config: other, dir, resume: true }, data, () => {})
      .then(
        () => null,
        (e: Error) => e,
      );
    const there = await threadExecutor(1)
      .runRun({ config: other, dir, resume: true }, data, () => {})
      .then(
        () => null,
        (e: Error) => e,
      );
    expect(here).toBeInstanceOf(Error);
    expect(there?.message).toBe(here!.message);
    expect(there?.name).toBe(here!.name);
  }, 240_000);

  it('refuses a parallelism that is not a whole number from 1', () => {
    expect(() => threadExecutor(0)).toThrow('parallel runs must be a whole number from 1, got 0');
    expect(() => threadExecutor(1.5)).toThrow(/got 1.5/);
  });
});

describe('how many runs at once', () => {
  it("a run's memory estimate meets the lab model's measured peak on the H200", () => {
    // 9.5 GB a process at the start of 15 on an H200 (bench/RESULTS.md).
    const bytes = runMemoryBytes({ ...LAB_PRESETS.small, layers: 8, channels: 1 }, 'bf16');
    expect(bytes).toBeGreaterThan(8.5e9);
    expect(bytes).toBeLessThan(10.5e9);
    // Twice the batch, about twice the activations.
    const twice = runMemoryBytes({ ...LAB_PRESETS.small, layers: 8, channels: 1, batch: 128 }, 'bf16');
    expect(twice / bytes).toBeGreaterThan(1.9);
  });

  it('auto: one at a time off CUDA; on CUDA as many as the free memory holds, at most 4', async () => {
    const gb = 1e9;
    const memory = (free: number) => async () => ({ free: free * gb, total: 80 * gb });
    expect(await resolveParallel('auto', { device: 'cpu', runs: 6, runBytes: gb })).toEqual({
      parallel: 1,
      why: 'one run at a time (on cpu runs at once share the same cores)',
    });
    const cuda = (free: number, runs = 15) =>
      resolveParallel('auto', { device: 'cuda', runs, runBytes: 9.3 * gb, memory: memory(free) });
    expect(await cuda(30)).toEqual({ parallel: 3, why: '3 runs at once (about 9.3 GB each, 30.0 GB of the GPU free)' });
    expect((await cuda(140)).parallel).toBe(MAX_AUTO);
    expect((await cuda(140, 2)).parallel).toBe(2);
    expect((await cuda(5)).parallel).toBe(1);
    const unread = await resolveParallel('auto', { device: 'cuda', runs: 3, runBytes: gb, memory: async () => null });
    expect(unread.parallel).toBe(1);
    expect(unread.why).toMatch(/could not be read/);
    expect(await resolveParallel(8, { device: 'cpu', runs: 3, runBytes: gb })).toEqual({
      parallel: 3,
      why: '3 runs at once (--parallel 8; on cpu they share the same cores, where two at once made 0.71–0.76x the throughput of one after the other on 2 cores)',
    });
    expect((await resolveParallel(2, { device: 'cuda', runs: 3, runBytes: gb })).why).toBe(
      '2 runs at once (--parallel 2)',
    );
  });

  it('a run whose memory is not free waits for the one in flight to end', async () => {
    const dir = tmp();
    const order: string[] = [];
    const threads = threadExecutor(2, {}, { runBytes: 1e9, free: async () => 0 });
    const start = (i: number) =>
      threads
        .runRun({ config: config('baseline', 10 + i, 24), dir: path.join(dir, `r${i}`), resume: false }, data, (e) => {
          if (e.type === 'stage') order.push(`start ${i}`);
        })
        .then((r) => {
          order.push(`end ${i}`);
          return r;
        });
    const reports = await Promise.all([start(0), start(1)]);
    expect(reports.map((r) => r.status)).toEqual(['finished', 'finished']);
    expect(order).toEqual(['start 0', 'end 0', 'start 1', 'end 1']);
  }, 240_000);

  it('the next run is let in once the one before it trains, and not at all when stopped while it waits', async () => {
    const dir = tmp();
    const order: string[] = [];
    const roomy = threadExecutor(2, {}, { runBytes: 1e9, free: async () => 1e15 });
    const start = (i: number, signal?: AbortSignal) =>
      roomy.runRun(
        { config: config('baseline', 20 + i, 24), dir: path.join(dir, `r${i}`), resume: false },
        data,
        (e) => {
          if (e.type === 'stage' || (e.type === 'step' && !order.includes(`step ${i}`))) order.push(`${e.type} ${i}`);
        },
        signal,
      );
    await Promise.all([start(0), start(1)]);
    // Memory enough for both: still, run 1 began only after run 0's first step (its sessions allocated).
    expect(order.indexOf('step 0')).toBeLessThan(order.indexOf('stage 1'));
    // No memory free: run 1 waits behind run 0, and a stop while it waits begins no run folder.
    const tight = threadExecutor(2, {}, { runBytes: 1e9, free: async () => 0 });
    const stop = new AbortController();
    const first = tight.runRun(
      { config: config('baseline', 30, 60), dir: path.join(dir, 'a'), resume: false },
      data,
      (e) => {
        if (e.type === 'step') stop.abort();
      },
      stop.signal,
    );
    const second = tight.runRun(
      { config: config('baseline', 31, 60), dir: path.join(dir, 'b'), resume: false },
      data,
      () => {},
      stop.signal,
    );
    const [a, b] = await Promise.all([first, second]);
    expect(a.status).toBe('cancelled');
    expect(b).toMatchObject({ status: 'cancelled', stages: [], totalFlops: 0 });
    expect(existsSync(path.join(dir, 'b'))).toBe(false);
  }, 240_000);

  it('stacklab train --parallel 2 trains two runs at once, each as it would alone', async () => {
    const both = path.join(tmp(), 'both');
    const alone = path.join(tmp(), 'alone');
    const args = ['train', '--sample', '--preset', 'tiny', '--steps', '30', '--variants', 'baseline,midas'];
    const a = await cli([...args, '--seeds', '1', '--device', 'cpu', '--parallel', '2', '--out', both]);
    expect(a.code, a.err).toBe(0);
    expect(a.out.join('\n') + a.err).toContain('runs: 2 runs at once (--parallel 2; on cpu they share the same cores');
    const b = await cli([...args, '--seeds', '1', '--device', 'cpu', '--out', alone]);
    expect(b.code, b.err).toBe(0);
    expect(b.out.join('\n') + b.err).toContain('runs: one run at a time (on cpu runs at once share the same cores)');
    // Runs at once share their wall-clock: no speed-up is read from it, and the comparison says why.
    const sharedNote = 'runs trained up to 2 at once in one process (--parallel): their wall-clocks overlap';
    expect(a.out.join('\n')).toContain(sharedNote);
    expect(a.out.join('\n')).not.toMatch(/speed-up \d|x faster/);
    expect(b.out.join('\n')).not.toContain(sharedNote);
    expect(b.out.join('\n')).toMatch(/speed-up \d/);
    for (const r of ['baseline-s1', 'midas-s1']) {
      const report = (d: string) => JSON.parse(readFileSync(path.join(d, r, 'report.json'), 'utf8')) as object;
      expect(report(both)).toHaveProperty('sharedWith', 2);
      expect(report(alone)).not.toHaveProperty('sharedWith');
    }
    for (const r of ['baseline-s1', 'midas-s1']) {
      const read = (d: string) =>
        JSON.parse(readFileSync(path.join(d, r, 'report.json'), 'utf8')) as { finalValLoss: number };
      expect(read(both).finalValLoss).toBe(read(alone).finalValLoss);
    }
    // The command as a user runs it, from another folder: the threads still find their loader.
    const elsewhere = path.join(tmp(), 'elsewhere');
    const child = spawnSync(
      process.execPath,
      [
        path.resolve('bin/stacklab.js'),
        ...args,
        '--seeds',
        '1',
        '--device',
        'cpu',
        '--parallel',
        '2',
        '--out',
        elsewhere,
      ],
      { cwd: os.tmpdir(), encoding: 'utf8' },
    );
    expect(child.status, child.stderr).toBe(0);
    expect(child.stdout + child.stderr).toContain(
      'runs: 2 runs at once (--parallel 2; on cpu they share the same cores',
    );
    const read = (d: string) => JSON.parse(readFileSync(path.join(d, 'midas-s1', 'report.json'), 'utf8')).finalValLoss;
    expect(read(elsewhere)).toBe(read(alone));
    const bad = await cli(['train', '--sample', '--parallel', 'two']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--parallel must be auto or a whole number from 1 to 16, got "two"');
  }, 240_000);
});

describe('the probe of --parallel auto', () => {
  it('times the model alone and several at once in threads, and stops once one more gains little', async () => {
    const model = { ...LAB_PRESETS.tiny, layers: 2, channels: 1 };
    const readings = await probeParallel({ model, device: 'cpu', precision: 'fp32' }, 3);
    expect(readings[0]).toMatchObject({ n: 1, gain: 1 });
    expect(readings.length).toBeGreaterThanOrEqual(2);
    for (const r of readings) expect(r.perRunStepMs).toBeGreaterThan(0);
    // Each gain is what its timing says.
    for (const r of readings) expect(r.gain).toBeCloseTo(readings[0]!.perRunStepMs / r.perRunStepMs, 9);
    // A further n is tried only while the one before gained at least 10% more.
    for (let i = 2; i < readings.length; i++)
      expect(readings[i - 1]!.gain).toBeGreaterThanOrEqual(readings[i - 2]!.gain * 1.1);
  }, 240_000);

  it('leaves no thread behind: bench parallel, its output piped, ends by itself', () => {
    // With stdout a pipe nothing else keeps the process alive: a wait on a thread that had
    // already ended stalled it (exit code 13, nothing printed).
    const child = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'bench/index.ts', 'parallel', '--lab', '--preset', 'tiny', '--steps', '2', '--runs', '2'],
      { encoding: 'utf8', timeout: 120_000 },
    );
    expect(child.status, child.stderr).toBe(0);
    expect(child.stdout).toMatch(/gain over one at a time: \d+\.\d\dx/);
  }, 150_000);

  it('auto on CUDA takes the fewest runs within 10% of the best the probe measured', async () => {
    const gb = 1e9;
    const memory = async () => ({ free: 70 * gb, total: 80 * gb });
    const probe = (gains: number[]) => async (maxN: number) => {
      expect(maxN).toBe(4);
      return gains.map((gain, i) => ({ n: i + 1, perRunStepMs: 10 / gain, gain }));
    };
    const pick = (gains: number[]) =>
      resolveParallel('auto', { device: 'cuda', runs: 15, runBytes: 9.3 * gb, memory, probe: probe(gains) });
    expect(await pick([1, 1.7, 2.1, 2.2])).toEqual({
      parallel: 3,
      why: '3 runs at once (measured here against one alone: 2 at once 1.70x, 3 at once 2.10x, 4 at once 2.20x; about 9.3 GB each, 70.0 GB of the GPU free)',
    });
    // Time-sliced: nothing gained, one at a time.
    expect((await pick([1, 0.98])).parallel).toBe(1);
    // A probe that fails (one run alone did not train) leaves one run at a time, said why.
    const failed = await resolveParallel('auto', {
      device: 'cuda',
      runs: 15,
      runBytes: 9.3 * gb,
      memory,
      probe: async () => {
        throw new Error('the GPU ran out of memory asking for 128 MiB');
      },
    });
    expect(failed).toEqual({
      parallel: 1,
      why: 'one run at a time (runs at once not measured: the GPU ran out of memory asking for 128 MiB)',
    });
    // n at once that fails (memory) ends the probe with the readings before it.
    const model = { ...LAB_PRESETS.tiny, channels: 1 };
    const readings = await probeParallel({ model, device: 'cuda', precision: 'bf16' }, 4, async (p, n) => {
      if (n === 3) throw new Error('out of memory');
      return { each: [], wallMs: (n === 1 ? 10 : 6) * n * p.calls * p.stepsPerCall };
    });
    expect(readings.map((r) => [r.n, +r.gain.toFixed(3)])).toEqual([
      [1, 1],
      [2, 1.667],
    ]);
    // While another job trains here no probe is begun: its runs would skew the timing.
    const job = {
      device: 'cuda' as const,
      plan: { precision: 'bf16' as const },
      planned: { runs: [{ config: { model: { ...LAB_PRESETS.small, layers: 8, channels: 1 } } }] },
    };
    const twoRuns = { ...job, planned: { runs: [...job.planned.runs, ...job.planned.runs] } };
    const busy = await parallelForJob('auto', twoRuns, true, memory);
    expect(busy.parallel).toBe(1);
    expect(busy.why).toBe(
      'one run at a time (runs at once not measured: another job trains on this machine now, and its runs would skew the timing)',
    );
    expect(busy.gate?.runBytes).toBeGreaterThan(8e9);
    expect(bestOf([{ n: 1, perRunStepMs: 10, gain: 1 }]).n).toBe(1);
  });
});
