/**
 * The reasoning lab's pieces: the primitives' items and answers, the corpus and what it holds
 * out, the token model's training step, and exact-match scoring by one teacher-forced pass.
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { corpusRunData, DEFAULT_MIX, generateCorpus, BYTE_VOCAB } from '../../src/engine/data/corpus';
import {
  drawItem,
  evaluationItems,
  heldOutFacts,
  hopAnswer,
  itemLine,
  MATH_FACTS,
  mathLine,
  PRIMITIVE_NAMES,
  type PrimitiveItem,
  withShortcutChance,
} from '../../src/engine/data/primitives';
import { answersExactly, encodeItems, scorePrimitives } from '../../src/engine/eval/primitives';
import { accuracyAtLoss, reasoningBottomLine, reasoningOf } from '../../src/engine/compare/lab';
import type { LoadedRun } from '../../src/engine/compare/load';
import { ModelSessions } from '../../src/engine/eval/sessions';
import { paramSpecs, type PatchTransformerConfig } from '../../src/engine/models/patch-transformer';
import { Rng } from '../../src/engine/random';
import { Trainer } from '../../src/engine/runtime/trainer';

/** Resolves an assignment prompt by reading it as bindings: the answer the chain leads to. */
function resolveAssignment(prompt: string): string {
  const code = prompt.includes('print(');
  const body = code ? prompt.slice(0, prompt.indexOf(';print(')) : prompt.slice(0, prompt.lastIndexOf(','));
  const query = code ? /print\((\w)\)>$/.exec(prompt)![1]! : /,(\w)=\?$/.exec(prompt)![1]!;
  const env = new Map<string, string>();
  for (const b of body.split(code ? ';' : ',')) {
    const [n, v] = b.split('=') as [string, string];
    env.set(n, /^\d+$/.test(v) ? v : env.get(v)!);
  }
  return env.get(query)!;
}

