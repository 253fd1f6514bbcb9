/**
 * The reasoning lab's primitives (../shared/MIDAS.md, "Reasoning primitives in the paper"): the
 * item formats, what each tests, its chance level, and the held-out items a run is scored on.
 *
 * An item is one line: a prompt, then its answer, then "\n". A k-shot query is k solved lines
 * of the same primitive followed by the query's prompt; the model answers by greedy decoding and
 * is right when it writes exactly the answer and then ends the line. The corpus (corpus.ts)
 * carries the same line formats with fresh contents, never an evaluation item.
 */
import { PRIMITIVE_NAMES, type PrimitiveName } from '../../shared/lab';
import { Rng } from '../random';

export { PRIMITIVE_NAMES, PRIMITIVES, type PrimitiveName } from '../../shared/lab';

export interface PrimitiveItem {
  readonly primitive: string;
  readonly prompt: string;
  readonly answer: string;
  /** What guessing among the answers this item allows scores (e.g. 1/5 among five values). */
  readonly chance: number;
}

/** The line an item is in the corpus and in a k-shot context. */
export const itemLine = (item: Pick<PrimitiveItem, 'prompt' | 'answer'>): string => `${item.prompt}${item.answer}\n`;

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';
const HOP_SYMBOLS = 'abcd';
const COPY_LENGTH = 8;
const HOP_LENGTH = 32;

function shuffled<T>(xs: readonly T[], rng: Rng): T[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

function letters(n: number, rng: Rng, alphabet = LETTERS): string {
  return Array.from({ length: n }, () => alphabet[rng.int(alphabet.length)]).join('');
}

/** A sequence of 8 letters, then its first half again: the answer is the second half. */
function copyItem(rng: Rng): PrimitiveItem {
  const seq = letters(COPY_LENGTH, rng);
  const half = COPY_LENGTH / 2;
  return {
    primitive: 'copy',
    prompt: `copy ${seq} ${seq.slice(0, half)}`,
    answer: seq.slice(half),
    chance: 26 ** -half,
  };
}

/**
 * Five names bound to distinct values in [1, 25]; at depth d, d layers of two aliases each (one
 * continuing the queried chain, one a distractor chain), every layer shuffled; the query asks the
 * last alias of the chain (a value's name at depth 0). Chance: one of the five values, 1/5.
 */
function assignItem(depth: number, form: 'math' | 'code', rng: Rng): PrimitiveItem {
  const names = shuffled([...LETTERS], rng).slice(0, 5 + 2 * depth);
  const values = shuffled(
    Array.from({ length: 25 }, (_, i) => i + 1),
    rng,
  ).slice(0, 5);
  const bindings: [string, string][] = names.slice(0, 5).map((n, i) => [n, String(values[i])]);
  // Two chains start at two different values' names and grow one alias per layer.
  const starts = shuffled([0, 1, 2, 3, 4], rng).slice(0, 2);
  let heads = starts.map((i) => names[i]!);
  for (let layer = 0; layer < depth; layer++) {
    const fresh = names.slice(5 + 2 * layer, 7 + 2 * layer);
    const lines = heads.map((h, i) => [fresh[i]!, h] as [string, string]);
    bindings.push(...shuffled(lines, rng));
    heads = fresh;
  }
  const valueLayer = shuffled(bindings.slice(0, 5), rng);
  const ordered = [...valueLayer, ...bindings.slice(5)];
  const query = heads[0]!;
  const answer = String(values[starts[0]!]);
  const primitive = `assign-${form}-${depth}`;
  const prompt =
    form === 'math'
      ? `${ordered.map(([n, v]) => `${n}=${v}`).join(',')},${query}=?`
      : `${ordered.map(([n, v]) => `${n}=${v}`).join(';')};print(${query})>`;
  return { primitive, prompt, answer, chance: 1 / 5 };
}

/** Every sum and difference of two digits (differences not below 0), in a fixed order. */
export const MATH_FACTS: readonly { readonly a: number; readonly op: '+' | '-'; readonly b: number }[] = [
  ...Array.from({ length: 100 }, (_, i) => ({ a: Math.floor(i / 10), op: '+' as const, b: i % 10 })),
  ...Array.from({ length: 100 }, (_, i) => ({ a: Math.floor(i / 10), op: '-' as const, b: i % 10 })).filter(
    (f) => f.a >= f.b,
  ),
];

export function mathLine(f: (typeof MATH_FACTS)[number]): { prompt: string; answer: string } {
  return { prompt: `${f.a}${f.op}${f.b}=`, answer: String(f.op === '+' ? f.a + f.b : f.a - f.b) };
}

/** The math facts a seed holds out of its corpus (a quarter of them): evaluation draws only these. */
export function heldOutFacts(seed: number): Set<number> {
  const order = shuffled(
    MATH_FACTS.map((_, i) => i),
    new Rng(seed, 'lab-math-held-out'),
  );
  return new Set(order.slice(0, Math.floor(MATH_FACTS.length / 4)));
}

/** Chance for a two-digit fact: one of the results its operator allows (19 sums, 10 differences). */
const mathChance = (op: '+' | '-') => (op === '+' ? 1 / 19 : 1 / 10);

/**
 * p-hop induction (Sanford et al. 2024) over four symbols: from the last position, p times jump
 * to just after the previous occurrence of the current symbol; the answer is the symbol landed
 * on. Sequences where a hop finds no earlier occurrence are drawn again. Chance: 1/4 per item as
 * drawn; the pool's shortcuts raise it (withShortcutChance).
 */
export function hopAnswer(seq: string, p: number): string | null {
  let pos = seq.length - 1;
  for (let h = 0; h < p; h++) {
    const prev = seq.lastIndexOf(seq[pos]!, pos - 1);
    if (prev < 0) return null;
    pos = prev + 1;
  }
  return seq[pos]!;
}

function hopItem(p: number, rng: Rng): PrimitiveItem {
  for (;;) {
    const seq = letters(HOP_LENGTH, rng, HOP_SYMBOLS);
    const answer = hopAnswer(seq, p);
    if (answer !== null) return { primitive: `hop-${p}`, prompt: `hop${p} ${seq}=`, answer, chance: 1 / 4 };
  }
}

/** One fresh item of a primitive (math: from `facts`, indices into MATH_FACTS). */
export function drawItem(name: PrimitiveName, rng: Rng, facts: readonly number[]): PrimitiveItem {
  if (name === 'copy') return copyItem(rng);
  if (name === 'math') {
    const f = MATH_FACTS[facts[rng.int(facts.length)]!]!;
    return { primitive: 'math', ...mathLine(f), chance: mathChance(f.op) };
  }
  const assign = /^assign-(math|code)-(\d)$/.exec(name);
  if (assign) return assignItem(Number(assign[2]), assign[1] as 'math' | 'code', rng);
  return hopItem(Number(name.slice(4)), rng);
}

/**
 * The evaluation items of a seed: `count` per primitive (distinct prompts), from their own
 * stream, so every variant of a seed is scored on the same items. Math draws only the held-out
 * facts (fewer distinct items exist: at most all of them).
 */
export function evaluationItems(seed: number, count: number): Record<PrimitiveName, PrimitiveItem[]> {
  const held = [...heldOutFacts(seed)];
  const out = {} as Record<PrimitiveName, PrimitiveItem[]>;
  for (const name of PRIMITIVE_NAMES) {
    const rng = new Rng(seed, `lab-items-${name}`);
    const seen = new Set<string>();
    const items: PrimitiveItem[] = [];
    const limit = name === 'math' ? Math.min(count, held.length) : count;
    const quota = name.startsWith('hop-') ? shortcutQuota(Number(name.slice(4))) : () => true;
    for (let tries = 0; items.length < limit && tries < count * 500; tries++) {
      const item = drawItem(name, rng, held);
      if (seen.has(item.prompt) || !quota(item)) continue;
      seen.add(item.prompt);
      items.push(item);
    }
    out[name] = name.startsWith('hop-') ? withShortcutChance(items, Number(name.slice(4))) : items;
  }
  return out;
}

/**
 * Drawn as they come, p-hop items reward shortcuts: over four symbols a long chain soon cycles, so
 * the 8-hop answer equals a shorter hop's on 73% of the items, and the sequence's most frequent
 * symbol is right on a third, and the 2-hop answer is the last symbol itself on over half. The
 * evaluation pools are therefore balanced: an item is kept only while every shortcut (each
 * frequency rank, the last symbol, each shorter hop count) stays right on at most a quarter of
 * the items kept so far, plus one. The rule looks only at the items before, so a
 * smaller pool is the start of a larger one (what the corpus holds out covers every pool size).
 */
function shortcutQuota(p: number): (item: PrimitiveItem) => boolean {
  let kept = 0;
  const hits = new Array<number>(p + HOP_SYMBOLS.length).fill(0);
  return (item) => {
    const seq = hopSequence(item.prompt);
    const right = hopShortcuts(seq, p).map((guess) => guess === item.answer);
    const allowed = Math.floor((kept + 1) / HOP_SYMBOLS.length) + 1;
    if (right.some((r, i) => r && hits[i]! + 1 > allowed)) return false;
    right.forEach((r, i) => (hits[i]! += r ? 1 : 0));
    kept++;
    return true;
  };
}

/** The symbols by how often the sequence holds them, most frequent first (ties alphabetical); absent ones last. */
function byFrequency(seq: string): string[] {
  const counts = new Map<string, number>([...HOP_SYMBOLS].map((ch) => [ch, 0]));
  for (const ch of seq) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([ch]) => ch);
}

