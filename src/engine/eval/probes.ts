/**
 * Scoring the reasoning probes (the items, and what they test, are in probe-items.ts): an item is
 * right when the model's last-patch error is lowest on its correct candidate; the accuracy is
 * read against chance and against the naive persistence predictor on the same items.
 */
import * as ort from 'onnxruntime-node';
import type { ExecutionProviderName } from '../../shared/system';
import type { RunData } from '../data/prepared';
import { windowLength, type PatchTransformerConfig } from '../models/patch-transformer';
import {
  buildProbes,
  buildRung,
  LADDER_DISTRACTORS,
  LADDER_PROBES,
  DEFAULT_PROBE_ITEMS,
  PROBES,
  recallShare,
  type ProbeItem,
  type ProbeName,
  type ProbeOptions,
} from './probe-items';
import { ModelSessions } from './sessions';

export { PROBES, type ProbeName } from './probe-items';

/** What `scoreItems` gives for one error function. */
export interface ItemScore {
  /** Share of items where the correct candidate had the strictly lowest last-patch error. */
  readonly accuracy: number;
  /** What a random ranking scores: the mean of 1/K. */
  readonly chance: number;
  readonly items: number;
}

/** A model's score on one probe, with the naive persistence predictor's on the same items. */
export interface ProbeScore extends ItemScore {
  /** The accuracy of `persistenceErrors` (next patch = last row of patch S−2, held flat) on the same items. */
  readonly persistence: number;
  /** Copy only: `recallShare` of the data (whether recalling ever pays on them; null where it cannot be measured). */
  readonly recall?: number | null;
}

/**
 * Scores items with a last-patch error function, which receives `count` windows (count·W·C
 * values, W·C per window) and returns their `count` errors. Windows are passed item by item and,
 * within an item, candidate by candidate, in batches of whole items of at most `batch` windows
 * (default 256; an item larger than that goes alone). Ties count as wrong (see the header).
 */
export async function scoreItems(
  items: readonly ProbeItem[],
  lastPatchErrors: (windows: Float32Array, count: number) => Promise<Float32Array>,
  options: { readonly batch?: number } = {},
): Promise<ItemScore> {
  if (items.length === 0) throw new RangeError('probes: no items to score');
  const limit = options.batch ?? 256;
  let right = 0;
  let chance = 0;
  for (let i = 0; i < items.length;) {
    let windows = 0;
    let j = i;
    while (j < items.length && (j === i || windows + items[j]!.candidates <= limit)) windows += items[j++]!.candidates;
    const batch = items.slice(i, j);
    const x = new Float32Array(batch.reduce((a, it) => a + it.windows.length, 0));
    let at = 0;
    for (const it of batch) {
      x.set(it.windows, at);
      at += it.windows.length;
    }
    const errors = await lastPatchErrors(x, windows);
    if (errors.length < windows)
      throw new Error(`probes: the error function returned ${errors.length} errors for ${windows} windows`);
    let k = 0;
    for (const it of batch) {
      const e = errors.subarray(k, k + it.candidates);
      const mine = e[it.correct]!;
      if (Number.isFinite(mine) && e.every((v, c) => c === it.correct || mine < v)) right++;
      chance += 1 / it.candidates;
      k += it.candidates;
    }
    i = j;
  }
  return { accuracy: right / items.length, chance: chance / items.length, items: items.length };
}

/**
 * The naive persistence predictor's last-patch errors, for `scoreItems`: each row of the last
 * patch is predicted to equal the last row of patch S−2; the error is the MSE over the last
 * patch's P·C values. Pure JS; it ignores everything before patch S−2.
 */
export function persistenceErrors(
  cfg: Pick<PatchTransformerConfig, 'seqLen' | 'patchLen' | 'channels'>,
): (windows: Float32Array, count: number) => Promise<Float32Array> {
  const { seqLen: s, patchLen: p, channels: c } = cfg;
  const wc = s * p * c;
  const pc = p * c;
  const held = (s - 1) * pc - c;
  return async (windows, count) =>
    Float32Array.from({ length: count }, (_, b) => {
      const w = windows.subarray(b * wc, (b + 1) * wc);
      let e = 0;
      for (let k = 0; k < pc; k++) e += (w[(s - 1) * pc + k]! - w[held + (k % c)]!) ** 2;
      return e / pc;
    });
}

/** A data set's probe items for one seed and window shape, with the persistence predictor's accuracy on them. */
interface BuiltProbes {
  readonly probes: Record<ProbeName, ProbeItem[] | null>;
  readonly persistence: Partial<Record<ProbeName, number>>;
  readonly recall: number | null;
}

/**
 * The items depend only on the data, the seed and the window's shape, never on the weights: a run
 * scores the same items at every validation point, so they (and the persistence predictor's
 * accuracy on them) are built once per run's data.
 */
const built = new WeakMap<RunData, Map<string, Promise<BuiltProbes>>>();

