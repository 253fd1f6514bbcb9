/** The run loop's parts: the schedule's boundaries, the batch sampler, evaluation sessions with weights as inputs, estimates. */
import * as ort from 'onnxruntime-node';
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { loadSampleDataset } from '../../src/engine/data/dataset';
import { prepareRunData } from '../../src/engine/data/prepared';
import { ModelSessions } from '../../src/engine/eval/sessions';
import { buildInference } from '../../src/engine/inference/forecast';
import { PRESETS, paramSpecs, windowLength } from '../../src/engine/models/patch-transformer';
import { sessionOptions } from '../../src/engine/runtime/device';
import { BatchSampler } from '../../src/engine/runtime/sampler';
import { initialValues, Trainer } from '../../src/engine/runtime/trainer';
import { RunSchedule } from '../../src/engine/runs/schedule';
import type { RunConfig } from '../../src/engine/runs/types';
import { validationLossWith } from '../../src/engine/runs/validation';
import { runSeconds } from '../../src/engine/services/jobs/estimate';
import { DEFAULT_ADAMW } from '../../src/engine/train/adamw';
import { lrAt } from '../../src/engine/train/schedules';
import { stateLayout, type OptimizerLayout } from '../../src/engine/train/train-step';

const base = {
  variant: 'midas',
  growth: { layers: 3, block: 1, alpha: 1, steps: 36 },
  schedule: { kind: 'cosine', lr: 2e-3, warmup: 3, total: 36, final: 2e-4 },
  optimizer: { ...DEFAULT_ADAMW, stateAtGrowth: 'copy', rewarmupSteps: 0 },
  readEvery: 4,
  valEvery: 12,
  checkpointEvery: 10,
} as const satisfies Partial<RunConfig>;

describe('the run schedule', () => {
  it('stops at every read-back, validation, checkpoint and stage end, and nowhere else', () => {
    const s = new RunSchedule(base);
    expect(s.stages.map((x) => [x.layers, x.steps])).toEqual([
      [1, 6],
      [2, 12],
      [3, 18],
    ]);
    const stops: string[] = [];
    for (const stage of s.stages) {
      for (let step = s.stageBegin(stage); step < s.stageEnd(stage);) {
        const b = s.next(step, stage);
        stops.push(
          `${b.step}:${b.read ? 'r' : ''}${b.validate ? 'v' : ''}${b.checkpoint ? 'c' : ''}${b.stageEnd ? 'e' : ''}`,
        );
        step = b.step;
      }
    }
    expect(stops).toEqual([
      '4:r',
      '6:rvce',
      '8:r',
      '10:c',
      '12:rv',
      '16:r',
      '18:rvce',
      '20:rc',
      '24:rv',
      '28:r',
      '30:c',
      '32:r',
      '36:rvce',
    ]);
  });

  it('re-warms the learning rate after each growth when asked, and only then', () => {
    const plain = new RunSchedule(base);
    const rewarm = new RunSchedule({ ...base, optimizer: { ...base.optimizer, rewarmupSteps: 4 } });
    const [first, second] = rewarm.stages;
    for (let step = 0; step < 6; step++) expect(rewarm.lr(step, first!)).toBe(lrAt(base.schedule, step));
    expect([6, 7, 8, 9, 10].map((step) => rewarm.lr(step, second!) / lrAt(base.schedule, step))).toEqual([
      0.25, 0.5, 0.75, 1, 1,
    ]);
    expect(plain.lr(6, second!)).toBe(lrAt(base.schedule, 6));
  });

  it('costs a run from its own validation points, each at its depth', () => {
    const config = { ...base, model: { ...PRESETS.tiny, layers: 3, channels: 4 } } as unknown as RunConfig;
    // No training time, no session builds: the points alone, 1 s each at full depth.
    const points = new RunSchedule(config).validationPoints();
    const none = { stepSeconds: [{ layers: 3, seconds: 0 }], compileSeconds: 0, pointSeconds: 0, finalSeconds: 0 };
    expect(runSeconds(config, { ...none, pointSeconds: 1 })).toBeCloseTo(
      points.reduce((a, p) => a + p.layers / 3, 0),
      12,
    );
    // One session build per stage, and the final evaluation once.
    expect(runSeconds(config, { ...none, compileSeconds: 2 })).toBe(6);
    expect(runSeconds(config, { ...none, finalSeconds: 5 })).toBe(5);
    // Steps at each stage's depth, on the line through the two measured depths: 6 steps at 1 layer, 12 at 2, 18 at 3.
    expect(
      runSeconds(config, {
        ...none,
        stepSeconds: [
          { layers: 1, seconds: 0.1 },
          { layers: 3, seconds: 0.3 },
        ],
      }),
    ).toBeCloseTo(6 * 0.1 + 12 * 0.2 + 18 * 0.3, 12);
  });
});