describe('the primitives', () => {
  const items = evaluationItems(7, 40);

  it('has items of every primitive, distinct, with answers that follow from their prompts', () => {
    for (const name of PRIMITIVE_NAMES) {
      const pool = items[name];
      // Math draws from the held-out quarter of the 155 facts: 38 distinct items.
      expect(pool.length, name).toBe(name === 'math' ? heldOutFacts(7).size : 40);
      expect(new Set(pool.map((i) => i.prompt)).size).toBe(pool.length);
      for (const it of pool) {
        expect(it.primitive).toBe(name);
        if (name.startsWith('assign-')) expect(resolveAssignment(it.prompt), it.prompt).toBe(it.answer);
        if (name.startsWith('hop-')) {
          const m = /^hop(\d) ([abcd]+)=$/.exec(it.prompt)!;
          expect(hopAnswer(m[2]!, Number(m[1]))).toBe(it.answer);
        }
        if (name === 'copy') {
          const [, seq, prefix] = it.prompt.split(' ') as [string, string, string];
          expect(seq.startsWith(prefix)).toBe(true);
          expect(prefix + it.answer).toBe(seq);
        }
        if (name === 'math') expect(String(eval(it.prompt.slice(0, -1)))).toBe(it.answer);
      }
    }
  });

  it('binds names deeper with each level of depth, and states the chance of guessing', () => {
    const vars = (p: string) => p.split(/[,;]/).filter((b) => /^\w=\w+$/.test(b)).length;
    expect(vars(items['assign-math-0'][0]!.prompt)).toBe(5);
    expect(vars(items['assign-math-1'][0]!.prompt)).toBe(7);
    expect(vars(items['assign-code-2'][0]!.prompt)).toBe(9);
    expect(items['assign-math-2'][0]!.chance).toBe(0.2);
    // Over four symbols long chains cycle: drawn as they come, the 8-hop answer often equals a
    // shorter hop's, and a model that learned one hop would pass for eight. The evaluation pools are
    // balanced so that no shortcut beats guessing, and a pool's chance is its best shortcut, measured.
    const seq = (it: PrimitiveItem) => it.prompt.slice(it.prompt.indexOf(' ') + 1, -1);
    const rng = new Rng(1, 'raw-hops');
    const raw = Array.from({ length: 256 }, () => drawItem('hop-8', rng, []));
    const rawOneHop = raw.filter((it) => hopAnswer(seq(it), 1) === it.answer).length / raw.length;
    expect(rawOneHop).toBeGreaterThan(0.4);
    expect(withShortcutChance(raw, 8)[0]!.chance).toBeGreaterThanOrEqual(rawOneHop);
    const pools = evaluationItems(1, 256);
    for (const p of [2, 4, 8] as const) {
      const hops = pools[`hop-${p}` as const];
      expect(hops).toHaveLength(256);
      // Every shorter hop count, the last symbol itself (0 hops) included…
      for (let k = 0; k < p; k++) {
        const right = hops.filter((it) => hopAnswer(seq(it), k) === it.answer).length;
        expect(right / hops.length, `hop-${p} answered by ${k} hops`).toBeLessThanOrEqual(0.26);
      }
      // … and every frequency rank (the most frequent symbol, the second…).
      const ranked = (x: string) =>
        [...'abcd'].sort(
          (a, b) => [...x].filter((c) => c === b).length - [...x].filter((c) => c === a).length || a.localeCompare(b),
        );
      for (let r = 0; r < 4; r++) {
        const right = hops.filter((it) => ranked(seq(it))[r] === it.answer).length;
        expect(right / hops.length, `hop-${p} answered by frequency rank ${r + 1}`).toBeLessThanOrEqual(0.26);
      }
      expect(hops[0]!.chance).toBeLessThan(0.27);
      expect(new Set(hops.map((i) => i.chance)).size).toBe(1);
      // A smaller pool is the start of a larger one, so the corpus's held-out prompts cover it.
      expect(evaluationItems(1, 32)[`hop-${p}` as const].map((i) => i.prompt)).toEqual(
        hops.slice(0, 32).map((i) => i.prompt),
      );
    }
    expect(items['hop-1'][0]!.chance).toBeGreaterThanOrEqual(0.25);
    // "abab": two hops from the last b land on b again, the last symbol: a model that repeats it scores.
    expect(
      withShortcutChance([{ primitive: 'hop-2', prompt: 'hop2 abab=', answer: 'b', chance: 0.25 }], 2)[0]!.chance,
    ).toBe(1);
    expect(
      withShortcutChance([{ primitive: 'hop-2', prompt: 'hop2 aaaa=', answer: 'a', chance: 0.25 }], 2)[0]!.chance,
    ).toBe(1);
    expect(items.copy[0]!.chance).toBeLessThan(1e-5);
    expect(items.math.every((i) => i.chance === 1 / 19 || i.chance === 1 / 10)).toBe(true);
  });

  it('follows hops through the sequence by hand', () => {
    // From the last "b" (index 5): previous "b" at 2, land on 3 ("c"); previous "c" at 0, land on 1 ("a").
    expect(hopAnswer('cabcab', 1)).toBe('c');
    expect(hopAnswer('cabcab', 2)).toBe('a');
    expect(hopAnswer('abcd', 1)).toBeNull();
  });

  it('draws the same items for the same seed and others for another', () => {
    expect(evaluationItems(7, 40)).toEqual(items);
    expect(evaluationItems(8, 40).copy[0]).not.toEqual(items.copy[0]);
  });
});

