/**
 * Mixed precision in the train-step graph: fp16 matrix products with fp32 master weights and
 * dynamic loss scaling (run on the CPU provider, which has float16 MatMul and Gemm), and the
 * bf16 graph's structure (its kernels exist on CUDA only; the H200 run is in bench/RESULTS.md).
 */
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSafetensors } from '../../src/engine/io/safetensors';
import { cli } from '../helpers/cli';
import { loadSampleDataset } from '../../src/engine/data/dataset';
import { prepareRunData } from '../../src/engine/data/prepared';
import { PRESETS, windowLength } from '../../src/engine/models/patch-transformer';
import { Trainer } from '../../src/engine/runtime/trainer';
import { buildTrainSteps, LOSS_SCALING, trainStepIr } from '../../src/engine/train/train-step';
import { DEFAULT_ADAMW } from '../../src/engine/train/adamw';
import { precisionProblem } from '../../src/shared/precision';

async function setup(layers = 2) {
  const ds = await loadSampleDataset({ rows: 1500 });
  const model = { ...PRESETS.tiny, layers, channels: ds.channels.length };
  return { model, data: prepareRunData(ds, windowLength(model)) };
}

describe('mixed precision', () => {
  it('trains in fp16 with losses close to fp32 and the loss scale carried from call to call', async () => {
    const { model, data } = await setup();
    const make = (precision: 'fp32' | 'fp16', stepsPerCall = 1) =>
      Trainer.create({
        model,
        data: data.matrix,
        device: 'cpu',
        seed: 3,
        windowStarts: data.trainStarts,
        precision,
        stepsPerCall,
      });
    const fp32 = await make('fp32');
    const fp16 = await make('fp16', 4);
    try {
      const lrs = Array.from({ length: 8 }, () => 2e-3);
      const a = [...(await fp32.steps(lrs.slice(0, 1), { read: true }))];
      for (const lr of lrs.slice(1)) a.push(...(await fp32.steps([lr], { read: true })));
      const b = [
        ...(await fp16.steps(lrs.slice(0, 4), { read: true })),
        ...(await fp16.steps(lrs.slice(4), { read: true })),
      ];
      expect(b.map((m) => m.step)).toEqual(a.map((m) => m.step));
      for (let i = 0; i < a.length; i++) {
        // Half-precision products: about 3 decimal digits.
        expect(Math.abs(b[i]!.loss - a[i]!.loss) / a[i]!.loss).toBeLessThan(2e-2);
        expect(b[i]!.skipped).toBeUndefined();
      }
      // The losses differ at all: the products really ran in half precision.
      expect(b.some((m, i) => m.loss !== a[i]!.loss)).toBe(true);
      expect(await fp16.readLossScale()).toEqual({ scale: LOSS_SCALING.initial, goodSteps: 8 });
      expect(await fp32.readLossScale()).toBeNull();
      // Master weights stay float32.
      const p = await fp16.readParams();
      expect(p.get('embed.w')).toBeInstanceOf(Float32Array);
    } finally {
      await fp32.dispose();
      await fp16.dispose();
    }
  });

  it('skips a step whose scaled gradients overflow, halves the scale and says so', async () => {
    const { model, data } = await setup(1);
    // 2^40 × a gradient of order 1e-2 is far past float16's 65504: the first steps overflow.
    const t = await Trainer.create({
      model,
      data: data.matrix,
      device: 'cpu',
      seed: 1,
      windowStarts: data.trainStarts,
      precision: 'fp16',
      initialLossScale: { scale: 2 ** 40, goodSteps: 5 },
    });
    try {
      const before = await t.readParams();
      const [m] = await t.steps([1e-3], { read: true });
      expect(m!.skipped).toBe(true);
      expect(Number.isFinite(m!.gradNorm)).toBe(false);
      expect(await t.readParams()).toEqual(before);
      expect(await t.readMoments()).toEqual({
        m: new Map([...before].map(([k, v]) => [k, new Float32Array(v.length)])),
        v: new Map([...before].map(([k, v]) => [k, new Float32Array(v.length)])),
      });
      expect(await t.readLossScale()).toEqual({ scale: 2 ** 39, goodSteps: 0 });
      // It backs off until the gradients fit, then trains.
      let taken: { skipped?: boolean } | undefined;
      for (let i = 0; i < 40 && !(taken && !taken.skipped); i++) [taken] = await t.steps([1e-3], { read: true });
      expect(taken!.skipped).toBeUndefined();
      expect(await t.readParams()).not.toEqual(before);
      const ls = (await t.readLossScale())!;
      expect(ls.scale).toBeLessThan(2 ** 39);
      expect(ls.goodSteps).toBe(1);
    } finally {
      await t.dispose();
    }
  });

  it('casts every matrix product of the bf16 graph to bfloat16 and keeps the state float32', () => {
    const model = { ...PRESETS.tiny, layers: 1, channels: 3 };
    const { g, outputs } = trainStepIr(model, 400, DEFAULT_ADAMW, { precision: 'bf16' });
    const products = g.nodes.filter((n) => n.op === 'MatMul' || n.op === 'Gemm');
    // Forward: 8 per block (q, k, v, scores, mix, out, two MLP) + embedding + head; backward: two per product.
    expect(products.length).toBe(3 * (8 + 2));
    for (const n of products) for (const i of n.inputs) expect(i.dtype, n.op).toBe('bfloat16');
    for (const i of g.inputs) expect(i.dtype).not.toBe('bfloat16');
    for (const o of Object.values(outputs)) expect(o.dtype).not.toBe('bfloat16');
    expect([...g.params.values()].every((p) => p.value.dtype === 'float32')).toBe(true);
    // No loss scaling in bf16 (its range is fp32's).
    expect(g.inputs.map((i) => i.name)).not.toContain('loss_scale');
    const loop = buildTrainSteps(model, 400, DEFAULT_ADAMW, 4, { precision: 'fp16' });
    expect(loop.model.inputNames).toContain('loss_scale');
    expect(loop.model.outputNames).toContain('skipped');
  });

  it('refuses a precision its device does not run, saying what to pick', () => {
    expect(precisionProblem('bf16', 'cpu')).toMatch(/bf16 runs on cuda, not on cpu: pick fp32 on cpu/);
    expect(precisionProblem('tf32', 'webgpu')).toMatch(/tf32 runs on cuda/);
    expect(precisionProblem('fp16', 'cpu')).toBeNull();
    expect(precisionProblem('fp32', 'webgpu')).toBeNull();
  });

  it('trains a run in fp16 on the CPU: config.json says so, checkpoints keep the loss scale, the report the precision', async () => {
    const out = await mkdtemp(path.join(os.tmpdir(), 'stacklab-fp16-'));
    const r = await cli([
      'train',
      '--sample',
      '--preset',
      'tiny',
      '--variants',
      'baseline',
      '--steps',
      '40',
      '--seeds',
      '1',
      '--device',
      'cpu',
      '--precision',
      'fp16',
      '--out',
      out,
      '--json',
    ]);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/on cpu in fp16/);
    const run = path.join(out, 'baseline-s1');
    const config = JSON.parse(await readFile(path.join(run, 'config.json'), 'utf8'));
    expect(config.precision).toBe('fp16');
    const last = (await readdir(path.join(run, 'checkpoints'))).sort().at(-1)!;
    const { metadata } = parseSafetensors(await readFile(path.join(run, 'checkpoints', last)), last);
    expect(Number(metadata.loss_scale)).toBe(65536);
    expect(Number(metadata.loss_scale_good_steps)).toBe(40);
    const metrics = (await readFile(path.join(run, 'metrics.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const train = metrics.filter((m) => m.type === 'train');
    expect(train.length).toBeGreaterThan(0);
    expect(train.every((m) => Number.isFinite(m.loss) && !m.skipped)).toBe(true);
  });
});
