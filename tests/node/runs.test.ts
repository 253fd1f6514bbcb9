import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  truncateSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSampleDataset } from '../../src/engine/data/dataset';
import { parseSafetensors } from '../../src/engine/io/safetensors';
import { PRESETS, windowLength } from '../../src/engine/models/patch-transformer';
import { prepareRunData } from '../../src/engine/data/prepared';
import { exportRun } from '../../src/engine/runs/export';
import { runTraining } from '../../src/engine/runs/runner';
import { RunSchedule, stepFlops } from '../../src/engine/runs/schedule';
import type { RunConfig, RunEvent } from '../../src/engine/runs/types';
import { LOCK_HEARTBEAT_MS, LOCK_STALE_MS, RunStore, writeAtomic, writeError } from '../../src/engine/runs/store';
import { cli } from '../helpers/cli';
import { shortRunConfig } from '../helpers/run-config';

const ds = await loadSampleDataset({ rows: 3000 });
const model = { ...PRESETS.tiny, layers: 3, channels: ds.channels.length };
const data = prepareRunData(ds, windowLength(model));
const config = (variant: RunConfig['variant'], steps = 36): RunConfig =>
  shortRunConfig(ds, data, model, { variant, steps });
const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'stacklab-run-'));
const trainLosses = (dir: string) =>
  readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l))
    .filter((r) => r.type === 'train')
    .map((r) => [r.step, r.loss]);