describe('the corpus', () => {
  const items = evaluationItems(3, 64);
  const prompts = new Set(Object.values(items).flatMap((pool) => pool.map((i) => i.prompt)));
  const corpus = generateCorpus(3, 400_000, DEFAULT_MIX, prompts);
  const text = new TextDecoder().decode(corpus.bytes);

  it('holds every evaluation item out: no prompt, and no held-out math fact, appears in it', () => {
    for (const pool of Object.values(items)) for (const it of pool) expect(text.includes(it.prompt)).toBe(false);
    const held = heldOutFacts(3);
    const lines = new Set(text.split('\n'));
    for (const i of held) expect(lines.has(itemLine(mathLine(MATH_FACTS[i]!)).trimEnd())).toBe(false);
    // The other three quarters of the facts are there to learn arithmetic from.
    const taught = MATH_FACTS.filter((_, i) => !held.has(i)).filter((f) => lines.has(itemLine(mathLine(f)).trimEnd()));
    expect(taught.length).toBeGreaterThan(100);
  });

  it('carries every primitive format, in the proportions of the mix, as bytes', () => {
    expect(corpus.bytes.length).toBeGreaterThanOrEqual(400_000);
    for (const re of [
      /^copy [a-z]{8} [a-z]{8}$/m,
      /,\w=\?\d+$/m,
      /;print\(\w\)>\d+$/m,
      /^\d[+-]\d=\d+$/m,
      /^hop8 [abcd]{32}=[abcd]$/m,
    ])
      expect(text).toMatch(re);
    const filler = text.split('\n\n').filter((d) => !/[=]/.test(d) && !/^copy /m.test(d)).length;
    expect(filler / corpus.documents).toBeGreaterThan(DEFAULT_MIX.filler - 0.05);
    expect(filler / corpus.documents).toBeLessThan(DEFAULT_MIX.filler + 0.05);
    const noFiller = generateCorpus(3, 50_000, { ...DEFAULT_MIX, filler: 0 }, prompts);
    expect(new TextDecoder().decode(noFiller.bytes)).not.toMatch(/the feed pump|the boiler/);
  });

  it('is the same for the same seed (a shorter one is its beginning) and another for another seed', () => {
    const short = generateCorpus(3, 20_000, DEFAULT_MIX, prompts).bytes;
    expect(corpus.bytes.subarray(0, short.length)).toEqual(short);
    expect(generateCorpus(4, 20_000, DEFAULT_MIX, prompts).bytes.subarray(0, 200)).not.toEqual(short.subarray(0, 200));
  });

  it('splits into training and validation windows at a line end', () => {
    const data = corpusRunData(corpus.bytes, 128);
    const valFirst = data.valStarts[0]!;
    expect(corpus.bytes[valFirst - 1]).toBe(0x0a);
    expect(data.trainStarts.at(-1)! + 128).toBeLessThanOrEqual(valFirst);
    expect(data.matrix.length).toBe(corpus.bytes.length);
    expect(() => corpusRunData(corpus.bytes.subarray(0, 300), 128)).toThrow(/fewer than four windows of 128/);
  });
});

const LM: PatchTransformerConfig = {
  dModel: 32,
  heads: 2,
  layers: 2,
  patchLen: 1,
  seqLen: 96,
  mlpHidden: 64,
  channels: 1,
  batch: 8,
  positions: 'learned',
  lnEps: 1e-5,
  initStd: 0.02,
  vocab: BYTE_VOCAB,
};

describe('the token model', () => {
  it('has a [256, D] embedding table and a head over the vocabulary', () => {
    const specs = new Map(paramSpecs(LM).map((s) => [s.name, s.shape]));
    expect(specs.get('embed.w')).toEqual([256, 32]);
    expect(specs.has('embed.b')).toBe(false);
    expect(specs.get('head.w')).toEqual([32, 256]);
    expect(() => paramSpecs({ ...LM, channels: 3 })).toThrow(/one id per token/);
  });

  it('learns a corpus of repeated lines: the loss falls from log 256 toward the text entropy', async () => {
    const text = new TextEncoder().encode('copy abcd abcd\n'.repeat(400));
    const data = corpusRunData(text, LM.seqLen);
    const trainer = await Trainer.create({
      model: LM,
      data: data.matrix,
      windowStarts: data.trainStarts,
      device: 'cpu',
      seed: 1,
      adam: { beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0, maxGradNorm: 1 },
    });
    try {
      const first = (await trainer.steps([3e-3], { read: true }))[0]!.loss;
      expect(first).toBeGreaterThan(Math.log(256) - 0.3);
      let last = first;
      for (let i = 0; i < 120; i++) last = (await trainer.steps([3e-3], { read: true }))[0]!.loss;
      expect(last).toBeLessThan(1);
    } finally {
      await trainer.dispose();
    }
  }, 60_000);
});

