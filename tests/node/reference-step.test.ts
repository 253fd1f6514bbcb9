/**
 * A whole `tiny` train step against PyTorch: bench/reference/make_fixture.py wrote the initial
 * weights, a data set with three batches, PyTorch's loss, gradients and weights after three
 * AdamW steps (tests/fixtures/tiny-step). Tolerances: loss and gradient norm 1e-5 relative;
 * gradients 1e-5 of the largest gradient of each tensor (+1e-8 absolute); weights after three steps 2e-6 absolute
 * (AdamW moves each weight by about lr = 1e-3 per step).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { gradients } from '../../src/engine/graph/autodiff';
import { Graph, type Value } from '../../src/engine/graph/ir';
import { parseSafetensors } from '../../src/engine/io/safetensors';
import {
  declareParams,
  forward,
  nextPatchLoss,
  PRESETS,
  tokensOf,
  type PatchTransformerConfig,
} from '../../src/engine/models/patch-transformer';
import { probeProvider } from '../../src/engine/runtime/providers';
import { Trainer } from '../../src/engine/runtime/trainer';
import * as op from '../../src/engine/graph/ops';
import { compile } from '../helpers/graph-eval';

const dir = path.resolve('tests/fixtures/tiny-step');
const load = (f: string) => parseSafetensors(readFileSync(path.join(dir, f)), f).tensors;
const meta = JSON.parse(readFileSync(path.join(dir, 'meta.json'), 'utf8')) as {
  config: { D: number; H: number; L: number; P: number; S: number; C: number; F: number; B: number };
  optimizer: { lr: number; b1: number; b2: number; eps: number; wd: number; maxNorm: number };
  losses: number[];
  gradNorms: number[];
};
const c = meta.config;
const cfg: PatchTransformerConfig = {
  ...PRESETS.tiny,
  dModel: c.D,
  heads: c.H,
  layers: c.L,
  patchLen: c.P,
  seqLen: c.S,
  channels: c.C,
  mlpHidden: c.F,
  batch: c.B,
};
const floats = (m: Map<string, { data: unknown }>) => new Map([...m].map(([k, v]) => [k, v.data as Float32Array]));
const fx = load('data.safetensors');
const data = fx.get('data')!.data as Float32Array;
const starts = fx.get('starts')!.data as Int32Array;
const initial = floats(load('initial.safetensors'));
const adam = {
  beta1: meta.optimizer.b1,
  beta2: meta.optimizer.b2,
  eps: meta.optimizer.eps,
  weightDecay: meta.optimizer.wd,
  maxGradNorm: meta.optimizer.maxNorm,
};

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

async function threeSteps(device: 'cpu' | 'webgpu') {
  const t = await Trainer.create({ model: cfg, data, device, seed: 0, adam, initialParams: initial });
  const metrics = [];
  for (let s = 0; s < 3; s++)
    metrics.push((await t.step(meta.optimizer.lr, { starts: starts.subarray(s * c.B, (s + 1) * c.B), read: true }))!);
  const params = await t.readParams();
  await t.dispose();
  return { metrics, params };
}

describe('tiny train step against the PyTorch reference', () => {
  it('matches the gradients of step 1', async () => {
    const g = new Graph();
    const dataV = g.input('data', 'float32', [data.length / c.C, c.C]);
    const startsV = g.input('starts', 'int32', [c.B]);
    const width = c.S * c.P;
    const idx = op.add(
      op.reshape(startsV, [c.B, 1]),
      g.constant(
        Int32Array.from({ length: width }, (_, i) => i),
        [1, width],
        'int32',
      ),
    );
    const params = declareParams(g, cfg);
    const tokens = tokensOf(op.gather(dataV, idx), cfg);
    const loss = nextPatchLoss(forward(tokens, params, cfg), tokens, cfg);
    const names = [...params.keys()];
    const grads = gradients(
      loss,
      names.map((n) => params.get(n)!),
    );
    const outputs: Record<string, Value> = { loss };
    names.forEach((n) => (outputs[`grad.${n}`] = grads.get(params.get(n)!)!));
    const m = await compile(g, outputs);
    const feeds: Record<string, { data: Float32Array | Int32Array; dims: number[] }> = {
      data: { data, dims: [data.length / c.C, c.C] },
      starts: { data: starts.subarray(0, c.B), dims: [c.B] },
    };
    for (const n of names) feeds[n] = { data: initial.get(n)!, dims: [...params.get(n)!.shape] as number[] };
    const out = await m.run(feeds);
    expect(out.loss![0]).toBeCloseTo(meta.losses[0]!, 6);
    const ref = floats(load('grads.safetensors'));
    expect([...ref.keys()].sort()).toEqual([...names].sort());
    for (const n of names) {
      const want = ref.get(n)!;
      const scale = Math.max(...want.map(Math.abs));
      // attn.bk's gradient is zero in exact arithmetic (softmax ignores a key bias): an absolute floor.
      expect(maxAbsDiff(out[`grad.${n}`]!, want), n).toBeLessThanOrEqual(1e-5 * scale + 1e-8);
    }
  });

  it('matches loss, gradient norm and weights over three AdamW steps on the CPU', async () => {
    const { metrics, params } = await threeSteps('cpu');
    metrics.forEach((m, i) => {
      expect(Math.abs(m.loss - meta.losses[i]!) / meta.losses[i]!, `loss ${i}`).toBeLessThan(1e-5);
      expect(Math.abs(m.gradNorm - meta.gradNorms[i]!) / meta.gradNorms[i]!, `grad norm ${i}`).toBeLessThan(1e-5);
    });
    const after = floats(load('after3.safetensors'));
    for (const [n, want] of after) expect(maxAbsDiff(params.get(n)!, want), n).toBeLessThan(2e-6);
  });

  it('gives the same three steps on WebGPU', async (ctx) => {
    const status = await probeProvider('webgpu');
    if (!status.available && process.env.STACKLAB_REQUIRE_WEBGPU !== '1') ctx.skip();
    const cpu = await threeSteps('cpu');
    const gpu = await threeSteps('webgpu');
    gpu.metrics.forEach((m, i) =>
      expect(Math.abs(m.loss - cpu.metrics[i]!.loss) / cpu.metrics[i]!.loss).toBeLessThan(1e-5),
    );
    for (const [n, w] of cpu.params) expect(maxAbsDiff(gpu.params.get(n)!, w), n).toBeLessThan(2e-6);
  });
});
