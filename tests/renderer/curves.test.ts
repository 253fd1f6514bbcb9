import { describe, expect, it } from 'vitest';
import { advanceRun, MAX_POINTS, runFromHistory, thinPoints, type RunLive } from '../../src/renderer/src/model/curves';
import type { JobHistory } from '../../src/shared/jobs';
import { jobInfo, OLD_HISTORY, OLD_MIDAS_WALL, oldJob, progress } from './fakes/training';

const xy = (r: RunLive) => r.points.map((p) => [p.step, p.wallMs]);
/** A run's state after each of `updates` in turn. */
const after = (...updates: Parameters<typeof progress>[0][]) =>
  updates.reduce<RunLive | undefined>((r, u) => advanceRun(r, progress(u)), undefined)!;

describe('thinning a curve', () => {
  it('halves the older part of a long curve, keeping its first point and the newest 500', () => {
    const points = Array.from({ length: MAX_POINTS + 1 }, (_, i) => i);
    thinPoints(points);
    expect(points.length).toBeLessThanOrEqual(MAX_POINTS);
    expect(points[0]).toBe(0);
    expect(points.slice(-500)).toEqual(Array.from({ length: 500 }, (_, i) => MAX_POINTS - 499 + i));
  });

  it('leaves a curve within the bound as it is, and keeps at most half of the bound at full resolution', () => {
    const short = [1, 2, 3];
    thinPoints(short);
    expect(short).toEqual([1, 2, 3]);
    const points = Array.from({ length: 10 }, (_, i) => i);
    thinPoints(points, 6, 2);
    expect(points).toEqual([0, 2, 4, 6, 8, 9]);
    const wide = Array.from({ length: 10 }, (_, i) => i);
    thinPoints(wide, 6, 5);
    expect(wide).toEqual([0, 2, 4, 6, 7, 8, 9]);
  });
});

describe('a run advanced by live progress', () => {
  it('starts a curve at the first update and marks a growth where the stage number rises', () => {
    const first = after({ step: 10, loss: 1.2, flops: 1e9, elapsedMs: 100 });
    expect(first.points).toEqual([{ step: 10, flops: 1e9, wallMs: 100, loss: 1.2 }]);
    expect(first.growth).toEqual([]);
    const grown = advanceRun(
      first,
      progress({ step: 20, stage: 2, stages: 4, layers: 2, loss: 1.1, flops: 2e9, elapsedMs: 200 }),
    );
    expect(grown.growth).toEqual([{ step: 20, flops: 2e9, wallMs: 200, loss: 1.1 }]);
    expect(grown).toMatchObject({ step: 20, stage: 2, stages: 4, layers: 2, loss: 1.1 });
    // The stage reported again with the grew flag (as after a resume) is not a second growth.
    const again = advanceRun(grown, progress({ step: 30, stage: 2, stages: 4, layers: 2, loss: 1.0, grew: true }));
    expect(again.growth.map((p) => p.step)).toEqual([20]);
  });

  it('keeps one point per loss read: an update repeating the loss adds none, except at the last step', () => {
    const run = after(
      { step: 2, loss: 1 },
      { step: 4, loss: 1 },
      { step: 10, loss: 0.9 },
      { step: 12, loss: 0.9 },
      { step: 120, totalSteps: 120, loss: 0.9 },
    );
    expect(run.points.map((p) => p.step)).toEqual([2, 10, 120]);
  });

  it('rewinds a run that resumed from an earlier checkpoint: what it trains again is dropped, its clock goes on', () => {
    const before = after(
      { step: 10, elapsedMs: 100, loss: 0.1 },
      { step: 20, elapsedMs: 200, loss: 0.05 },
      { step: 30, stage: 2, elapsedMs: 300, loss: 0.03 },
    );
    expect(before.growth.map((p) => p.step)).toEqual([30]);
    const resumed = advanceRun(before, progress({ step: 21, elapsedMs: 5, loss: 0.04 }));
    expect(xy(resumed)).toEqual([
      [10, 100],
      [20, 200],
      [21, 205],
    ]);
    expect(resumed.growth).toEqual([]);
    expect(resumed.wallOffsetMs).toBe(200);
    // After a rewind the stage before is not known: the grew flag says whether the resumed step began a stage.
    const regrown = advanceRun(resumed, progress({ step: 15, stage: 2, elapsedMs: 1, loss: 0.05, grew: true }));
    expect(regrown.growth.map((p) => [p.step, p.wallMs])).toEqual([[15, 201]]);
  });

  it('updates the run before in place and returns a new state', () => {
    const first = after({ step: 10, loss: 1 });
    const next = advanceRun(first, progress({ step: 20, loss: 0.9 }));
    expect(next).not.toBe(first);
    expect(next.points).toBe(first.points);
    expect(next.growth).toBe(first.growth);
  });

  it('draws nothing for an update without a finite loss, but keeps its progress', () => {
    const run = after({ step: 10, loss: 1 }, { step: 20, loss: null, etaMs: 500 }, { step: 30, loss: Number.NaN });
    expect(run.points.map((p) => p.step)).toEqual([10]);
    expect(run).toMatchObject({ step: 30, etaMs: 1100 });
    expect(run.loss).toBeNaN();
  });

  it('keeps at most MAX_POINTS however long the run', () => {
    let run: RunLive | undefined;
    for (let step = 1; step <= 3 * MAX_POINTS; step++)
      run = advanceRun(run, progress({ step, loss: 1 / step, totalSteps: 3 * MAX_POINTS }));
    expect(run!.points.length).toBeLessThanOrEqual(MAX_POINTS);
    expect(run!.points[0]!.step).toBe(1);
    expect(run!.points.at(-1)!.step).toBe(3 * MAX_POINTS);
  });
});