describe('exact-match scoring', () => {
  it('agrees with step-by-step greedy decoding, and one wrong byte fails an item', async () => {
    const params = new Map(
      paramSpecs(LM).map((s) => {
        const r = new Rng(5, s.name);
        return [s.name, Float32Array.from({ length: s.shape.reduce((a, b) => a * b, 1) }, () => r.normal() * 0.3)];
      }),
    );
    const pool: PrimitiveItem[] = evaluationItems(2, 6).copy;
    await ModelSessions.with(LM, 'cpu', params, async (sessions) => {
      const model = sessions.forecast;
      // Greedy decoding one byte at a time from each item's context: what the model writes.
      const encoded = encodeItems(pool, 2, LM.seqLen, new Rng(1, 'shots'));
      const written: Uint8Array[] = [];
      for (const e of encoded) {
        const seq = [...e.context];
        for (let t = 0; t < 5; t++) {
          const windows = new Float32Array(LM.seqLen);
          windows.set(seq);
          const out = await model.run({
            windows: new ort.Tensor('float32', windows, [1, LM.seqLen, 1]),
            at: new ort.Tensor('int32', Int32Array.of(seq.length - 1), [1, 1, 1]),
          });
          const row = out.next!.data as Float32Array;
          seq.push(row.indexOf(Math.max(...row)));
        }
        written.push(Uint8Array.from(seq.slice(e.context.length)));
      }
      // Items whose answer is what the model writes are right; change any byte of it and they are wrong.
      const asWritten = encoded.map((e, i) => ({ ...e, expected: written[i]! }));
      expect(await answersExactly(model, LM, asWritten)).toEqual(asWritten.map(() => true));
      const spoiled = asWritten.map((e, i) => {
        const expected = Uint8Array.from(e.expected);
        expected[i % expected.length] = (expected[i % expected.length]! + 1) % 256;
        return { ...e, expected };
      });
      expect(await answersExactly(model, LM, spoiled)).toEqual(spoiled.map(() => false));
      // Random weights answer no copy item: accuracy 0 against a chance of 26^-4.
      const scores = await scorePrimitives(model, LM, { copy: pool }, 2, 2);
      expect(scores.copy).toMatchObject({ accuracy: 0, items: 6, shots: 2 });
    });
  }, 60_000);

  it('drops shots from the front to fit the window, and says when even the prompt does not fit', () => {
    const pool = evaluationItems(4, 8)['assign-math-2'];
    const fits = encodeItems(pool, 5, 160, new Rng(1, 'shots'));
    expect(Math.min(...fits.map((e) => e.shots))).toBeLessThan(5);
    for (const e of fits) expect(e.context.length + e.expected.length).toBeLessThanOrEqual(160);
    expect(encodeItems(pool, 5, 512, new Rng(1, 'shots')).every((e) => e.shots === 5)).toBe(true);
    expect(() => encodeItems(pool, 5, 30, new Rng(1, 'shots'))).toThrow(/more than the model's context of 30/);
  });
});

describe('the reading of lab runs', () => {
  // Three seeds: the baseline well above chance on depth-2 assignment and at chance on 4-hop;
  // every baseline far better at its end than at its first point. MIDAS ends at a lower loss
  // (1.8): read at the baseline's final loss 2.0, halfway between its points at 2.2 and 1.8, it
  // answers depth-2 better by 0.08, 0.10, 0.12; at its end (same budget) by 0.18, 0.20, 0.22.
  type Point = readonly [loss: number, assign: number, hop: number];
  const run = (variant: string, seed: number, points: readonly Point[]) =>
    ({
      dir: `/runs/${variant}-s${seed}`,
      config: { seed, variant },
      report: {
        primitives: {
          'assign-math-2': { accuracy: points.at(-1)![1], chance: 0.2, items: 100, shots: 5 },
          'hop-4': { accuracy: points.at(-1)![2], chance: 0.25, items: 100, shots: 5 },
        },
      },
      metrics: points.map(([valLoss, a, h], i) => ({
        type: 'isoplot',
        step: 10 * (i + 1),
        layers: 4,
        valLoss,
        probes: {},
        primitives: { 'assign-math-2': a, 'hop-4': h },
      })),
    }) as unknown as LoadedRun;
  const baseline = (seed: number, assign: number, hop: number) =>
    run('baseline', seed, [
      [3, 0.1, 0.2],
      [2, assign, hop],
    ]);
  const midas = (seed: number, halfway: number, hop: number) =>
    run('midas', seed, [
      [3.2, 0.1, 0.2],
      [2.2, halfway - 0.05, hop],
      [1.8, halfway + 0.05, hop],
    ]);
  const groups = new Map([
    ['baseline', [baseline(1, 0.5, 0.24), baseline(2, 0.55, 0.27), baseline(3, 0.6, 0.25)]],
    ['midas', [midas(1, 0.58, 0.26), midas(2, 0.65, 0.22), midas(3, 0.72, 0.25)]],
  ]);
  const reading = reasoningOf(groups)!;
  const [assign, hop] = reading.primitives;

  it('sees where the baseline is above chance with its interval, and only there', () => {
    expect(assign!.informative).toBe(true);
    expect(hop!.informative).toBe(false);
    expect(assign!.variants.baseline!.mean).toBeCloseTo(0.55, 12);
    expect(hop!.differences).toEqual({});
    expect(assign!.points.midas).toHaveLength(9);
  });

  it('reads each seed at the final loss of its own baseline, between the two points around it', () => {
    expect(assign!.atLoss.midas!.mean).toBeCloseTo(0.65, 12);
    expect(assign!.atLoss.baseline!.mean).toBeCloseTo(0.55, 12);
    expect(assign!.differences.midas!.mean).toBeCloseTo(0.1, 12);
    expect(assign!.budgetDifferences.midas!.mean).toBeCloseTo(0.15, 12);
    expect(assign!.notReached.midas).toBe(0);
    const curve = (pairs: [number, number][]) =>
      pairs.map(([valLoss, value], i) => ({ seed: 1, step: i, valLoss, value }));
    // The last crossing counts (a curve that bounced back above the loss, then down again).
    expect(
      accuracyAtLoss(
        curve([
          [3, 0],
          [1.5, 0.4],
          [2.5, 0.2],
          [1.5, 0.6],
        ]),
        2,
      ),
    ).toEqual({ value: 0.4, reached: true });
    expect(
      accuracyAtLoss(
        curve([
          [3, 0],
          [2.5, 0.3],
        ]),
        2,
      ),
    ).toEqual({ value: 0.3, reached: false });
    expect(
      accuracyAtLoss(
        curve([
          [1.9, 0.7],
          [1.5, 0.8],
        ]),
        2,
      ),
    ).toEqual({ value: 0.7, reached: true });
  });

  it('words a difference at the same loss, with its interval, the budget reading and the positive control', () => {
    const d = assign!.differences.midas!;
    expect(d.significant).toBe(true);
    expect(assign!.control!.mean).toBeCloseTo(0.45, 12);
    const text = reading.sentences.join('\n');
    expect(text).toMatch(/informative on variable assignment, depth 2 \(math\).*not informative on 1 other primitive/);
    expect(text).toMatch(/Positive control: .*variable assignment, depth 2 \(math\) \(\+0\.45/);
    expect(text).toMatch(
      /MIDAS answers variable assignment, depth 2 \(math\) better at the same validation loss: \+0\.10 \[/,
    );
    expect(text).toMatch(/At the same budget .*MIDAS is better on variable assignment, depth 2 \(math\): \+0\.15/);
    expect(reasoningBottomLine(reading)).toMatch(
      /^At the same validation loss, MIDAS answers variable assignment, depth 2 \(math\) better \(\+0\.10 \[/,
    );
  });

  it("says when a variant never reached the baseline's loss, and that reading it at its end favours the baseline", () => {
    const short = new Map([
      ['baseline', groups.get('baseline')!],
      [
        'midas',
        [1, 2, 3].map((s) =>
          run('midas', s, [
            [3.2, 0.1, 0.2],
            [2.4, 0.6 + s / 100, 0.25],
          ]),
        ),
      ],
    ]);
    const r = reasoningOf(short)!;
    expect(reasoningBottomLine(r)).toMatch(
      /MIDAS never reached the baseline's final loss in some seeds: read at its last point/,
    );
    expect(r.primitives[0]!.notReached.midas).toBe(3);
    expect(r.sentences.join('\n')).toMatch(
      /MIDAS never reached the baseline's final loss in 3 seeds: read at its last point/,
    );
  });

  it('says the lab is not informative when the baseline is nowhere above chance', () => {
    const flat = new Map(
      [...groups].map(([k, rs]) => [
        k,
        rs.map((r) =>
          run(k, r.config.seed, [
            [3, 0.2, 0.25],
            [2, 0.2, 0.25],
          ]),
        ),
      ]),
    );
    expect(reasoningOf(flat)!.sentences[0]).toMatch(/not informative at this scale/);
    expect(reasoningBottomLine(reasoningOf(flat)!)).toMatch(/cannot be told at this scale/);
    expect(reasoningOf(new Map([['baseline', [{ ...baseline(1, 0, 0), report: {} } as LoadedRun]]]))).toBeNull();
  });
});
