/**
 * The reasoning lab, as the engine and the app both see it: the primitives (names, what each
 * tests in one sentence), the corpus mix, and the limits of the lab's options.
 */

export const PRIMITIVE_NAMES = [
  'copy',
  'assign-math-0',
  'assign-math-1',
  'assign-math-2',
  'assign-code-0',
  'assign-code-1',
  'assign-code-2',
  'math',
  'hop-1',
  'hop-2',
  'hop-4',
  'hop-8',
] as const;
export type PrimitiveName = (typeof PRIMITIVE_NAMES)[number];

export interface PrimitiveInfo {
  readonly label: string;
  /** What it tests, and why a plant engineer cares, in one sentence. */
  readonly tests: string;
}

export const PRIMITIVES: Readonly<Record<PrimitiveName, PrimitiveInfo>> = {
  copy: {
    label: 'induction copying',
    tests:
      'Continue a sequence seen earlier in the context from its prefix: recalling a pattern that happened before, as when a batch repeats a recipe step.',
  },
  'assign-math-0': {
    label: 'variable assignment, depth 0 (math)',
    tests: 'Look up the value bound to a name among five: reading one cue out of several.',
  },
  'assign-math-1': {
    label: 'variable assignment, depth 1 (math)',
    tests:
      'Follow one alias to its value past distractors: combining two cues, as a tag that only means something through the unit it is mapped to.',
  },
  'assign-math-2': {
    label: 'variable assignment, depth 2 (math)',
    tests:
      'Follow a chain of two aliases to its value past distractors: combining several cues in order, where the paper saw MIDAS gain most.',
  },
  'assign-code-0': {
    label: 'variable assignment, depth 0 (code)',
    tests: 'The depth-0 lookup written as a program: the same skill in another phrasing.',
  },
  'assign-code-1': {
    label: 'variable assignment, depth 1 (code)',
    tests: 'The depth-1 alias written as a program.',
  },
  'assign-code-2': {
    label: 'variable assignment, depth 2 (code)',
    tests: 'The depth-2 chain written as a program.',
  },
  math: {
    label: 'pre-school math',
    tests: 'Add or subtract two digits: small arithmetic held out of the corpus, as in a setpoint plus an offset.',
  },
  'hop-1': {
    label: '1-hop induction',
    tests: 'Find the previous occurrence of the last symbol and read what followed it: one step of looking back.',
  },
  'hop-2': {
    label: '2-hop induction',
    tests: 'Look back twice, each hop starting where the last one landed: a two-step chain through history.',
  },
  'hop-4': {
    label: '4-hop induction',
    tests: 'Four hops back: depth-sensitive, the task looped and stacked models are said to favour.',
  },
  'hop-8': {
    label: '8-hop induction',
    tests: 'Eight hops back: the deepest chain, expected to need the most layers.',
  },
};

/** The kinds of documents of the generated corpus, in a fixed order. */
export const MIX_KEYS = ['filler', 'copy', 'assign', 'math', 'hop'] as const;
export type MixKey = (typeof MIX_KEYS)[number];

/** The share of documents of each kind (normalised to sum 1). */
export type CorpusMix = Readonly<Record<MixKey, number>>;

/**
 * Assignments dominate: on one H100 a d256 8-layer model trained 3,000 steps on a mix with 0.3 of
 * them stayed at chance on every assignment depth, and with 0.7 answered depth 0 at 0.98–1.00 and
 * depths 1 and 2 at 0.38–0.55 (chance 0.20), copying as well as before (bench/RESULTS.md).
 */
export const DEFAULT_MIX: CorpusMix = { filler: 0.1, copy: 0.05, assign: 0.7, math: 0.05, hop: 0.1 };

/** The generated corpus: its size in bytes, and the seed that draws it and its evaluation items. */
/**
 * The lab's default job where the user chose no size, by where it trains. On a GPU, the measured
 * informative scale (bench/RESULTS.md, "The reasoning lab on one H100"): the small preset at 8
 * layers, 3,000 steps in bf16 on a 32 MiB corpus. On a CPU, a demonstration that runs in under 10
 * minutes on 2 cores (measured: 531 s) and is too small to see reasoning, which its reading says.
 */
export const LAB_JOB_DEFAULTS = {
  gpu: { plan: { preset: 'small', layers: 8, steps: 3000, precision: 'bf16' }, corpusBytes: 32 * 1024 * 1024 },
  cpu: { plan: { preset: 'tiny', layers: 4, steps: 150, labItems: 32 }, corpusBytes: 4 * 1024 * 1024 },
} as const;