describe('a run from its history', () => {
  const [baselineHistory, midasHistory] = OLD_HISTORY.runs;
  const history = (over: Partial<JobHistory['runs'][number]>): JobHistory['runs'][number] => ({
    run: 0,
    name: 'baseline',
    seed: 1,
    points: [],
    valPoints: [],
    growthSteps: [],
    ...over,
  });

  it('keeps only the growths where a stage of the run’s schedule begins, with its wall-clock across resumes', () => {
    const midas = runFromHistory(midasHistory!, oldJob())!;
    expect(xy(midas)).toEqual(OLD_MIDAS_WALL);
    expect(midas.growth.map((p) => p.step)).toEqual([12, 36]);
    expect(midas).toMatchObject({
      step: 48,
      stage: 3,
      stages: 4,
      layers: 3,
      loss: 1.5,
      flops: 1.1e8,
      elapsedMs: 200,
      wallOffsetMs: 180,
      etaMs: 0,
    });
    const baseline = runFromHistory(baselineHistory!, oldJob())!;
    expect(baseline.growth).toEqual([]);
    expect(baseline).toMatchObject({ step: 40, stage: 1, stages: 1, layers: 4, valLoss: 1.7 });
  });

  it('drops the steps a run trained again after resuming from an earlier checkpoint', () => {
    const points = [
      { step: 10, loss: 1, flops: 100, elapsedMs: 100 },
      { step: 20, loss: 0.9, flops: 200, elapsedMs: 200 },
      { step: 30, loss: 0.8, flops: Number.NaN, elapsedMs: 300 },
      { step: 15, loss: 0.85, flops: Number.NaN, elapsedMs: 50 },
    ];
    const run = runFromHistory(history({ points }), jobInfo())!;
    expect(xy(run)).toEqual([
      [10, 100],
      [15, 350],
    ]);
    // A reading without FLOPs carries the last count read.
    expect(run.points.map((p) => p.flops)).toEqual([100, 200]);
    expect(run).toMatchObject({ wallOffsetMs: 300, elapsedMs: 50, totalSteps: 120 });
  });

  it('keeps every growth it read for a variant it does not know, and the step of the last validation', () => {
    const info = jobInfo();
    const other = { ...info, runs: [{ ...info.runs[0]!, variant: 'zigzag' }] };
    const points = [10, 20, 30, 40].map((step) => ({ step, loss: 1, flops: step, elapsedMs: step }));
    const run = runFromHistory(
      history({
        name: 'zigzag',
        points,
        growthSteps: [20, 10, 20, 50],
        valPoints: [{ step: 45, valLoss: 0.7, flops: 45 }],
      }),
      other,
    )!;
    expect(run.growth.map((p) => p.step)).toEqual([10, 20]);
    expect(run).toMatchObject({ step: 45, stage: 3, stages: 3, valLoss: 0.7 });
    expect(run.layers).toBeNaN();
  });

  it('is null without a finite loss', () => {
    expect(
      runFromHistory(history({ points: [{ step: 10, loss: Number.NaN, flops: 1, elapsedMs: 1 }] }), jobInfo()),
    ).toBeNull();
  });
});
