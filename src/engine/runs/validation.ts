/**
 * A validation point: the validation loss and, for isoplot data and the final evaluation, the
 * downstream results (detection on the test part, the probes) of one set of weights. The run loop
 * and the job estimate both call `validationPoint`, so an estimate costs what a run does.
 */
import * as ort from 'onnxruntime-node';
import type { RunData } from '../data/prepared';
import { DEFAULT_SCORING, detectWith, type Evaluation } from '../eval/evaluate';
import { createHash } from 'node:crypto';
import { evaluationItems, itemLine, type PrimitiveItem } from '../data/primitives';
import { userPools } from '../data/user-items';
import { scorePrimitives, type PrimitiveScore } from '../eval/primitives';
import { PROBES, probesWith, type ProbeName, type ProbeScore } from '../eval/probes';
import type { ModelSessions } from '../eval/sessions';
import { windowLength } from '../models/patch-transformer';
import type { LabConfig, RunConfig } from './types';

/** Mean next-patch MSE over up to `max` validation windows (evenly spaced), with the sessions' current weights. */
export async function validationLossWith(sessions: ModelSessions, data: RunData, max = 256): Promise<number | null> {
  if (data.valStarts.length === 0) return null;
  const model = sessions.cfg;
  const step = Math.max(1, Math.floor(data.valStarts.length / max));
  const starts = [...data.valStarts].filter((_, i) => i % step === 0).slice(0, max);
  const w = windowLength(model);
  const c = model.channels;
  let sum = 0;
  let n = 0;
  for (let i = 0; i < starts.length; i += 64) {
    const batch = starts.slice(i, i + 64);
    const x = new Float32Array(batch.length * w * c);
    batch.forEach((s, b) => x.set(data.matrix.subarray(s * c, (s + w) * c), b * w * c));
    // A token model's graph also takes the positions to read logits at: one, unused here.
    const at: Record<string, ort.Tensor> = model.vocab
      ? { at: new ort.Tensor('int32', new Int32Array(batch.length), [batch.length, 1, 1]) }
      : {};
    const out = await sessions.forecast.run({ windows: new ort.Tensor('float32', x, [batch.length, w, c]), ...at });
    for (const v of (model.vocab ? out.nll : out.mse)!.data as Float32Array) {
      sum += v;
      n++;
    }
  }
  return sum / n;
}

export interface Downstream {
  /** Per-row anomaly scores (null when the data cannot be evaluated: no labels or no test part). */
  readonly scores: Float64Array | null;
  readonly evaluation: Evaluation | null;
  readonly probes: Record<ProbeName, ProbeScore | null>;
  /** The reasoning lab: each primitive's score (absent for sensor data). */
  readonly primitives?: Record<string, PrimitiveScore>;
}

/**
 * The evaluation items of a lab run, per corpus (built once): the seed's first `items` of every
 * primitive and of each of the user's own, less any whose line the corpus holds.
 */
const pools = new WeakMap<RunData, Map<string, Record<string, PrimitiveItem[]>>>();

export function labPools(lab: LabConfig, data: RunData): Record<string, PrimitiveItem[]> {
  const mine = lab.userItems?.length ? createHash('sha256').update(JSON.stringify(lab.userItems)).digest('hex') : '';
  const key = `${lab.itemsSeed}:${lab.items}:${mine}`;
  const cached = pools.get(data)?.get(key);
  if (cached) return cached;
  // A generated corpus never holds an item; a user's text might (a line equal to an item's).
  const lines = new Set(new TextDecoder().decode(Uint8Array.from(data.matrix)).split('\n'));
  const held = (it: Pick<PrimitiveItem, 'prompt' | 'answer'>) => !lines.has(itemLine(it).slice(0, -1));
  const builtIn = Object.entries(evaluationItems(lab.itemsSeed, lab.items)).map(
    ([name, pool]) => [name, pool.filter(held)] as const,
  );
  // A user's own primitives: the first `items` of each the corpus does not hold, in the file's order.
  const user = userPools((lab.userItems ?? []).filter(held), lab.items);
  const out = Object.fromEntries([...builtIn, ...Object.entries(user)]);
  pools.set(data, (pools.get(data) ?? new Map()).set(key, out));
  return out;
}

/** Anomaly detection on the test part and the reasoning probes, with the sessions' current weights. */
export async function downstreamWith(
  sessions: ModelSessions,
  data: RunData,
  config: Pick<RunConfig, 'scoring' | 'seed' | 'lab'>,
): Promise<Downstream> {
  // The reasoning lab: the primitives, k-shot, in place of detection and the sensor probes.
  if (config.lab) {
    const { lab } = config;
    const probes = Object.fromEntries(PROBES.map((p) => [p, null])) as Record<ProbeName, null>;
    const primitives = await scorePrimitives(
      sessions.forecast,
      sessions.cfg,
      labPools(lab, data),
      lab.itemsSeed,
      lab.shots,
    );
    return { scores: null, evaluation: null, probes, primitives };
  }
  const { scores, evaluation } = await detectWith(sessions, data, config.scoring ?? DEFAULT_SCORING);
  return { scores, evaluation, probes: await probesWith(sessions, data, config.seed) };
}

/**
 * One validation point with the sessions' current weights: the validation loss, and the
 * downstream results when the run records them at every point (isoplot, the default).
 */
export async function validationPoint(
  sessions: ModelSessions,
  data: RunData,
  config: Pick<RunConfig, 'scoring' | 'seed' | 'valWindows' | 'isoplot' | 'lab'>,
  /** Called with the loss before the downstream part (the run loop stops a diverged run there). */
  check: (valLoss: number | null) => void = () => undefined,
): Promise<{ valLoss: number | null; downstream: Downstream | null }> {
  const valLoss = await validationLossWith(sessions, data, config.valWindows);
  check(valLoss);
  const downstream = valLoss !== null && config.isoplot !== false ? await downstreamWith(sessions, data, config) : null;
  return { valLoss, downstream };
}

/** Probe accuracies only, for the isoplot lines of metrics.jsonl. */
export function probeAccuracies(p: Record<ProbeName, ProbeScore | null>): Partial<Record<ProbeName, number>> {
  const out: Partial<Record<ProbeName, number>> = {};
  for (const [k, v] of Object.entries(p) as [ProbeName, ProbeScore | null][]) if (v) out[k] = v.accuracy;
  return out;
}