describe('the batch sampler', () => {
  it('continues from a saved position with the batches it would have drawn', () => {
    const starts = Int32Array.from({ length: 50 }, (_, i) => i * 3);
    const a = BatchSampler.seeded(starts, 8, 7);
    a.next();
    const saved = a.state;
    const next = [a.next(), a.next()];
    const b = BatchSampler.fromState(starts, 8, saved);
    expect([b.next(), b.next()]).toEqual(next);
    expect([...next[0]!].every((s) => starts.includes(s))).toBe(true);
  });
});

describe('evaluation sessions', () => {
  it('give the baked-in model’s validation loss bit for bit, with new weights fed without rebuilding', async () => {
    const ds = await loadSampleDataset({ rows: 1500 });
    const model = { ...PRESETS.tiny, layers: 2, channels: ds.channels.length };
    const data = prepareRunData(ds, windowLength(model));
    const weights = (seed: number) => new Map(paramSpecs(model).map((p) => [p.name, initialValues(p, seed)]));
    const baked = async (params: Map<string, Float32Array>) => {
      const session = await ort.InferenceSession.create(buildInference(model, params).bytes, sessionOptions('cpu'));
      const w = windowLength(model);
      const c = model.channels;
      const starts = [...data.valStarts].slice(0, 40);
      const x = new Float32Array(starts.length * w * c);
      starts.forEach((s, b) => x.set(data.matrix.subarray(s * c, (s + w) * c), b * w * c));
      const mse = (await session.run({ windows: new ort.Tensor('float32', x, [starts.length, w, c]) })).mse!
        .data as Float32Array;
      await session.release();
      return mse.reduce((a, b) => a + b, 0) / mse.length;
    };
    const data40 = { ...data, valStarts: data.valStarts.slice(0, 40) };
    const sessions = await ModelSessions.create(model, 'cpu');
    try {
      for (const seed of [1, 2]) {
        await sessions.setWeights(weights(seed));
        expect(await validationLossWith(sessions, data40, 256)).toBe(await baked(weights(seed)));
      }
    } finally {
      await sessions.release();
    }
  });

  it('take the thread count as a parameter (0: every core)', () => {
    expect(sessionOptions('cpu', { threads: 3 }).intraOpNumThreads).toBe(3);
    expect(sessionOptions('cpu', { threads: 0 }).intraOpNumThreads).toBe(os.availableParallelism());
  });
});

