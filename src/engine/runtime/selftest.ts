/**
 * The doctor's self-test: on each available provider, a few train steps of the tiny preset on a
 * small synthetic series; the loss must fall and match the CPU's within tolerance.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import type { ExecutionProviderName, ProviderStatus, SelfTestResult } from '../../shared/system';
import { APP_VERSION } from '../app-meta';
import { defaultConfigDir } from '../paths';
import { cudaTf32Mode } from './tf32';
import { PRESETS, type PresetName } from '../models/patch-transformer';
import { Trainer } from './trainer';

const STEPS = 24;
const WARMUP = 2;
/** Relative loss difference tolerated between a GPU provider and the CPU (float32, different kernels). */
export const SELFTEST_TOLERANCE = 1e-3;
/** The same with TF32 tensor cores on (a process started for tf32): 10-bit mantissas in the products. */
export const SELFTEST_TF32_TOLERANCE = 1e-2;

function series(rows: number, channels: number): Float32Array {
  const d = new Float32Array(rows * channels);
  for (let t = 0; t < rows; t++)
    for (let c = 0; c < channels; c++) d[t * channels + c] = Math.sin(t / (5 + 3 * c)) + 0.3 * Math.cos(t / 13);
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
      results.push({
        provider: p.name,
        ok: false,
        skipped: true,
        steps: 0,
        reason: `not run: ${p.reason ?? 'unavailable'}`,
      });
      continue;
    }
    try {
      const r = await losses(p.name);
      const first = mean(r.losses.slice(0, 4));
      const last = mean(r.losses.slice(-4));
      let reason: string | undefined;
      let maxRel: number | undefined;
      if (!r.losses.every(Number.isFinite)) reason = 'the loss is not finite';
      else if (!(last < 0.8 * first))
        reason = `the loss did not fall (${first.toPrecision(4)} → ${last.toPrecision(4)})`;
      if (p.name === 'cpu') cpu = r.losses;
      else if (cpu) {
        maxRel = Math.max(...r.losses.map((l, i) => Math.abs(l - cpu![i]!) / Math.abs(cpu![i]!)));
        const tolerance = p.name === 'cuda' && cudaTf32Mode() ? SELFTEST_TF32_TOLERANCE : SELFTEST_TOLERANCE;
        if (!(maxRel <= tolerance))
          reason ??= `its losses differ from the CPU's by up to ${(maxRel * 100).toPrecision(3)}% (tolerance ${tolerance * 100}%${p.name === 'cuda' && cudaTf32Mode() ? ', TF32 on' : ''})`;
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

/** Where self-test verdicts are kept: one per provider, StackLab and ORT version (a driver or library change shows as a new probe failure, not here). */
const verdictFile = (dir: string) => path.join(dir, 'selftest.json');
/** Where preset speeds are kept, beside the verdicts. */
const speedFile = (dir: string) => path.join(dir, 'provider-speed.json');

/** A kept JSON object of entries by key ({} when there is none or it does not read). */
async function readKept<T>(file: string): Promise<Record<string, T>> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Record<string, T>;
  } catch {
    return {};
  }
}

/** Adds entries to a kept JSON object; a folder that cannot be written is left alone (they are measured again next time). */
async function keep(file: string, entries: Record<string, unknown>): Promise<void> {
  try {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, `${JSON.stringify({ ...(await readKept(file)), ...entries }, null, 2)}\n`);
  } catch {
    // Read-only configuration folder.
  }
}

const verdictKey = (provider: ExecutionProviderName) =>
  `${provider}@stacklab-${APP_VERSION}+ort-${ort.env.versions.common ?? 'unknown'}${cudaTf32Mode() ? '+tf32' : ''}`;

/** Keeps self-test results for later processes (doctor's, and the one `auto` runs); a folder that cannot be written is left alone. */
export async function keepVerdicts(results: readonly SelfTestResult[], dir = defaultConfigDir()): Promise<void> {
  const ran = results.filter((r) => !r.skipped && r.provider !== 'cpu');
  if (ran.length) await keep(verdictFile(dir), Object.fromEntries(ran.map((r) => [verdictKey(r.provider), r])));
}

/**
 * Whether `provider` passed the self-test on this machine (against the CPU), running it once
 * and keeping the verdict in `dir` for later processes: `auto` picks a GPU provider only when it
 * computes what the CPU computes.
 */
export async function selfTestVerdict(
  provider: ExecutionProviderName,
  dir = defaultConfigDir(),
): Promise<SelfTestResult> {
  const kept = (await readKept<SelfTestResult>(verdictFile(dir)))[verdictKey(provider)];
  if (kept) return kept;
  const results = await selfTest([
    { name: 'cpu', available: true, probeMs: 0 },
    { name: provider, available: true, probeMs: 0 },
  ]);
  await keepVerdicts(results, dir);
  return results.find((r) => r.provider === provider)!;
}

/**
 * Milliseconds a train step of `preset` takes on `provider` here (one block of the preset's
 * width: the providers' order is the same at full depth, and a CPU measures base in seconds, not
 * a minute), measured once and kept beside the self-test verdicts. What `auto` compares.
 */
export async function presetStepMs(
  provider: ExecutionProviderName,
  preset: PresetName,
  dir = defaultConfigDir(),
): Promise<number> {
  const key = `speed:${preset}:${verdictKey(provider)}`;
  const kept = (await readKept<number>(speedFile(dir)))[key];
  if (typeof kept === 'number') return kept;
  const model = { ...PRESETS[preset], layers: 1, channels: 8 };
  const rows = 4 * model.seqLen * model.patchLen;
  const k = provider === 'cuda' ? 4 : 1;
  const t = await Trainer.create({
    model,
    data: series(rows, model.channels),
    device: provider,
    seed: 1,
    stepsPerCall: k,
    readEvery: 1 << 30,
  });
  let ms: number;
  try {
    await t.steps(Array(k).fill(1e-4));
    const started = performance.now();
    for (let i = 0; i < 2; i++) await t.steps(Array(k).fill(1e-4), { read: i === 1 });
    ms = (performance.now() - started) / (2 * k);
  } finally {
    await t.dispose();
  }
  await keep(speedFile(dir), { [key]: Math.round(ms * 100) / 100 });
  return ms;
}
