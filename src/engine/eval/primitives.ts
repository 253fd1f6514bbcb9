/**
 * Scoring a token model on the reasoning primitives: k-shot prompts, greedy decoding, exact match.
 *
 * An item's context is k solved lines of the same primitive (other items of the seed's held-out
 * pool, drawn by the seed) and then its prompt; shots are dropped from the front until the
 * context and the answer fit the model's window. The item is right when greedy decoding writes
 * exactly the answer and then ends the line. Greedy decoding stays on the answer exactly as long
 * as every next byte it picks is the answer's, so one forward pass over context + answer + "\n"
 * decides it: right when the arg-max at every one of those positions is the byte that follows.
 */
import * as ort from 'onnxruntime-node';
import type { PatchTransformerConfig } from '../models/patch-transformer';
import { Rng } from '../random';
import { itemLine, type PrimitiveItem } from '../data/primitives';
import type { WindowModel } from './sessions';

export const DEFAULT_SHOTS = 5;

/** A model's score on one primitive. */
export interface PrimitiveScore {
  /** Share of items answered exactly. */
  readonly accuracy: number;
  /** What guessing among the answers each item allows scores (mean over the items). */
  readonly chance: number;
  readonly items: number;
  /** The fewest solved examples any item's context kept (k, or fewer where the window is short). */
  readonly shots: number;
}

/** An item as the model reads it: its context's bytes, then the answer and the line end to check. */
export interface EncodedItem {
  readonly context: Uint8Array;
  readonly expected: Uint8Array;
  readonly shots: number;
}

const encoder = new TextEncoder();

/** Contexts of every item of one pool: k other items as shots (drawn by `rng`), then the prompt. */
export function encodeItems(pool: readonly PrimitiveItem[], shots: number, window: number, rng: Rng): EncodedItem[] {
  return pool.map((item, i) => {
    const others = pool.filter((_, j) => j !== i);
    const picked: PrimitiveItem[] = [];
    const count = Math.min(shots, others.length);
    for (let k = 0; k < count; k++) picked.push(others.splice(rng.int(others.length), 1)[0]!);
    const expected = encoder.encode(`${item.answer}\n`);
    const prompt = encoder.encode(item.prompt);
    const lines = picked.map((p) => encoder.encode(itemLine(p)));
    // Drop shots from the front until context + answer fit the window.
    while (lines.length && lines.reduce((a, l) => a + l.length, 0) + prompt.length + expected.length > window)
      lines.shift();
    const context = new Uint8Array([...lines.flatMap((l) => [...l]), ...prompt]);
    if (context.length + expected.length > window)
      throw new Error(
        `a ${item.primitive} item needs ${context.length + expected.length} bytes, more than the model's context of ${window}: give a longer context (seqLen)`,
      );
    return { context, expected, shots: lines.length };
  });
}

/** Whether the model answers each item exactly, in batches of at most `batch` items. */
export async function answersExactly(
  model: WindowModel,
  cfg: PatchTransformerConfig,
  items: readonly EncodedItem[],
  batch = 64,
): Promise<boolean[]> {
  const s = cfg.seqLen;
  const right: boolean[] = [];
  for (let from = 0; from < items.length; from += batch) {
    const part = items.slice(from, from + batch);
    const answer = Math.max(...part.map((it) => it.expected.length));
    const windows = new Float32Array(part.length * s);
    const at = new Int32Array(part.length * answer);
    part.forEach((it, b) => {
      windows.set(it.context, b * s);
      // The answer but its last byte follows the context (teacher forcing = greedy while it is right).
      windows.set(it.expected.subarray(0, it.expected.length - 1), b * s + it.context.length);
      for (let t = 0; t < answer; t++) at[b * answer + t] = it.context.length - 1 + Math.min(t, it.expected.length - 1);
    });
    const out = await model.run({
      windows: new ort.Tensor('float32', windows, [part.length, s, 1]),
      at: new ort.Tensor('int32', at, [part.length, answer, 1]),
    });
    const next = out.next!.data as Float32Array;
    const vocab = cfg.vocab!;
    part.forEach((it, b) => {
      let ok = true;
      for (let t = 0; t < it.expected.length && ok; t++) {
        const row = next.subarray((b * answer + t) * vocab, (b * answer + t + 1) * vocab);
        let best = 0;
        for (let v = 1; v < vocab; v++) if (row[v]! > row[best]!) best = v;
        ok = best === it.expected[t];
      }
      right.push(ok);
    });
  }
  return right;
}

/** Scores every primitive of `pools` (the same contexts for every variant of a seed: shots drawn from `seed`). */
export async function scorePrimitives(
  model: WindowModel,
  cfg: PatchTransformerConfig,
  pools: Readonly<Record<string, readonly PrimitiveItem[]>>,
  seed: number,
  shots = DEFAULT_SHOTS,
): Promise<Record<string, PrimitiveScore>> {
  const out: Record<string, PrimitiveScore> = {};
  for (const [name, pool] of Object.entries(pools)) {
    if (pool.length === 0) continue;
    const encoded = encodeItems(pool, shots, cfg.seqLen, new Rng(seed, `lab-shots-${name}`));
    const right = await answersExactly(model, cfg, encoded);
    out[name] = {
      accuracy: right.filter(Boolean).length / right.length,
      chance: pool.reduce((a, it) => a + it.chance, 0) / pool.length,
      items: pool.length,
      shots: Math.min(...encoded.map((e) => e.shots)),
    };
  }
  return out;
}