describe('training runs', () => {
  it('grows MIDAS stage by stage with the Prop-α schedule and accounts FLOPs and time per stage', async () => {
    const dir = tmp();
    const events: RunEvent[] = [];
    const r = await runTraining({ config: config('midas'), data, dir, onEvent: (e) => events.push(e) });
    expect(r.status).toBe('finished');
    expect(r.stages.map((s) => [s.layers, s.steps])).toEqual([
      [1, 6],
      [2, 12],
      [3, 18],
    ]);
    r.stages.forEach((s) => expect(s.flops).toBe(s.steps * stepFlops(model, s.layers)));
    expect(r.totalFlops).toBe(r.stages.reduce((a, s) => a + s.flops, 0));
    expect(r.finalValLoss).toBeGreaterThan(0);
    // Evaluated on the labelled test part, with a threshold from normal validation rows.
    const ev = r.evaluation!;
    expect(ev.testRows).toBeGreaterThan(0);
    expect(ev.thresholdRows).toBeGreaterThan(0);
    expect(ev.aucRoc).toBeGreaterThanOrEqual(0);
    expect(ev.aucRoc).toBeLessThanOrEqual(1);
    expect(ev.atThreshold.falseAlarmRate).toBeLessThan(1);
    // Isoplot data: validation loss beside downstream AUC-PR at every validation point.
    const iso = readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
      .filter((x) => x.type === 'isoplot');
    expect(iso.map((x) => x.step)).toEqual([6, 12, 18, 24, 36]);
    // The schedule's validation points (what estimates cost) are the run's.
    expect(new RunSchedule(config('midas')).validationPoints()).toEqual([
      { step: 6, layers: 1 },
      { step: 12, layers: 2 },
      { step: 18, layers: 2 },
      { step: 24, layers: 3 },
      { step: 36, layers: 3 },
    ]);
    for (const x of iso) {
      expect(x.valLoss).toBeGreaterThan(0);
      expect(x.aucPr).toBeGreaterThan(0);
    }
    expect(events.filter((e) => e.type === 'stage').map((e) => (e as { layers: number }).layers)).toEqual([1, 2, 3]);
    // Throttled: the default interval allows about 10 step events per second.
    const steps = events.filter((e) => e.type === 'step');
    expect(steps.length).toBeLessThanOrEqual(Math.ceil((r.wallMs / 1000) * 10) + 3);
    expect(steps.at(-1)).toMatchObject({ step: 36, totalSteps: 36 });
    const files = readdirSync(path.join(dir, 'checkpoints'));
    expect(files.at(-1)).toBe('step-00000036.safetensors');
    const ck = parseSafetensors(readFileSync(path.join(dir, 'checkpoints', files.at(-1)!)));
    expect(ck.metadata).toMatchObject({ step: '36', layers: '3', stage: '3' });
    expect([...ck.tensors.keys()].filter((k) => k.startsWith('blocks.2.'))).not.toHaveLength(0);
    expect(ck.tensors.get('blocks.2.mlp.w1')!.shape).toEqual([model.dModel, model.mlpHidden]);
    expect(ck.tensors.get('m.blocks.2.mlp.w1')!.shape).toEqual([model.dModel, model.mlpHidden]);
    expect(JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8')).status).toBe('finished');
    expect(JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8')).variant).toBe('midas');
  });

  it('stops cleanly on cancel and, resumed, continues the same trajectory on the CPU', async () => {
    const full = tmp();
    await runTraining({ config: config('midas'), data, dir: full });
    const cut = tmp();
    const abort = new AbortController();
    const first = await runTraining({
      config: config('midas'),
      data,
      dir: cut,
      signal: abort.signal,
      progressIntervalMs: 0,
      onEvent: (e) => e.type === 'step' && e.step === 14 && abort.abort(),
    });
    expect(first.status).toBe('cancelled');
    expect(readdirSync(path.join(cut, 'checkpoints'))).toContain('step-00000014.safetensors');
    const resumed = await runTraining({ config: config('midas'), data, dir: cut, resume: true });
    expect(resumed.status).toBe('finished');
    expect(trainLosses(cut)).toEqual(trainLosses(full));
    expect(resumed.finalValLoss).toBe(JSON.parse(readFileSync(path.join(full, 'report.json'), 'utf8')).finalValLoss);
    // Wall-clock survives the interruption: the stage finished before it keeps its time, the one
    // cut in two adds both parts, and the run's clock continues from where it stopped.
    expect(first.stages.map((s) => s.layers)).toEqual([1, 2]);
    expect(resumed.stages[0]!.wallMs).toBe(first.stages[0]!.wallMs);
    expect(resumed.stages[0]!.wallMs).toBeGreaterThan(0);
    expect(resumed.stages[1]!.wallMs).toBeGreaterThanOrEqual(first.stages[1]!.wallMs);
    expect(resumed.wallMs).toBeGreaterThan(first.wallMs);
    // So does the part of it spent validating: recorded per stage, kept across the resume, within the wall-clock.
    expect(resumed.stages[0]!.evalMs).toBe(first.stages[0]!.evalMs);
    expect(resumed.stages[0]!.evalMs).toBeGreaterThan(0);
    expect(resumed.stages[1]!.evalMs).toBeGreaterThanOrEqual(first.stages[1]!.evalMs!);
    for (const s of resumed.stages) expect(s.evalMs).toBeLessThan(s.wallMs);
    expect(resumed.evalMs).toBe(resumed.stages.reduce((a, s) => a + s.evalMs!, 0));
    const elapsed = readFileSync(path.join(cut, 'metrics.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
      .filter((r) => r.type === 'train')
      .map((r) => r.elapsedMs as number);
    expect(elapsed.every((e, i) => i === 0 || e >= elapsed[i - 1]!)).toBe(true);
  });

  it('leaves a finished run as it is when asked to resume it', async () => {
    const dir = tmp();
    const done = await runTraining({ config: config('gradstack', 12), data, dir });
    const files = ['report.json', 'metrics.jsonl', 'scores.json', 'config.json'];
    const before = files.map((f) => [readFileSync(path.join(dir, f)), statSync(path.join(dir, f)).mtimeMs] as const);
    const again = await runTraining({ config: config('gradstack', 12), data, dir, resume: true });
    expect(again).toEqual(JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8')));
    expect(again.wallMs).toBe(done.wallMs);
    expect(again.finalValLoss).toBe(done.finalValLoss);
    files.forEach((f, i) => {
      expect(readFileSync(path.join(dir, f)).equals(before[i]![0])).toBe(true);
      expect(statSync(path.join(dir, f)).mtimeMs).toBe(before[i]![1]);
    });
  });

  it('refuses to resume a folder made with other settings', async () => {
    const dir = tmp();
    await runTraining({ config: config('gradstack', 12), data, dir });
    await expect(runTraining({ config: config('midas', 12), data, dir, resume: true })).rejects.toThrow(
      /config\.json differs/,
    );
  });

  it('`stacklab train --json` prints every run with its stages, then the comparison; `stacklab compare` reads it back', async () => {
    const out0 = tmp();
    const { code, out, err } = await cli([
      'train',
      '--data',
      'sample',
      '--variants',
      'baseline,midas',
      '--layers',
      '2',
      '--block',
      '1',
      '--steps',
      '20',
      '--seeds',
      '2',
      '--device',
      'cpu',
      '--out',
      out0,
      '--flop-matched',
      'midas',
      '--json',
      '--wide',
    ]);
    expect(code, err).toBe(0);
    const summary = JSON.parse(out.at(-1)!) as {
      runs: {
        variant: string;
        seed: number;
        stages: { layers: number; steps: number; flops: number; wallMs: number }[];
        totalFlops: number;
        finalValLoss: number;
        flopMatchedTo?: string;
      }[];
    };
    expect(summary.runs.map((r) => `${r.variant}${r.flopMatchedTo ? `≈${r.flopMatchedTo}` : ''} s${r.seed}`)).toEqual([
      'baseline s1',
      'midas s1',
      'baseline≈midas s1',
      'baseline s2',
      'midas s2',
      'baseline≈midas s2',
    ]);
    expect(summary.runs[1]!.stages.map((s) => s.layers)).toEqual([1, 2]);
    const fm = summary.runs[2]!;
    expect(Math.abs(fm.totalFlops - summary.runs[1]!.totalFlops) / summary.runs[1]!.totalFlops).toBeLessThan(0.05);
    // The comparison table ends the training (on stderr with --json: stdout keeps the one JSON line;
    // --wide: a line per row and per sentence, however long).
    expect(err).toMatch(/speed-up vs baseline/);
    expect(err).toMatch(
      /Verdict:\n( {2}.*\n)*? {2}Baseline \(MIDAS's FLOPs\)( trains [\d.]+x (faster|slower)|: no measurable difference in time).*\n {2}MIDAS( trains [\d.]+x (faster|slower)|: no measurable difference in time) \(speed-up /,
    );
    expect(out).toHaveLength(1);

    const html = path.join(out0, 'report.html');
    const c = await cli(['compare', out0, '--json', '--html', html]);
    expect(c.code, c.err).toBe(0);
    const j = JSON.parse(c.out.at(-1)!) as {
      variants: {
        variant: string;
        runs: number;
        speedup: number;
        usable: boolean;
        why: string[];
        metrics: Record<string, { mean: number; lo: number; hi: number }>;
        probes: Record<string, { mean: number }>;
      }[];
      baselines: {
        name: string;
        kind: string;
        usable?: boolean;
        why?: string[];
        metrics: Record<string, { mean: number }>;
      }[];
      verdict: string;
    };
    expect(j.variants.map((v) => [v.variant, v.runs])).toEqual([
      ['baseline', 2],
      ['baseline≈midas', 2],
      ['midas', 2],
    ]);
    for (const v of j.variants) {
      expect(v.metrics.vusPr!.mean).toBeGreaterThan(0);
      expect(v.metrics.vusPr!.lo).toBeLessThanOrEqual(v.metrics.vusPr!.hi);
      expect(v.probes.copy!.mean).toBeGreaterThanOrEqual(0);
    }
    expect(j.variants[2]!.speedup).toBeGreaterThan(0);
    expect(j.baselines.map((b) => b.name)).toEqual([
      'random',
      'rolling-z',
      'pca',
      'isolation-forest',
      'always-alarm',
      'never-alarm',
    ]);
    // Every variant and classical detector says whether it is usable here, and why not.
    for (const v of j.variants)
      expect(typeof v.usable === 'boolean' && Array.isArray(v.why) && v.usable === (v.why.length === 0)).toBe(true);
    for (const b of j.baselines.filter((x) => x.kind === 'detector'))
      expect(typeof b.usable === 'boolean' && b.usable === (b.why!.length === 0)).toBe(true);
    expect(j.baselines.find((b) => b.name === 'random')!.usable).toBe(false);
    expect(j.baselines.find((b) => b.name === 'always-alarm')!.usable).toBeUndefined();
    expect(j.verdict).toMatch(/Baseline \(MIDAS's FLOPs\)/);
    expect(readFileSync(html, 'utf8')).toMatch(/<svg [\s\S]*Isoplot/);
    // The run folders hold the test part's scores for a timeline.
    const timeline = JSON.parse(readFileSync(path.join(out0, 'midas-s1', 'scores.json'), 'utf8'));
    expect(timeline.score.length).toBe(timeline.label.length);
    expect(timeline.label).toContain(1);
  });

  it('says what is wrong with the options', async () => {
    const run = (args: string[]) => cli(['train', ...args]);
    expect(await run(['--data', 'sample', '--out', tmp(), '--layers', '7', '--block', '2'])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/7 is not divisible by the block size 2/),
    });
    expect(await run(['--data', 'sample', '--out', tmp(), '--variants', 'midas,magic'])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/unknown variant "magic"/),
    });
    expect(await run(['--out', tmp()])).toMatchObject({ code: 2, err: expect.stringMatching(/--data is required/) });
    expect(await run(['--data', 'nope.csv', '--out', tmp()])).toMatchObject({
      code: 1,
      err: expect.stringMatching(/^stacklab train: nope\.csv: does not exist \(ENOENT\): looked for .*nope\.csv/),
    });
  });
});

describe('runs that survive crashes, full disks and a second process', () => {
  it('recomputes the report of a run stopped after its final checkpoint, with its wall-clock', async () => {
    const dir = tmp();
    const done = await runTraining({ config: config('midas'), data, dir });
    rmSync(path.join(dir, 'report.json'));
    const again = await runTraining({ config: config('midas'), data, dir, resume: true });
    expect(again.status).toBe('finished');
    expect(again.finalValLoss).toBeCloseTo(done.finalValLoss!, 6);
    expect(again.finalTrainLoss).toBe(done.finalTrainLoss);
    // The stages' wall-clock as the final checkpoint recorded it (the last stage's lacks only that checkpoint's own write).
    expect(again.stages.slice(0, -1).map((s) => s.wallMs)).toEqual(done.stages.slice(0, -1).map((s) => s.wallMs));
    expect(again.stages.at(-1)!.wallMs).toBeGreaterThan(0.8 * done.stages.at(-1)!.wallMs);
    expect(again.stages.at(-1)!.wallMs).toBeLessThanOrEqual(done.stages.at(-1)!.wallMs);
    expect(again.evaluation!.vusPr).toBeCloseTo(done.evaluation!.vusPr, 9);
  });

  it('writes the same history with K steps per ORT call (the Loop graph) as with one', async () => {
    const one = tmp();
    const loop = tmp();
    // Boundaries every 5 (checkpoints), 9 (read-back) and 12 steps (validation) and at the stage
    // ends (6, 18, 36): chunks of 1 to 4 steps.
    const cfg = { ...config('midas'), readEvery: 9 };
    const a = await runTraining({ config: cfg, data, dir: one });
    const b = await runTraining({ config: cfg, data, dir: loop, stepsPerCall: 4 });
    const lines = (dir: string) =>
      readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l))
        .map(({ elapsedMs: _e, ...r }) => r);
    expect(lines(loop)).toEqual(lines(one));
    expect([b.finalTrainLoss, b.finalValLoss, b.evaluation]).toEqual([a.finalTrainLoss, a.finalValLoss, a.evaluation]);
  });

  it('keeps every complete line of metrics.jsonl when its last line was torn, and says so', async () => {
    const full = tmp();
    await runTraining({ config: config('midas'), data, dir: full });
    const cut = tmp();
    const abort = new AbortController();
    await runTraining({
      config: config('midas'),
      data,
      dir: cut,
      signal: abort.signal,
      progressIntervalMs: 0,
      onEvent: (e) => e.type === 'step' && e.step === 20 && abort.abort(),
    });
    const before = trainLosses(cut);
    appendFileSync(path.join(cut, 'metrics.jsonl'), '{"type":"train","step":21,"lo');
    const notes: string[] = [];
    await runTraining({
      config: config('midas'),
      data,
      dir: cut,
      resume: true,
      onEvent: (e) => e.type === 'note' && notes.push(e.message),
    });
    expect(notes.join('\n')).toMatch(
      /metrics\.jsonl in .* ended in a line cut short .*: it was dropped, every complete line kept/,
    );
    expect(trainLosses(cut).slice(0, before.length)).toEqual(before);
    expect(trainLosses(cut)).toEqual(trainLosses(full));
  });

  it('refuses a second process on the same run folder, and takes over a dead one’s lock', async () => {
    const dir = tmp();
    let started!: () => void;
    const training = new Promise<void>((resolve) => (started = resolve));
    const first = runTraining({
      config: config('midas'),
      data,
      dir,
      progressIntervalMs: 0,
      onEvent: (e) => e.type === 'step' && started(),
    });
    await training;
    await expect(runTraining({ config: config('midas'), data, dir })).rejects.toThrow(
      new RegExp(`${dir} is being trained by process ${process.pid} on .* since .*: wait for it to finish or stop it`),
    );
    expect((await first).status).toBe('finished');
    expect(existsSync(path.join(dir, 'run.lock'))).toBe(false);
    // A lock left by a process that is gone (kill -9) does not block.
    const stale = tmp();
    mkdirSync(stale, { recursive: true });
    writeFileSync(
      path.join(stale, 'run.lock'),
      JSON.stringify({ pid: 2 ** 22 + 12345, host: os.hostname(), started: '2026-01-01T00:00:00Z' }),
    );
    const notes: string[] = [];
    const r = await runTraining({
      config: config('gradstack', 12),
      data,
      dir: stale,
      onEvent: (e) => e.type === 'note' && notes.push(e.message),
    });
    expect(r.status).toBe('finished');
    expect(notes).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `took over .*run\\.lock: process ${2 ** 22 + 12345} that held it since 2026-01-01T00:00:00Z is gone`,
        ),
      ),
    );
  });

  it('refuses to train afresh into a folder that holds a run, leaving it as it was', async () => {
    const dir = tmp();
    await runTraining({ config: config('baseline', 12), data, dir });
    const before = readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8');
    await expect(runTraining({ config: config('midas', 12), data, dir })).rejects.toThrow(
      new RegExp(`${dir} already holds a run \\(config.json\\): continue it with --resume`),
    );
    expect(readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8')).toBe(before);
    expect(JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8')).variant).toBe('baseline');
  });

  it('lets exactly one of many racing processes take a stale lock; a damaged or foreign lock is named', async () => {
    const dir = tmp();
    const lockFile = path.join(dir, 'run.lock');
    // Twenty rounds of twelve racers (one round alone can pass by luck).
    for (let round = 0; round < 20; round++) {
      writeFileSync(
        lockFile,
        JSON.stringify({ pid: 2 ** 22 + 999, host: os.hostname(), started: '2026-01-01T00:00:00Z' }),
      );
      const tries = await Promise.allSettled(Array.from({ length: 12 }, () => new RunStore(dir).lock()));
      const won = tries.filter((t) => t.status === 'fulfilled');
      expect(won, `round ${round}`).toHaveLength(1);
      for (const t of tries)
        if (t.status === 'rejected')
          expect(String(t.reason)).toMatch(/is being trained by process|could not take its lock|cannot be read/);
      expect(readdirSync(dir).sort()).toEqual(['run.lock']);
      await (won[0] as PromiseFulfilledResult<Awaited<ReturnType<RunStore['lock']>>>).value.release();
      expect(readdirSync(dir)).toEqual([]);
    }

    // Half-written by hand or a disk fault: refused while fresh, taken over once old.
    writeFileSync(lockFile, '{"pid": 12');
    await expect(new RunStore(dir).lock()).rejects.toThrow(
      new RegExp(`${lockFile} cannot be read: another process may be starting this run`),
    );
    utimesSync(lockFile, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    const taken = await new RunStore(dir).lock();
    expect(taken.tookOver).toMatchObject({ started: expect.stringMatching(/unreadable/) });
    await taken.release();

    // Another machine's (or container's) lock is judged by its heartbeat: refused while renewed, a dead worker's once it stops.
    writeFileSync(lockFile, JSON.stringify({ pid: 1, host: 'another-host', started: '2026-01-01T00:00:00Z' }));
    await expect(new RunStore(dir).lock()).rejects.toThrow(
      /being trained by process 1 on another-host since 2026-01-01T00:00:00Z.*heartbeat stopped 20 s ago/,
    );
    utimesSync(lockFile, new Date(Date.now() - LOCK_STALE_MS - 1000), new Date(Date.now() - LOCK_STALE_MS - 1000));
    const fromDead = await new RunStore(dir).lock();
    expect(fromDead.tookOver).toMatchObject({ pid: 1, host: 'another-host' });
    // The holder renews its own lock's mtime.
    utimesSync(lockFile, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    await new Promise((r) => setTimeout(r, LOCK_HEARTBEAT_MS + 500));
    expect(Date.now() - statSync(lockFile).mtimeMs).toBeLessThan(LOCK_HEARTBEAT_MS + 1000);
    await fromDead.release();
  });

  it('removes the temporary files a killed process left, and resumes past a damaged checkpoint', async () => {
    const full = tmp();
    await runTraining({ config: config('midas'), data, dir: full });
    const cut = tmp();
    const abort = new AbortController();
    await runTraining({
      config: config('midas'),
      data,
      dir: cut,
      signal: abort.signal,
      progressIntervalMs: 0,
      onEvent: (e) => e.type === 'step' && e.step === 26 && abort.abort(),
    });
    const cks = readdirSync(path.join(cut, 'checkpoints')).sort();
    expect(cks.at(-1)).toBe('step-00000026.safetensors');
    // The newest checkpoint cut short, and a 0-byte temporary file of a dead process beside it.
    const newest = path.join(cut, 'checkpoints', cks.at(-1)!);
    truncateSync(newest, 100);
    writeFileSync(path.join(cut, 'checkpoints', 'step-00000030.safetensors.tmp-4194303'), '');
    const notes: string[] = [];
    const resumed = await runTraining({
      config: config('midas'),
      data,
      dir: cut,
      resume: true,
      onEvent: (e) => e.type === 'note' && notes.push(e.message),
    });
    expect(notes.join('\n')).toMatch(
      /removed step-00000030\.safetensors\.tmp-4194303, a temporary file a stopped process left behind/,
    );
    expect(notes.join('\n')).toMatch(
      new RegExp(
        `step-00000026\\.safetensors in ${cut} is damaged \\(.*\\): resuming from step-00000025\\.safetensors`,
      ),
    );
    expect(existsSync(path.join(cut, 'checkpoints', 'step-00000030.safetensors.tmp-4194303'))).toBe(false);
    expect(resumed.status).toBe('finished');
    expect(trainLosses(cut)).toEqual(trainLosses(full));
  });

  it('says so when no checkpoint reads, and trains again from step 0 to the same losses', async () => {
    const full = tmp();
    await runTraining({ config: config('midas'), data, dir: full });
    const cut = tmp();
    const abort = new AbortController();
    await runTraining({
      config: config('midas'),
      data,
      dir: cut,
      signal: abort.signal,
      progressIntervalMs: 0,
      onEvent: (e) => e.type === 'step' && e.step === 12 && abort.abort(),
    });
    for (const f of readdirSync(path.join(cut, 'checkpoints'))) truncateSync(path.join(cut, 'checkpoints', f), 10);
    const notes: string[] = [];
    const resumed = await runTraining({
      config: config('midas'),
      data,
      dir: cut,
      resume: true,
      onEvent: (e) => e.type === 'note' && notes.push(e.message),
    });
    expect(notes).toContainEqual(
      expect.stringMatching(
        /step-00000012\.safetensors in .* is damaged \(.*\): no checkpoint reads, so the run trains again from step 0/,
      ),
    );
    expect(resumed.status).toBe('finished');
    expect(trainLosses(cut)).toEqual(trainLosses(full));
  });

  it('a finished run whose final checkpoint is damaged: export refuses, resume trains its end again', async () => {
    const dir = tmp();
    await runTraining({ config: config('midas'), data, dir });
    const losses = trainLosses(dir);
    truncateSync(path.join(dir, 'checkpoints', 'step-00000036.safetensors'), 50);
    await expect(exportRun(dir)).rejects.toThrow(
      /step-00000036\.safetensors in .* is damaged .*: resume the run \(stacklab train … --resume\) to train again from step-00000035\.safetensors, then export/,
    );
    const notes: string[] = [];
    const again = await runTraining({
      config: config('midas'),
      data,
      dir,
      resume: true,
      onEvent: (e) => e.type === 'note' && notes.push(e.message),
    });
    expect(notes.join('\n')).toMatch(/resuming from step-00000035\.safetensors/);
    expect(again.status).toBe('finished');
    expect(trainLosses(dir)).toEqual(losses);
    const ck = (await new RunStore(dir).latestCheckpoint())!;
    expect([ck.step, ck.damaged]).toEqual([36, []]);
  });

  it('names the file and what to do when the disk is full, losing nothing written before', async () => {
    const err = writeError('/runs/x/report.json', Object.assign(new Error('no space'), { code: 'ENOSPC' }));
    expect(err.message).toBe(
      'cannot write /runs/x/report.json: the disk is full (ENOSPC). Free some space, then resume (stacklab train … --resume, or Resume in the run library): everything saved before is kept',
    );
    // A real ENOSPC: metrics.jsonl on /dev/full.
    const dir = tmp();
    const store = new RunStore(dir);
    await store.init({ a: 1 });
    rmSync(path.join(dir, 'metrics.jsonl'));
    symlinkSync('/dev/full', path.join(dir, 'metrics.jsonl'));
    await expect(
      store.appendMetrics([{ type: 'train', step: 1, loss: 1, gradNorm: 1, lr: 1e-3, flops: 1, elapsedMs: 1 }]),
    ).rejects.toThrow(/cannot write .*metrics\.jsonl: the disk is full \(ENOSPC\)/);
    expect(JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8'))).toEqual({ a: 1 });
    // A failed atomic write leaves the old file and no temporary one.
    await expect(writeAtomic(path.join(dir, 'no-such-folder', 'f.json'), 'x')).rejects.toThrow(
      /cannot write .*f\.json \(ENOENT\)/,
    );
    await expect(writeAtomic(path.join(dir, 'checkpoints'), 'x')).rejects.toThrow(/it is a folder/);
    expect(readdirSync(dir).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });

  it('stops a run whose loss is no number any more, naming the step, never "finished"', async () => {
    const bad = { ...data, matrix: data.matrix.map((x, i) => (i % 97 === 0 ? 3e38 : x)) };
    const dir = tmp();
    await expect(
      runTraining({
        config: { ...config('baseline'), schedule: { kind: 'cosine', lr: 50, warmup: 1, total: 36, final: 50 } },
        data: bad,
        dir,
      }),
    ).rejects.toThrow(/the (training|validation) loss became (NaN|Infinity) at step \d+ .*the run diverged/);
    expect(existsSync(path.join(dir, 'report.json'))).toBe(false);
  });
});