describe('the trainer in chunks', () => {
  it.each(['flat', 'per-tensor', 'stacked'] as const)(
    'takes K steps per call in the Loop graph with the one-step graph’s losses and weights, bit for bit (%s state)',
    async (layout) => {
      const ds = await loadSampleDataset({ rows: 1500 });
      const model = { ...PRESETS.tiny, layers: 2, channels: ds.channels.length };
      const data = prepareRunData(ds, windowLength(model));
      const make = (stepsPerCall: number) =>
        Trainer.create({
          model,
          data: data.matrix,
          device: 'cpu',
          seed: 5,
          windowStarts: data.trainStarts,
          stepsPerCall,
          layout,
        });
      const lrs = Array.from({ length: 10 }, (_, i) => 1e-3 * (1 + i / 10));
      const one = await make(1);
      const loop = await make(4);
      try {
        const a: number[][] = [];
        for (const lr of lrs)
          for (const m of await one.steps([lr], { read: true })) a.push([m.step, m.loss, m.gradNorm]);
        const b: number[][] = [];
        // Chunks of 4, 4 and 2: the last call takes fewer steps than K.
        for (const chunk of [lrs.slice(0, 4), lrs.slice(4, 8), lrs.slice(8)])
          for (const m of await loop.steps(chunk, { read: true })) b.push([m.step, m.loss, m.gradNorm]);
        expect(b).toEqual(a);
        expect(await loop.readParams()).toEqual(await one.readParams());
        expect(await loop.readMoments()).toEqual(await one.readMoments());
        expect(loop.stepCount).toBe(10);
        await expect(loop.steps(Array(5).fill(1e-3))).rejects.toThrow(/5 steps asked, 1 to 4 per call/);
      } finally {
        await one.dispose();
        await loop.dispose();
      }
    },
  );

  it.each(['flat', 'stacked'] as const)(
    'trains the same with the optimiser on %s buffers as on one buffer per tensor, in far fewer nodes',
    async (layout) => {
      const ds = await loadSampleDataset({ rows: 1500 });
      const model = { ...PRESETS.tiny, layers: 2, channels: ds.channels.length };
      const data = prepareRunData(ds, windowLength(model));
      const make = (layout: OptimizerLayout) =>
        Trainer.create({ model, data: data.matrix, device: 'cpu', seed: 2, windowStarts: data.trainStarts, layout });
      const [flat, own] = await Promise.all([make(layout), make('per-tensor')]);
      try {
        for (let i = 0; i < 6; i++) {
          const [a] = await flat.steps([2e-3], { read: true });
          const [b] = await own.steps([2e-3], { read: true });
          // The same arithmetic but the gradient norm's sum in another order: float32 rounding apart.
          expect(Math.abs(a!.loss - b!.loss) / b!.loss).toBeLessThan(1e-5);
          expect(Math.abs(a!.gradNorm - b!.gradNorm) / b!.gradNorm).toBeLessThan(1e-5);
        }
        const [pa, pb] = [await flat.readParams(), await own.readParams()];
        expect([...pa.keys()]).toEqual([...pb.keys()]);
        for (const [k, v] of pa) expect(Math.max(...v.map((x, i) => Math.abs(x - pb.get(k)![i]!)))).toBeLessThan(1e-5);
        const [ma, mb] = [await flat.readMoments(), await own.readMoments()];
        for (const [k, v] of ma.v)
          expect(Math.max(...v.map((x, i) => Math.abs(x - mb.v.get(k)![i]!)))).toBeLessThan(1e-9);
        expect(flat.nodeCount).toBeLessThan(0.65 * own.nodeCount);
      } finally {
        await flat.dispose();
        await own.dispose();
      }
    },
  );

  it('stacks the tensors of one shape and decay class on a leading axis', () => {
    const cfg = { ...PRESETS.base, channels: 16 };
    const l = stateLayout(cfg, 'stacked');
    const specs = paramSpecs(cfg);
    // Every parameter once, in a buffer of its own shape with a row for it.
    expect(l.groups.flatMap((g) => g.entries.map((e) => e.name)).sort()).toEqual(specs.map((s) => s.name).sort());
    for (const g of l.groups) {
      expect(g.size).toBe(g.shape.reduce((a, b) => a * b, 1));
      for (const [i, e] of g.entries.entries()) {
        expect(e.offset).toBe(i * e.size);
        if (g.entries.length > 1) expect(g.shape).toEqual([g.entries.length, ...e.shape]);
      }
    }
    const attn = l.groups.find((g) => g.entries.some((e) => e.name === 'blocks.0.attn.wq'))!;
    expect(attn.shape).toEqual([48, 512, 512]);
    expect(l.groups.length).toBeLessThan(12);
  });

  it('takes the steps it is given in one call, reading the last one back when asked', async () => {
    const ds = await loadSampleDataset({ rows: 1500 });
    const model = { ...PRESETS.tiny, layers: 1, channels: ds.channels.length };
    const data = prepareRunData(ds, windowLength(model));
    const t = await Trainer.create({
      model,
      data: data.matrix,
      device: 'cpu',
      seed: 1,
      windowStarts: data.trainStarts,
    });
    try {
      expect(await t.steps([1e-3], { read: false })).toEqual([]);
      const [m] = await t.steps([1e-3], { read: true });
      expect(m!.step).toBe(2);
      expect(Number.isFinite(m!.loss)).toBe(true);
      await expect(t.steps([1e-3, 1e-3])).rejects.toThrow(/2 steps asked, 1 to 1 per call/);
    } finally {
      await t.dispose();
    }
  });
});
