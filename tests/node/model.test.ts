import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { gradients } from '../../src/engine/graph/autodiff';
import { Graph, type Value } from '../../src/engine/graph/ir';
import {
  blockOf,
  declareParams,
  forward,
  forwardFlopsPerWindow,
  nextPatchLoss,
  paramSpecs,
  PRESETS,
  tokensOf,
  validateConfig,
  windowLength,
  type PatchTransformerConfig,
} from '../../src/engine/models/patch-transformer';
import { initialValues, Trainer } from '../../src/engine/runtime/trainer';
import { buildInference } from '../../src/engine/inference/forecast';
import { compile, rng } from '../helpers/graph-eval';
import { waves } from '../helpers/series';

const micro: PatchTransformerConfig = {
  ...PRESETS.tiny,
  dModel: 8,
  heads: 2,
  layers: 2,
  seqLen: 4,
  patchLen: 2,
  mlpHidden: 16,
  channels: 2,
  batch: 2,
};

describe('patch transformer', () => {
  it('names its weights per layer and sizes the presets as documented', () => {
    const specs = paramSpecs({ ...PRESETS.tiny, channels: 3 });
    expect(specs.filter((s) => blockOf(s.name) === 1).map((s) => s.name.replace('blocks.1.', ''))).toEqual([
      'ln1.g',
      'ln1.b',
      'attn.wq',
      'attn.bq',
      'attn.wk',
      'attn.bk',
      'attn.wv',
      'attn.bv',
      'attn.wo',
      'attn.bo',
      'ln2.g',
      'ln2.b',
      'mlp.w1',
      'mlp.b1',
      'mlp.w2',
      'mlp.b2',
    ]);
    expect(blockOf('embed.w')).toBeNull();
    const count = (cfg: PatchTransformerConfig) =>
      paramSpecs(cfg).reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0);
    expect(count({ ...PRESETS.small, channels: 16 })).toBeGreaterThan(1.1e6);
    expect(count({ ...PRESETS.small, channels: 16 })).toBeLessThan(1.4e6);
    expect(count({ ...PRESETS.base, channels: 16 })).toBeGreaterThan(37e6);
    expect(count({ ...PRESETS.base, channels: 16 })).toBeLessThan(40e6);
    expect(paramSpecs({ ...micro, positions: 'rotary' }).some((s) => s.name === 'pos')).toBe(false);
  });

  it('rejects inconsistent configurations with the reason', () => {
    expect(() => validateConfig({ ...micro, heads: 3 })).toThrow(/dModel 8 must be divisible by heads 3/);
    expect(() => validateConfig({ ...micro, layers: 0 })).toThrow(/layers must be a positive integer/);
    expect(() => validateConfig({ ...micro, dModel: 6, heads: 2, positions: 'rotary' })).toThrow(/even head width/);
  });

  it('initialises deterministically per parameter name', () => {
    const spec = paramSpecs(micro).find((s) => s.name === 'blocks.0.attn.wq')!;
    const a = initialValues(spec, 1);
    expect([...initialValues(spec, 1)]).toEqual([...a]);
    expect([...initialValues(spec, 2)]).not.toEqual([...a]);
    const std = Math.sqrt(a.reduce((s, x) => s + x * x, 0) / a.length);
    expect(std).toBeGreaterThan(0.01);
    expect(std).toBeLessThan(0.03);
  });

  it('counts forward FLOPs from the shape, attention included', () => {
    const c = { ...micro, layers: 1 };
    // per layer: 2·S·(4D² + 2DF) + 2·H·S²·Dh·2 ; plus embed and head 2·S·P·C·D·2
    const expected = 2 * 4 * (4 * 64 + 2 * 8 * 16) + 2 * 2 * 16 * 4 * 2 + 2 * 4 * 2 * 2 * 8 * 2;
    expect(forwardFlopsPerWindow(c)).toBe(expected);
  });

  it.each(['learned', 'rotary'] as const)(
    'back-propagates correctly through the whole model (%s positions)',
    async (positions) => {
      const cfg = { ...micro, positions };
      const g = new Graph();
      const windows = g.input('windows', 'float32', [cfg.batch, windowLength(cfg), cfg.channels]);
      const params = declareParams(g, cfg);
      const tokens = tokensOf(windows, cfg);
      const loss = nextPatchLoss(forward(tokens, params, cfg), tokens, cfg);
      const names = [...params.keys()];
      const grads = gradients(
        loss,
        names.map((n) => params.get(n)!),
      );
      const outputs: Record<string, Value> = { loss };
      names.forEach((n, i) => (outputs[`g${i}`] = grads.get(params.get(n)!)!));
      const m = await compile(g, outputs);
      const r = rng(3);
      const values = new Map(
        paramSpecs(cfg).map((s) => [s.name, Float32Array.from(initialValues(s, 9), (v) => v * 5 + (r() - 0.5) * 0.2)]),
      );
      const w = Float32Array.from({ length: cfg.batch * windowLength(cfg) * cfg.channels }, () => r() * 2 - 1);
      const feeds = () => {
        const f: Record<string, { data: Float32Array; dims: number[] }> = {
          windows: { data: w, dims: [...windows.shape] as number[] },
        };
        for (const s of paramSpecs(cfg)) f[s.name] = { data: values.get(s.name)!, dims: [...s.shape] };
        return f;
      };
      const analytic = await m.run(feeds());
      let checked = 0;
      for (const [i, name] of names.entries()) {
        const v = values.get(name)!;
        const ga = analytic[`g${i}`]!;
        const scale = Math.max(...ga.map(Math.abs));
        for (const k of [0, Math.floor(v.length / 2), v.length - 1]) {
          const orig = v[k]!;
          const h = 1e-2;
          v[k] = orig + h;
          const up = (await m.run(feeds())).loss![0]!;
          v[k] = orig - h;
          const down = (await m.run(feeds())).loss![0]!;
          v[k] = orig;
          const numeric = (up - down) / (2 * h);
          expect(Math.abs(ga[k]! - numeric), `${name}[${k}]: analytic ${ga[k]} numeric ${numeric}`).toBeLessThan(
            2e-2 * Math.max(Math.abs(numeric), scale, 1e-3),
          );
          checked++;
        }
      }
      expect(checked).toBe(names.length * 3);
    },
  );

  it('emits a standalone inference model that reproduces the training loss', async () => {
    const cfg = { ...PRESETS.tiny, channels: 3 };
    const data = waves(300);
    const t = await Trainer.create({ model: cfg, data, device: 'cpu', seed: 2 });
    for (let i = 0; i < 3; i++) await t.step(1e-3);
    const params = await t.readParams();
    const starts = t.nextStarts();
    // The loss a step reports is computed before its update, from the current weights.
    const reported = (await t.step(0, { starts, read: true }))!.loss;
    await t.dispose();

    const model = buildInference(cfg, params);
    const session = await ort.InferenceSession.create(model.bytes);
    const w = windowLength(cfg);
    const windows = new Float32Array(starts.length * w * 3);
    starts.forEach((s, b) => windows.set(data.subarray(s * 3, (s + w) * 3), b * w * 3));
    const out = await session.run({ windows: new ort.Tensor('float32', windows, [starts.length, w, 3]) });
    expect(out.pred!.dims).toEqual([starts.length, cfg.seqLen, cfg.patchLen * 3]);
    const mse = out.mse!.data as Float32Array;
    const mean = mse.reduce((a, b) => a + b, 0) / mse.length;
    expect(mean).toBeCloseTo(reported, 6);
    // A free batch size: one window works too.
    const one = await session.run({ windows: new ort.Tensor('float32', windows.subarray(0, w * 3), [1, w, 3]) });
    expect(Array.from(one.mse!.data as Float32Array)).toEqual(Array.from(mse.subarray(0, cfg.seqLen - 1)));
    await session.release();
  });
});
