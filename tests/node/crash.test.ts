/**
 * kill -9 at seeded random moments (during start-up, mid-stage, between runs), `--resume` after
 * each, until the job finishes: every run's losses, learning rates, FLOPs, stages and evaluation
 * must equal those of the same job trained without interruption.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/engine/random';

const ARGS = ['train', '--sample', '--variants', 'midas,baseline', '--steps', '300', '--seeds', '1', '--device', 'cpu'];
const RUNS = ['midas-s1', 'baseline-s1'];

/** Runs `stacklab train`; kills it with SIGKILL once `killWhen` says so. Resolves with the exit code or signal. */
function train(
  out: string,
  resume: boolean,
  killWhen?: (stderr: string, ms: number) => boolean,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; err: string }> {
  const child = spawn(process.execPath, ['bin/stacklab.js', ...ARGS, '--out', out, ...(resume ? ['--resume'] : [])], {
    cwd: process.cwd(),
  });
  const t0 = Date.now();
  let err = '';
  let timer: NodeJS.Timeout | undefined;
  if (killWhen) {
    timer = setInterval(() => {
      if (killWhen(err, Date.now() - t0)) child.kill('SIGKILL');
    }, 5);
  }
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  child.stdout.resume();
  return new Promise((resolve) =>
    child.on('exit', (code, signal) => {
      clearInterval(timer);
      resolve({ code, signal, err });
    }),
  );
}

/** What must not depend on interruptions: everything but wall-clock. */
function outcome(dir: string) {
  const metrics = readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    // A resume marks where it continued (a stage line with resumed: true); the rest must match.
    .filter((r) => r.resumed !== true)
    .map(({ elapsedMs: _e, wallMs: _w, ...rest }) => rest);
  const report = JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8')) as {
    status: string;
    finalTrainLoss: unknown;
    finalValLoss: unknown;
    stages: { steps: number; layers: number; flops: number }[];
    evaluation: unknown;
  };
  return {
    metrics,
    status: report.status,
    finalTrainLoss: report.finalTrainLoss,
    finalValLoss: report.finalValLoss,
    stages: report.stages.map((s) => [s.layers, s.steps, s.flops]),
    evaluation: report.evaluation,
  };
}

describe('kill -9 and resume', () => {
  it('reproduces the uninterrupted job exactly after kills at random moments', async () => {
    const whole = mkdtempSync(path.join(os.tmpdir(), 'stacklab-whole-'));
    expect((await train(whole, false)).code).toBe(0);

    const cut = mkdtempSync(path.join(os.tmpdir(), 'stacklab-crash-'));
    // Another seed, other moments: STACKLAB_CRASH_SEED=7 npx vitest run tests/node/crash.test.ts
    const rng = new Rng(Number(process.env.STACKLAB_CRASH_SEED ?? 20261201), 'crash-test');
    const kills: string[] = [];
    let finished = false;
    for (let attempt = 0; attempt < 10 && !finished; attempt++) {
      // Five kills at random moments after the start (start-up, mid-stage, a checkpoint's write,
      // between the two runs), then it may finish.
      const ms = 50 + rng.int(2500);
      const r = await train(cut, attempt > 0, attempt < 5 ? (_err, elapsed) => elapsed >= ms : undefined);
      kills.push(r.signal === 'SIGKILL' ? `killed at ${ms} ms` : `exit ${r.code}`);
      if (r.signal === null) {
        expect(r.code, `${kills.join(', ')}\n${r.err}`).toBe(0);
        finished = true;
      }
    }
    expect(finished, kills.join(', ')).toBe(true);
    expect(kills.filter((k) => k.startsWith('killed')).length, kills.join(', ')).toBeGreaterThanOrEqual(3);
    if (process.env.STACKLAB_CRASH_SEED)
      console.log(`crash seed ${process.env.STACKLAB_CRASH_SEED}: ${kills.join(', ')}`);

    for (const run of RUNS) {
      const a = outcome(path.join(whole, run));
      const b = outcome(path.join(cut, run));
      expect(b.status).toBe('finished');
      expect(b.stages, run).toEqual(a.stages);
      expect(b.metrics, `${run} after ${kills.join(', ')}`).toEqual(a.metrics);
      expect(b.finalValLoss).toEqual(a.finalValLoss);
      expect(b.finalTrainLoss).toEqual(a.finalTrainLoss);
      expect(b.evaluation).toEqual(a.evaluation);
      expect(existsSync(path.join(cut, run, 'run.lock'))).toBe(false);
      expect(readdirSync(path.join(cut, run, 'checkpoints')).filter((f) => f.includes('.tmp-'))).toEqual([]);
    }
  }, 240_000);
});
