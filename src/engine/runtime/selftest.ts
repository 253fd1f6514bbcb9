/**
 * The doctor's self-test: on each available provider, a few train steps of the tiny preset on a
 * small synthetic series; the loss must fall and match the CPU's within tolerance.
 */
import type { ExecutionProviderName, ProviderStatus, SelfTestResult } from '../../shared/system';
import { PRESETS } from '../models/patch-transformer';
import { Trainer } from './trainer';

const STEPS = 24;
const WARMUP = 2;
/** Relative loss difference tolerated between a GPU provider and the CPU (float32, different kernels). */
export const SELFTEST_TOLERANCE = 1e-3;

function series(rows: number, channels: number): Float32Array {
  const d = new Float32Array(rows * channels);
  for (let t = 0; t < rows; t++) for (let c = 0; c < channels; c++) d[t * channels + c] = Math.sin(t / (5 + 3 * c)) + 0.3 * Math.cos(t / 13);
  return d;
}

async function losses(device: ExecutionProviderName): Promise<{ losses: number[]; msPerStep: number }> {
  const t = await Trainer.create({ model: { ...PRESETS.tiny, channels: 3 }, data: series(512, 3), device, seed: 1 });
  try {
    const out: number[] = [];
    let started = 0;
    for (let i = 0; i < STEPS; i++) {
      if (i === WARMUP) started = performance.now();
      out.push((await t.step(3e-3, { read: true }))!.loss);
    }
    return { losses: out, msPerStep: (performance.now() - started) / (STEPS - WARMUP) };
  } finally {
    await t.dispose();
  }
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

export async function selfTest(providers: readonly ProviderStatus[]): Promise<SelfTestResult[]> {
  const results: SelfTestResult[] = [];
  let cpu: number[] | undefined;
  // CPU first: the others are compared with it.
  const order = [...providers].sort((a, b) => (a.name === 'cpu' ? -1 : b.name === 'cpu' ? 1 : 0));
  for (const p of order) {
    if (!p.available) {
      results.push({ provider: p.name, ok: false, skipped: true, steps: 0, reason: `not run: ${p.reason ?? 'unavailable'}` });
      continue;
    }
    try {
      const r = await losses(p.name);
      const first = mean(r.losses.slice(0, 4));
      const last = mean(r.losses.slice(-4));
      let reason: string | undefined;
      let maxRel: number | undefined;
      if (!r.losses.every(Number.isFinite)) reason = 'the loss is not finite';
      else if (!(last < 0.8 * first)) reason = `the loss did not fall (${first.toPrecision(4)} → ${last.toPrecision(4)})`;
      if (p.name === 'cpu') cpu = r.losses;
      else if (cpu) {
        maxRel = Math.max(...r.losses.map((l, i) => Math.abs(l - cpu![i]!) / Math.abs(cpu![i]!)));
        if (!(maxRel <= SELFTEST_TOLERANCE)) reason ??= `its losses differ from the CPU's by up to ${(maxRel * 100).toPrecision(3)}% (tolerance ${SELFTEST_TOLERANCE * 100}%)`;
      }
      results.push({
        provider: p.name,
        ok: reason === undefined,
        steps: STEPS,
        msPerStep: Math.round(r.msPerStep * 100) / 100,
        firstLoss: r.losses[0]!,
        lastLoss: r.losses.at(-1)!,
        ...(maxRel === undefined ? {} : { maxRelDiffVsCpu: maxRel }),
        ...(reason ? { reason } : {}),
      });
    } catch (err) {
      results.push({ provider: p.name, ok: false, steps: 0, reason: err instanceof Error ? err.message : String(err) });
    }
  }
  return results;
}