function builtProbes(
  data: RunData,
  cfg: PatchTransformerConfig,
  seed: number,
  options: ProbeOptions,
): Promise<BuiltProbes> {
  const key = JSON.stringify([seed, cfg.seqLen, cfg.patchLen, cfg.channels, options.items ?? DEFAULT_PROBE_ITEMS]);
  let forData = built.get(data);
  if (!forData) built.set(data, (forData = new Map()));
  let entry = forData.get(key);
  if (!entry) forData.set(key, (entry = buildWithPersistence(data, cfg, seed, options)));
  return entry;
}

async function buildWithPersistence(
  data: RunData,
  cfg: PatchTransformerConfig,
  seed: number,
  options: ProbeOptions,
): Promise<BuiltProbes> {
  const probes = buildProbes(data, cfg, seed, options);
  const persistence: Partial<Record<ProbeName, number>> = {};
  for (const name of PROBES) {
    const items = probes[name];
    if (items) persistence[name] = (await scoreItems(items, persistenceErrors(cfg))).accuracy;
  }
  return { probes, persistence, recall: recallShare(data, cfg, seed) };
}

/**
 * Builds the items `probesWith` scores for this data, seed and window shape (default options), if
 * not built yet: a run does it before its clock starts, so that the first run of each seed does
 * not pay for the others.
 */
export async function readyProbes(data: RunData, cfg: PatchTransformerConfig, seed: number): Promise<void> {
  await builtProbes(data, cfg, seed, {});
}

/**
 * Builds the probes and scores them with the model (sessions made for this call and released).
 * A probe is null where `buildProbes` gives null.
 */
export async function scoreProbes(
  cfg: PatchTransformerConfig,
  params: ReadonlyMap<string, Float32Array>,
  data: RunData,
  device: ExecutionProviderName,
  seed: number,
  options: ProbeOptions & { readonly batch?: number } = {},
): Promise<Record<ProbeName, ProbeScore | null>> {
  return ModelSessions.with(cfg, device, params, (s) => probesWith(s, data, seed, options));
}

/** The model's last-patch errors (next-patch MSE of patch S−1), for `scoreItems`. */
function modelErrors(sessions: ModelSessions): (windows: Float32Array, count: number) => Promise<Float32Array> {
  const cfg = sessions.cfg;
  const w = windowLength(cfg);
  const s = cfg.seqLen;
  return async (windows, count) => {
    const result = await sessions.forecast.run({
      windows: new ort.Tensor('float32', windows, [count, w, cfg.channels]),
    });
    const mse = result.mse!.data as Float32Array;
    return Float32Array.from({ length: count }, (_, b) => mse[b * (s - 1) + s - 2]!);
  };
}

/** `scoreProbes` with a model's sessions and their current weights. */
export async function probesWith(
  sessions: ModelSessions,
  data: RunData,
  seed: number,
  options: ProbeOptions & { readonly batch?: number } = {},
): Promise<Record<ProbeName, ProbeScore | null>> {
  const cfg = sessions.cfg;
  const { probes, persistence, recall } = await builtProbes(data, cfg, seed, options);
  const out = { copy: null, lookup: null, contextual: null } as Record<ProbeName, ProbeScore | null>;
  if (PROBES.every((name) => probes[name] === null)) return out;
  const errors = modelErrors(sessions);
  for (const name of PROBES) {
    const items = probes[name];
    if (!items) continue;
    const score = await scoreItems(items, errors, options.batch !== undefined ? { batch: options.batch } : {});
    out[name] = { ...score, persistence: persistence[name]!, ...(name === 'copy' ? { recall } : {}) };
  }
  return out;
}

/** One rung of a probe's ladder with the final model: its distractors, accuracy, chance and persistence's. */
export interface LadderRung {
  readonly distractors: number;
  readonly accuracy: number;
  readonly chance: number;
  readonly persistence: number;
  readonly items: number;
}

export type Ladders = Partial<Record<(typeof LADDER_PROBES)[number], LadderRung[]>>;

/**
 * The probes' difficulty ladders (LADDER_PROBES × LADDER_DISTRACTORS) scored with the sessions'
 * weights: where the model's recall or lookup gives out as wrong candidates are added. Scored
 * once, at the end of a run. Rungs the data cannot hold are left out; a probe without any, too.
 */
export async function laddersWith(sessions: ModelSessions, data: RunData, seed: number): Promise<Ladders> {
  const cfg = sessions.cfg;
  const errors = modelErrors(sessions);
  const out: Ladders = {};
  for (const probe of LADDER_PROBES) {
    const rungs: LadderRung[] = [];
    for (const d of LADDER_DISTRACTORS) {
      const items = buildRung(probe, data, cfg, seed, d);
      if (!items) continue;
      const score = await scoreItems(items, errors);
      const persistence = (await scoreItems(items, persistenceErrors(cfg))).accuracy;
      rungs.push({ distractors: d, accuracy: score.accuracy, chance: score.chance, persistence, items: score.items });
    }
    if (rungs.length) out[probe] = rungs;
  }
  return out;
}