export const LAB_LIMITS = {
  bytes: { min: 64 * 1024, max: 256 * 1024 * 1024, default: 4 * 1024 * 1024 },
  seed: { min: 1, max: 2 ** 31 - 1, default: 1 },
} as const;

/** "filler=0.1,copy=0.05,…" (any subset; the others keep their defaults) as a mix, or a problem in words. */
export function parseMix(text: string): CorpusMix | string {
  const mix: Record<string, number> = { ...DEFAULT_MIX };
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const m = /^([a-z]+)=([0-9.]+)$/.exec(part);
    if (!m || !(MIX_KEYS as readonly string[]).includes(m[1]!))
      return `"${part}" is not kind=share (kinds: ${MIX_KEYS.join(', ')})`;
    const v = Number(m[2]);
    if (!Number.isFinite(v) || v < 0) return `the share of ${m[1]} must be a number ≥ 0, got ${m[2]}`;
    mix[m[1]!] = v;
  }
  if (MIX_KEYS.every((k) => mix[k] === 0)) return 'every share is 0: give at least one kind a share';
  return mix as CorpusMix;
}

/** A user's own reasoning item (`--items FILE.jsonl`, one a line): scored like a built-in primitive's. */
export interface UserItem {
  readonly primitive: string;
  readonly prompt: string;
  readonly answer: string;
}

/** What a user's items file may hold. */
export const USER_ITEM_LIMITS = {
  /** The file's size in bytes (the items travel in every run's config.json). */
  bytes: 1024 * 1024,
  items: 4096,
  primitives: 16,
  /** Items a primitive needs: one to ask and one to show as a solved example. */
  perPrimitive: 2,
  /** Bytes of an item's line (prompt, answer, line end): it must fit the lab models' context of 256. */
  lineBytes: 256,
  /** A primitive's name: lower-case letters, digits and dashes, not a built-in one. */
  name: /^[a-z0-9][a-z0-9-]{0,39}$/,
} as const;

/**
 * What is wrong with one user item (null when nothing): the prompt and answer are non-empty text
 * on one line (an item is one line of a k-shot context), the name as USER_ITEM_LIMITS says.
 */
export function userItemProblem(item: unknown): string | null {
  if (typeof item !== 'object' || item === null || Array.isArray(item))
    return 'not an object {"prompt": …, "answer": …, "primitive": …}';
  const extra = Object.keys(item).filter((k) => !['prompt', 'answer', 'primitive'].includes(k));
  if (extra.length) return `unknown key${extra.length > 1 ? 's' : ''} ${extra.map((k) => `"${k}"`).join(', ')}`;
  const { prompt, answer, primitive } = item as Record<string, unknown>;
  for (const [key, v] of [
    ['prompt', prompt],
    ['answer', answer],
    ['primitive', primitive],
  ] as const) {
    if (typeof v !== 'string' || v.length === 0) return `"${key}" must be non-empty text`;
    if (/[\n\r]/.test(v)) return `"${key}" holds a line break: an item is one line (prompt, then answer)`;
  }
  const bytes = new TextEncoder().encode(`${prompt as string}${answer as string}\n`).length;
  if (bytes > USER_ITEM_LIMITS.lineBytes)
    return `the item is ${bytes} bytes (prompt, answer and line end), more than the ${USER_ITEM_LIMITS.lineBytes} a lab model reads at once: shorten it`;
  if (!USER_ITEM_LIMITS.name.test(primitive as string))
    return `"primitive" "${primitive as string}" must be lower-case letters, digits and dashes (at most 40)`;
  if ((PRIMITIVE_NAMES as readonly string[]).includes(primitive as string))
    return `"primitive" "${primitive as string}" is a built-in primitive's name: give yours another`;
  return null;
}

/** What is wrong with a set of user items as a whole (null when nothing): counts per primitive and in all. */
export function userItemsProblem(items: readonly UserItem[]): string | null {
  if (items.length > USER_ITEM_LIMITS.items) return `${items.length} items, more than ${USER_ITEM_LIMITS.items}`;
  const counts = new Map<string, number>();
  for (const it of items) counts.set(it.primitive, (counts.get(it.primitive) ?? 0) + 1);
  if (counts.size > USER_ITEM_LIMITS.primitives)
    return `${counts.size} primitives, more than ${USER_ITEM_LIMITS.primitives}`;
  const few = [...counts].filter(([, n]) => n < USER_ITEM_LIMITS.perPrimitive).map(([k]) => k);
  if (few.length)
    return `${few.map((k) => `"${k}"`).join(', ')} ha${few.length > 1 ? 've' : 's'} one item: a primitive needs at least ${USER_ITEM_LIMITS.perPrimitive} (one asked, the others its solved examples)`;
  return null;
}
