import { describe, expect, it } from 'vitest';
import { loadSampleDataset } from '../../src/engine/data/dataset';
import {
  buildProbes,
  buildRung,
  LADDER_DISTRACTORS,
  LOOKUP_CODES,
  normalWindowStarts,
  PROBES,
  type ProbeItem,
} from '../../src/engine/eval/probe-items';
import { laddersWith, persistenceErrors, scoreItems, scoreProbes } from '../../src/engine/eval/probes';
import { ModelSessions } from '../../src/engine/eval/sessions';
import {
  paramSpecs,
  PRESETS,
  windowLength,
  type PatchTransformerConfig,
} from '../../src/engine/models/patch-transformer';
import { Rng } from '../../src/engine/random';
import { prepareRunData } from '../../src/engine/data/prepared';
import type { RunData } from '../../src/engine/data/prepared';
import { initialValues } from '../../src/engine/runtime/trainer';
import { waves } from '../helpers/series';

const ds = await loadSampleDataset({ rows: 3000 });
const cfg: PatchTransformerConfig = { ...PRESETS.tiny, channels: ds.channels.length };
const data = prepareRunData(ds, windowLength(cfg));
const S = cfg.seqLen;
const P = cfg.patchLen;
const C = cfg.channels;
const W = S * P;
const WC = W * C;
const PC = P * C;
const rows = data.matrix.length / C;

const candidate = (item: ProbeItem, k: number) => item.windows.subarray(k * WC, (k + 1) * WC);
const patch = (w: Float32Array, i: number) => w.subarray(i * PC, (i + 1) * PC);
const same = (a: Float32Array, b: Float32Array) => a.length === b.length && a.every((v, i) => v === b[i]);
const sqDist = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + (v - b[i]!) ** 2, 0);
/** Matrix starts whose rows [0, upTo) equal the window's (channels `only`, default all). */
const startsMatching = (w: Float32Array, upTo: number, only?: (ch: number) => boolean) => {
  const out: number[] = [];
  for (let s = 0; s + W <= rows; s++) {
    let ok = true;
    for (let r = 0; r < upTo && ok; r++)
      for (let ch = 0; ch < C && ok; ch++)
        if ((!only || only(ch)) && data.matrix[(s + r) * C + ch] !== w[r * C + ch]) ok = false;
    if (ok) out.push(s);
  }
  return out;
};
const realPatch = (start: number, i: number) => data.matrix.subarray((start + i * P) * C, (start + (i + 1) * P) * C);
const pool = normalWindowStarts(data, W);

/** A fake error function that scores every window by its distance to its item's intended answer (windows come item by item, in order). */
function oracle(items: readonly ProbeItem[]) {
  const intended = items.flatMap((it) =>
    Array.from({ length: it.candidates }, () => patch(candidate(it, it.correct), S - 1)),
  );
  let at = 0;
  return async (windows: Float32Array, count: number) => {
    expect(windows.length).toBe(count * WC);
    return Float32Array.from({ length: count }, (_, b) =>
      Math.sqrt(sqDist(patch(windows.subarray(b * WC, (b + 1) * WC), S - 1), intended[at++]!)),
    );
  };
}