/**
 * The guesses a model could make without following p hops: each frequency rank (the most
 * frequent symbol, the second…), the last symbol itself (0 hops) and every shorter hop count.
 */
function hopShortcuts(seq: string, p: number): (string | null)[] {
  return [...byFrequency(seq), ...Array.from({ length: p }, (_, k) => hopAnswer(seq, k))];
}

/** The symbol sequence of a hop item ("hop4 abca…=" → "abca…"). */
const hopSequence = (prompt: string) => prompt.slice(prompt.indexOf(' ') + 1, -1);

/**
 * A model that learned only one hop must not pass for an 8-hop reasoner: a hop primitive's chance
 * is the best of the shortcuts on its own items (uniform guessing, each frequency rank, the last
 * symbol, and every shorter hop count), measured, not assumed. On the balanced pools it is 1/4 or just above;
 * on a pool drawn as it comes (a user's, or the corpus's lines), far more.
 */
export function withShortcutChance(pool: readonly PrimitiveItem[], p: number): PrimitiveItem[] {
  if (!pool.length) return [];
  // Each item's shortcut guesses, once; then how often each shortcut is right over the pool.
  const right = pool.map((it) => hopShortcuts(hopSequence(it.prompt), p).map((guess) => guess === it.answer));
  const shares = right[0]!.map((_, i) => right.filter((r) => r[i]).length / pool.length);
  const chance = Math.max(1 / HOP_SYMBOLS.length, ...shares);
  return pool.map((it) => ({ ...it, chance }));
}