describe('reasoning probes', () => {
  it('builds the same items for the same seed (whatever the depth) and other items for another seed', () => {
    const a = buildProbes(data, cfg, 1);
    const b = buildProbes(data, { ...cfg, layers: 6 }, 1);
    const c = buildProbes(data, cfg, 2);
    for (const name of PROBES) {
      const items = a[name]!;
      expect(items).toHaveLength(64);
      expect(b[name]!.map((it) => it.correct)).toEqual(items.map((it) => it.correct));
      b[name]!.forEach((it, i) =>
        expect(Buffer.from(it.windows.buffer).equals(Buffer.from(items[i]!.windows.buffer))).toBe(true),
      );
      expect(c[name]!.some((it, i) => !same(it.windows, items[i]!.windows))).toBe(true);
      // The right answer is not always in the same place.
      expect(new Set(items.map((it) => it.correct)).size).toBeGreaterThan(1);
    }
    expect(a.copy![0]!.candidates).toBe(4);
    expect(a.lookup![0]!.candidates).toBe(4);
    expect(a.contextual![0]!.candidates).toBe(2);
  });

  it('makes candidates that differ only in the last patch', () => {
    const probes = buildProbes(data, cfg, 5);
    for (const name of PROBES) {
      for (const it of probes[name]!) {
        expect(it.windows.length).toBe(it.candidates * WC);
        for (let k = 1; k < it.candidates; k++) {
          expect(same(candidate(it, k).subarray(0, (S - 1) * PC), candidate(it, 0).subarray(0, (S - 1) * PC))).toBe(
            true,
          );
          expect(same(patch(candidate(it, k), S - 1), patch(candidate(it, 0), S - 1))).toBe(false);
        }
      }
    }
  });

  it('copy: patch S−2 repeats an earlier patch i; the right answer is the real patch i+1, the distractors the real patches j+1 that look most like a continuation of the cue', () => {
    for (const it of buildProbes(data, cfg, 7, { items: 16 }).copy!) {
      const w = candidate(it, 0);
      const starts = startsMatching(w, (S - 2) * P);
      expect(starts.length).toBeGreaterThan(0);
      const start = starts[0]!;
      expect(data.valStarts).toContain(start);
      const is = [...Array(S).keys()].filter((i) => i >= 1 && i <= S - 4 && same(patch(w, S - 2), realPatch(start, i)));
      expect(is).toHaveLength(1);
      const i = is[0]!;
      expect(same(patch(candidate(it, it.correct), S - 1), realPatch(start, i + 1))).toBe(true);
      const js = new Set<number>();
      for (let k = 0; k < it.candidates; k++) {
        if (k === it.correct) continue;
        const j = [...Array(S).keys()].find(
          (j) => j >= 1 && j <= S - 3 && same(patch(candidate(it, k), S - 1), realPatch(start, j + 1)),
        );
        expect(j).toBeDefined();
        expect(j).not.toBe(i);
        expect(j! + 1).not.toBe(i);
        js.add(j!);
      }
      expect(js.size).toBe(3);
      // The distractors are the three allowed positions with the lowest cost: patch j against the
      // cue, plus the rows of patch j+1 against the cue's last row (lowest index first on ties).
      const end = realPatch(start, i).subarray(PC - C);
      const cost = (j: number) => {
        const next = realPatch(start, j + 1);
        let e = sqDist(realPatch(start, j), realPatch(start, i));
        for (let r = 0; r < P; r++) e += sqDist(next.subarray(r * C, (r + 1) * C), end);
        return e;
      };
      const allowed = [...Array(S).keys()].filter((j) => j >= 1 && j <= S - 3 && j !== i && j + 1 !== i);
      const cheapest = allowed.sort((a, b) => cost(a) - cost(b) || a - b).slice(0, 3);
      expect([...js].sort((a, b) => a - b)).toEqual(cheapest.sort((a, b) => a - b));
    }
  });

  it('lookup: a key channel holds the four codes in four earlier patches; the right answer copies the values stored with the queried code', () => {
    const isCode = (w: Float32Array, i: number, ch: number) => {
      const v = w[i * PC + ch]!;
      if (!LOOKUP_CODES.includes(v)) return null;
      for (let r = 0; r < P; r++) if (w[(i * P + r) * C + ch] !== v) return null;
      return v;
    };
    for (const it of buildProbes(data, cfg, 8, { items: 16 }).lookup!) {
      const w = candidate(it, 0);
      const keys = [...Array(C).keys()].filter(
        (ch) => [...Array(S - 2).keys()].filter((i) => isCode(w, i, ch) !== null).length === 4,
      );
      expect(keys).toHaveLength(1);
      const k = keys[0]!;
      const positions = [...Array(S - 2).keys()].filter((i) => isCode(w, i, k) !== null);
      expect(positions.map((i) => isCode(w, i, k)).sort((a, b) => a! - b!)).toEqual(LOOKUP_CODES);
      // The context is a real window apart from the codes.
      expect(startsMatching(w, (S - 1) * P, (ch) => ch !== k).length).toBeGreaterThan(0);
      const query = isCode(w, S - 1, k);
      expect(query).not.toBeNull();
      const source = positions.find((i) => isCode(w, i, k) === query)!;
      const right = candidate(it, it.correct);
      for (let r = 0; r < P; r++)
        for (let ch = 0; ch < C; ch++)
          expect(right[((S - 1) * P + r) * C + ch]).toBe(ch === k ? query : w[(source * P + r) * C + ch]);
      // Every candidate asks the same question and answers with another stored patch.
      for (let c = 0; c < it.candidates; c++) expect(isCode(candidate(it, c), S - 1, k)).toBe(query);
    }
  });

  it('contextual: the right candidate is a real normal window; the other differs in one channel of its last patch only', () => {
    for (const it of buildProbes(data, cfg, 9, { items: 16 }).contextual!) {
      const a = candidate(it, it.correct);
      const b = candidate(it, 1 - it.correct);
      const starts = startsMatching(a, W);
      expect(starts.length).toBeGreaterThan(0);
      expect(data.valStarts).toContain(starts[0]!);
      const changed = new Set<number>();
      for (let r = (S - 1) * P; r < W; r++)
        for (let ch = 0; ch < C; ch++) if (a[r * C + ch] !== b[r * C + ch]) changed.add(ch);
      expect(changed.size).toBe(1);
      // The replaced channel is the last patch of another real normal window.
      const j = [...changed][0]!;
      const donors = [...pool].filter(
        (y) =>
          y !== starts[0] &&
          [...Array(P).keys()].every(
            (r) => data.matrix[(y + (S - 1) * P + r) * C + j] === b[((S - 1) * P + r) * C + j],
          ),
      );
      expect(donors.length).toBeGreaterThan(0);
    }
  });

  it('draws only windows without a labelled anomaly, from training when there is no validation part, and skips probes the shape cannot hold', () => {
    const n = 400;
    const matrix = waves(n, 3);
    const labels = new Uint8Array(n);
    labels.fill(1, 150, 160);
    const small: PatchTransformerConfig = { ...cfg, seqLen: 8, patchLen: 2, channels: 3 };
    const w = windowLength(small);
    const run: RunData = {
      matrix,
      trainStarts: Int32Array.from({ length: n - w + 1 }, (_, i) => i),
      valStarts: new Int32Array(0),
      labels,
    };
    const probes = buildProbes(run, small, 3, { items: 40 });
    const startOf = (win: Float32Array) =>
      [...Array(n - w + 1).keys()].find((s) => win.subarray(0, 3 * 3).every((v, i) => v === matrix[s * 3 + i]));
    for (const it of [...probes.copy!, ...probes.contextual!]) {
      const s = startOf(it.windows.subarray(0, w * 3))!;
      expect(s).toBeDefined();
      expect(labels.subarray(s, s + w).every((x) => x === 0)).toBe(true);
    }
    expect(probes.lookup).toHaveLength(40);
    const one = buildProbes({ ...run, matrix: waves(n, 1) }, { ...small, channels: 1 }, 3);
    expect(one.lookup).toBeNull();
    expect(one.contextual).toBeNull();
    expect(one.copy).toHaveLength(64);
    expect(buildProbes(run, { ...small, seqLen: 7 }, 3).copy).toBeNull();
    const allLabelled = buildProbes({ ...run, labels: new Uint8Array(n).fill(1) }, small, 3);
    expect(PROBES.map((p) => allLabelled[p])).toEqual([null, null, null]);
  });

  it('scores multiple choice: an oracle gets 1, a constant error 0 (ties count as wrong), random errors about chance', async () => {
    const probes = buildProbes(data, cfg, 11, { items: 200 });
    for (const name of PROBES) {
      const items = probes[name]!;
      const chance = 1 / items[0]!.candidates;
      expect(await scoreItems(items, oracle(items))).toEqual({ accuracy: 1, chance, items: 200 });
      // Batches hold whole items; an item larger than the batch goes alone.
      expect((await scoreItems(items, oracle(items), { batch: 3 })).accuracy).toBe(1);
      expect(await scoreItems(items, async (_, count) => new Float32Array(count).fill(0.5))).toEqual({
        accuracy: 0,
        chance,
        items: 200,
      });
      const rng = new Rng(4, `random:${name}`);
      const random = await scoreItems(items, async (_, count) =>
        Float32Array.from({ length: count }, () => rng.next()),
      );
      expect(Math.abs(random.accuracy - chance)).toBeLessThan(0.12);
      // NaN errors never win.
      expect((await scoreItems(items, async (_, count) => new Float32Array(count).fill(Number.NaN))).accuracy).toBe(0);
    }
    await expect(scoreItems([], async () => new Float32Array(0))).rejects.toThrow(/no items/);
  });

  it('copy: a model that continues after the earlier occurrence of the last context patch wins every item', async () => {
    const items = buildProbes(data, cfg, 12).copy!;
    const induction = async (windows: Float32Array, count: number) =>
      Float32Array.from({ length: count }, (_, b) => {
        const w = windows.subarray(b * WC, (b + 1) * WC);
        const i = [...Array(S - 2).keys()].find((i) => same(patch(w, i), patch(w, S - 2)))!;
        return sqDist(patch(w, S - 1), patch(w, i + 1));
      });
    expect(await scoreItems(items, induction)).toEqual({ accuracy: 1, chance: 0.25, items: 64 });
  });

  it('scores the three probes with an untrained tiny model on the CPU', async () => {
    const params = new Map(paramSpecs(cfg).map((s) => [s.name, initialValues(s, 1)]));
    const scores = await scoreProbes(cfg, params, data, 'cpu', 1);
    expect(Object.keys(scores)).toEqual([...PROBES]);
    const probes = buildProbes(data, cfg, 1);
    for (const name of PROBES) {
      const s = scores[name]!;
      expect(s.items).toBe(64);
      expect(s.accuracy).toBeGreaterThanOrEqual(0);
      expect(s.accuracy).toBeLessThanOrEqual(1);
      // Every probe reports the persistence predictor's accuracy on its own items.
      expect(s.persistence).toBe((await scoreItems(probes[name]!, persistenceErrors(cfg))).accuracy);
    }
    expect([scores.copy!.chance, scores.lookup!.chance, scores.contextual!.chance]).toEqual([0.25, 0.25, 0.5]);
    // The same items and the same model give the same scores.
    expect(await scoreProbes(cfg, params, data, 'cpu', 1)).toEqual(scores);
  });
  it('climbs the ladders: copy with 1, 3, 7 lookalikes, lookup with 2, 4, 8 keys; an oracle always right', async () => {
    const copyOracle = async (windows: Float32Array, count: number) =>
      Float32Array.from({ length: count }, (_, b) => {
        const w = windows.subarray(b * WC, (b + 1) * WC);
        const i = [...Array(S - 2).keys()].find((i) => same(patch(w, i), patch(w, S - 2)))!;
        return sqDist(patch(w, S - 1), patch(w, i + 1));
      });
    for (const d of LADDER_DISTRACTORS) {
      const copy = buildRung('copy', data, cfg, 1, d)!;
      expect(copy).toHaveLength(64);
      expect(copy.every((it) => it.candidates === d + 1 && it.windows.length === (d + 1) * WC)).toBe(true);
      // Recall solves every rung: the right candidate continues the cue as it continued before.
      expect(await scoreItems(copy, copyOracle)).toEqual({ accuracy: 1, chance: 1 / (d + 1), items: 64 });
      const lookup = buildRung('lookup', data, cfg, 1, d)!;
      expect(lookup.every((it) => it.candidates === d + 1)).toBe(true);
      // d + 1 codes stored on the key channel, evenly over [−1.5, 1.5] (4: LOOKUP_CODES); the query shows one.
      const levels = (
        d + 1 === 4 ? [...LOOKUP_CODES] : Array.from({ length: d + 1 }, (_, i) => -1.5 + (3 * i) / d)
      ).map(Math.fround);
      for (const it of lookup.slice(0, 8)) {
        const w = it.windows.subarray(0, WC);
        const keys = [...Array(C).keys()].filter((ch) => levels.includes(w[(S - 1) * PC + ch]!));
        const stored = (ch: number) =>
          [...Array(S - 2).keys()].filter((q) =>
            [...Array(P).keys()].every((r) => levels.includes(w[(q * P + r) * C + ch]!)),
          ).length;
        expect(Math.max(...keys.map(stored))).toBe(d + 1);
      }
    }
    // A window too short for 7 distractors has no such rung (S − 5 copy positions, S − 2 lookup keys).
    expect(buildRung('copy', data, { ...cfg, seqLen: 10 }, 1, 7)).toBeNull();
    expect(buildRung('copy', data, { ...cfg, seqLen: 10 }, 1, 3)).not.toBeNull();
    expect(buildRung('lookup', data, { ...cfg, seqLen: 8 }, 1, 7)).toBeNull();
    // With a model: every rung of both ladders scored, each with persistence on its own items.
    const params = new Map(paramSpecs(cfg).map((s) => [s.name, initialValues(s, 1)]));
    const ladders = await ModelSessions.with(cfg, 'cpu', params, (m) => laddersWith(m, data, 1));
    for (const probe of ['copy', 'lookup'] as const) {
      expect(ladders[probe]!.map((r) => [r.distractors, r.chance, r.items])).toEqual([
        [1, 0.5, 64],
        [3, 0.25, 64],
        [7, 0.125, 64],
      ]);
      for (const r of ladders[probe]!)
        expect(r.persistence).toBe(
          (await scoreItems(buildRung(probe, data, cfg, 1, r.distractors)!, persistenceErrors(cfg))).accuracy,
        );
    }
  });

  it('persistence errors: the MSE of the last patch against the last row of patch S−2, held flat', async () => {
    const shape = { seqLen: 3, patchLen: 2, channels: 2 };
    // Rows 0..5 of two channels; patch 1 ends with the row (3, −1); patch 2 = rows 4 and 5.
    const flat = Float32Array.from([0, 0, 0, 0, 9, 9, 3, -1, 3, -1, 3, -1]);
    const off = Float32Array.from([0, 0, 0, 0, 9, 9, 3, -1, 4, -1, 3, 1]);
    const e = await persistenceErrors(shape)(Float32Array.from([...flat, ...off]), 2);
    expect([...e]).toEqual([0, (1 + 4) / 4]);
  });

  describe('continuity alone does not solve copy or contextual on the built-in sample', () => {
    const setups = [
      { rows: 3000, preset: 'tiny' as const },
      { rows: 20160, preset: 'tiny' as const },
      { rows: 20160, preset: 'small' as const },
    ];
    it.each(setups)(
      '$rows rows, $preset: persistence and a zero predictor stay within chance ± 0.15 (256 items)',
      async ({ rows: n, preset }) => {
        const sample = n === 3000 ? ds : await loadSampleDataset({ rows: n });
        const conf: PatchTransformerConfig = { ...PRESETS[preset], channels: sample.channels.length };
        const run = n === 3000 && preset === 'tiny' ? data : prepareRunData(sample, windowLength(conf));
        const probes = buildProbes(run, conf, 1, { items: 256 });
        const wc = windowLength(conf) * conf.channels;
        const pc = conf.patchLen * conf.channels;
        const zero = async (windows: Float32Array, count: number) =>
          Float32Array.from({ length: count }, (_, b) =>
            windows.subarray(b * wc + wc - pc, (b + 1) * wc).reduce((a, v) => a + v * v, 0),
          );
        for (const name of PROBES) {
          const items = probes[name]!;
          const persistence = await scoreItems(items, persistenceErrors(conf));
          expect(
            Math.abs(persistence.accuracy - persistence.chance),
            `${name}: persistence ${persistence.accuracy}`,
          ).toBeLessThanOrEqual(0.15);
          const z = await scoreItems(items, zero);
          expect(Math.abs(z.accuracy - z.chance), `${name}: zero ${z.accuracy}`).toBeLessThanOrEqual(0.15);
        }
      },
    );
  });
});
