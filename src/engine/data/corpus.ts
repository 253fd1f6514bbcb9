/**
 * The reasoning lab's pretraining corpus, generated offline from a seed (nothing is downloaded):
 * documents of filler sentences from a small grammar about a plant, mixed with the structures
 * natural text carries and the primitives test (repeated spans, names bound and referred to
 * through chains of aliases with distractors, small arithmetic, look-back chains), in
 * proportions that are options. Every structure is the line format of its primitive with fresh
 * contents; no evaluation item is ever written (math holds a quarter of the facts out, and any
 * drawn line whose prompt is an evaluation prompt is skipped). Or a user's own UTF-8 text.
 * Byte-level: a token is one byte, ids 0–255.
 */
import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { DEFAULT_MIX, MIX_KEYS, PRIMITIVES, type CorpusMix } from '../../shared/lab';
import { planDefault } from '../../shared/plan';
import { Rng } from '../random';
import {
  drawItem,
  evaluationItems,
  heldOutFacts,
  itemLine,
  MATH_FACTS,
  PRIMITIVE_NAMES,
  type PrimitiveItem,
  type PrimitiveName,
} from './primitives';
import type { DataSource, LabPreview } from '../../shared/import';
import { LAB_LIMITS } from '../../shared/lab';
import type { Dataset, LabCorpus } from './dataset';
import { readUserItems, userPools } from './user-items';

export type { LabCorpus } from './dataset';
import type { PreparedData, RunData } from './prepared';

export { DEFAULT_MIX, type CorpusMix };

export const BYTE_VOCAB = 256;

const SUBJECTS = [
  'the feed pump',
  'the inlet valve',
  'line two',
  'the operator',
  'the compressor',
  'the night shift',
  'the boiler',
  'the mixer',
  'the dosing unit',
  'the cooling loop',
  'the second reactor',
  'the conveyor',
];
const VERBS = [
  'runs',
  'stops',
  'starts again',
  'was checked',
  'needs service',
  'holds pressure',
  'warms up',
  'reports an alarm',
  'is cleaned',
  'slows down',
  'is logged',
  'waits',
];
const TAILS = [
  'after the batch',
  'before noon',
  'at full load',
  'during the shift',
  'without fault',
  'as planned',
  'on the second cycle',
  'near the tank',
  'until the next recipe',
  'while the line is idle',
];

function sentence(rng: Rng): string {
  const pick = (xs: readonly string[]) => xs[rng.int(xs.length)]!;
  return `${pick(SUBJECTS)} ${pick(VERBS)} ${pick(TAILS)}.`;
}

type Kind = keyof CorpusMix;
const KINDS: readonly Kind[] = MIX_KEYS;
const FAMILY: Record<Exclude<Kind, 'filler'>, readonly PrimitiveName[]> = {
  copy: ['copy'],
  assign: PRIMITIVE_NAMES.filter((p) => p.startsWith('assign-')),
  math: ['math'],
  hop: PRIMITIVE_NAMES.filter((p) => p.startsWith('hop-')),
};

export interface GeneratedCorpus {
  readonly bytes: Uint8Array;
  readonly documents: number;
  /** Lines drawn and skipped because their prompt is an evaluation prompt. */
  readonly skipped: number;
}

/**
 * About `size` bytes of documents separated by a blank line. A structure document is 3 to 8
 * lines of one primitive family (one depth or hop count each), as a k-shot context is, with a
 * filler sentence before it half the time (never when the mix has no filler). `evalPrompts`: the prompts never to write.
 */
export function generateCorpus(
  seed: number,
  size: number,
  mix: CorpusMix,
  evalPrompts: ReadonlySet<string>,
): GeneratedCorpus {
  const rng = new Rng(seed, 'lab-corpus');
  const held = heldOutFacts(seed);
  const trainFacts = MATH_FACTS.map((_, i) => i).filter((i) => !held.has(i));
  const total = KINDS.reduce((a, k) => a + mix[k], 0);
  const parts: string[] = [];
  let length = 0;
  let documents = 0;
  let skipped = 0;
  const kindOf = (): Kind => {
    let u = rng.next() * total;
    for (const k of KINDS) if ((u -= mix[k]) < 0) return k;
    return 'filler';
  };
  while (length < size) {
    const kind = kindOf();
    let doc = '';
    if (kind === 'filler') {
      const n = 2 + rng.int(5);
      doc = Array.from({ length: n }, () => sentence(rng)).join(' ') + '\n';
    } else {
      if (mix.filler > 0 && rng.int(2) === 0) doc += sentence(rng) + '\n';
      const family = FAMILY[kind];
      const name = family[rng.int(family.length)]!;
      const lines = 3 + rng.int(6);
      for (let i = 0; i < lines; i++) {
        const item: PrimitiveItem = drawItem(name, rng, trainFacts);
        if (evalPrompts.has(item.prompt)) {
          skipped++;
          continue;
        }
        doc += itemLine(item);
      }
    }
    parts.push(doc);
    length += doc.length + 1;
    documents++;
  }
  return { bytes: new TextEncoder().encode(parts.join('\n')), documents, skipped };
}

/** Extensions read from a folder as text. */
const TEXT_EXTENSIONS = new Set(['.txt', '.log', '.md', '.text', '.csv', '.json', '.jsonl']);

/** At most this much of a user's text is read (the model trains on windows of it). */
export const MAX_TEXT_BYTES = 256 * 1024 * 1024;

/**
 * A user's own corpus: one UTF-8 file, or every text file of a folder (sorted by name, joined by
 * a blank line). Errors say which file is not UTF-8 or not readable, and what to do.
 */
export async function readTextCorpus(
  source: string,
  /** Checks each file before it is read (server mode's --root: a link in the folder must not lead out). */
  check?: (file: string) => Promise<void>,
): Promise<{ bytes: Uint8Array; files: string[] }> {
  const info = await stat(source).catch(() => null);
  if (!info) throw new Error(`${source}: no such file or folder; give a UTF-8 text file or a folder of them`);
  const files = info.isDirectory()
    ? (await readdir(source))
        .filter((f) => TEXT_EXTENSIONS.has(path.extname(f).toLowerCase()))
        .sort()
        .map((f) => path.join(source, f))
    : [source];
  if (files.length === 0)
    throw new Error(`${source}: no text files in this folder (${[...TEXT_EXTENSIONS].join(', ')})`);
  const chunks: Buffer[] = [];
  let size = 0;
  for (const f of files) {
    if (check) await check(f);
    const bytes = await readFile(f);
    if (!isUtf8(bytes)) throw new Error(`${f}: not UTF-8 text; save it as UTF-8 or leave it out of the corpus`);
    if (size + bytes.length > MAX_TEXT_BYTES)
      throw new Error(`${source}: more than ${MAX_TEXT_BYTES / 2 ** 20} MiB of text; give a part of it`);
    chunks.push(bytes, Buffer.from('\n\n'));
    size += bytes.length + 2;
  }
  return { bytes: new Uint8Array(Buffer.concat(chunks)), files };
}

/** Corpus bytes as run data: the ids as one channel, the last `valShare` (cut at a line end) validates. */
/** Where training ends and validation begins: the last `valShare` of the bytes, cut at a line end. */
export function corpusCut(bytes: Uint8Array, window: number, valShare = 0.05): number {
  if (bytes.length < 4 * window)
    throw new Error(
      `the corpus has ${bytes.length} bytes, fewer than four windows of ${window}: give more text or a shorter context`,
    );
  let cut = Math.floor(bytes.length * (1 - valShare));
  while (cut < bytes.length && bytes[cut - 1] !== 0x0a) cut++;
  return bytes.length - cut < window ? bytes.length - window : cut;
}

/** The split of a corpus in words. */
export const corpusSplitText = (bytes: Uint8Array, cut: number) =>
  `the first ${cut} bytes train, the last ${bytes.length - cut} (cut at a line end) validate`;

export function corpusRunData(
  bytes: Uint8Array,
  window: number,
  valShare = 0.05,
): RunData & { readonly fingerprint: string; readonly trainBytes: number } {
  const cut = corpusCut(bytes, window, valShare);
  const matrix = Float32Array.from(bytes);
  const starts = (from: number, to: number) =>
    Int32Array.from({ length: Math.max(0, to - window - from + 1) }, (_, i) => from + i);
  return {
    matrix,
    trainStarts: starts(0, cut),
    valStarts: starts(cut, bytes.length),
    trainBytes: cut,
    fingerprint: createHash('sha256').update(bytes).digest('hex').slice(0, 16),
  };
}

/** The most evaluation items a primitive can have: the generated corpus leaves out all of them. */
export const MAX_LAB_ITEMS = 512;

/** A lab corpus and where its evaluation items come from. */
type LabSource = Extract<DataSource, { kind: 'lab' } | { kind: 'text' }>;

/** The corpus a lab source names: generated from its seed, or a user's text read as bytes. */
export async function loadLabCorpus(source: LabSource, check?: (file: string) => Promise<void>): Promise<LabCorpus> {
  const userItems = source.items ? await readUserItems(source.items) : undefined;
  const withItems = (corpus: LabCorpus): LabCorpus => (userItems ? { ...corpus, userItems } : corpus);
  if (source.kind === 'lab') {
    const seed = source.seed ?? LAB_LIMITS.seed.default;
    const size = source.bytes ?? LAB_LIMITS.bytes.default;
    const mix = source.mix ?? DEFAULT_MIX;
    const prompts = new Set([
      ...Object.values(evaluationItems(seed, MAX_LAB_ITEMS)).flatMap((pool) => pool.map((i) => i.prompt)),
      ...(userItems ?? []).map((i) => i.prompt),
    ]);
    const corpus = generateCorpus(seed, size, mix, prompts);
    const shares = MIX_KEYS.map((k) => `${k} ${mix[k]}`).join(', ');
    return withItems({
      bytes: corpus.bytes,
      description: `reasoning lab: generated corpus, seed ${seed}, ${corpus.bytes.length} bytes, ${corpus.documents} documents (${shares})`,
      itemsSeed: seed,
    });
  }
  // Items the user's text holds are left out where the runs score (runs/validation.ts labPools).
  const { bytes, files } = await readTextCorpus(source.path, check);
  return withItems({
    bytes,
    description: `reasoning lab: ${files.length === 1 ? files[0] : `${files.length} text files in ${source.path}`}, ${bytes.length} bytes`,
    itemsSeed: LAB_LIMITS.seed.default,
  });
}

/** A corpus as a data set of one series and one channel (the byte ids), so a job plans it like any data. */
export function corpusDataset(corpus: LabCorpus, source: string): Dataset {
  const rows = corpus.bytes.length;
  return {
    series: [
      {
        path: source,
        rows,
        timestamps: null,
        channels: [{ name: 'byte', values: Float32Array.from(corpus.bytes) }],
        label: null,
        events: null,
      },
    ],
    channels: ['byte'],
    profile: {
      files: [],
      dataset: {
        files: 1,
        series: 1,
        rows,
        channels: ['byte'],
        labelRatio: null,
        events: 0,
        anomalyFreeFiles: [],
        warnings: [],
      },
    },
    corpus,
  };
}

/** A corpus planned like any data set: its windows, a split in words, no normalisation (ids), nothing unfit. */
export function corpusPrepared(corpus: LabCorpus, window: number): PreparedData {
  const data = corpusRunData(corpus.bytes, window);
  const strategy = corpusSplitText(corpus.bytes, data.trainBytes);
  const identity = { mean: new Float64Array([0]), std: new Float64Array([1]) };
  return {
    matrix: data.matrix,
    trainStarts: data.trainStarts,
    valStarts: data.valStarts,
    segments: [
      { series: 0, start: 0, end: data.trainBytes, role: 'train' },
      { series: 0, start: data.trainBytes, end: corpus.bytes.length, role: 'val' },
    ],
    splits: {
      segments: [
        { series: 0, start: 0, end: data.trainBytes, role: 'train' },
        { series: 0, start: data.trainBytes, end: corpus.bytes.length, role: 'val' },
      ],
      normalization: {
        mode: 'pooled',
        pooled: identity,
        series: [{ ...identity, own: false, rows: data.trainBytes }],
        description: 'none: the model reads byte ids',
      },
      strategy,
      warnings: [],
    },
    fitness: {
      split: strategy,
      windowRows: window,
      testRows: 0,
      testAnomalies: null,
      thresholdRows: null,
      findings: [],
    },
    fingerprint: data.fingerprint,
  };
}

/** What the Import step shows of a corpus: its first documents and one held-out item per primitive. */
export function labPreview(corpus: LabCorpus, documents = 6, chars = 400): LabPreview {
  const text = new TextDecoder().decode(corpus.bytes.subarray(0, Math.min(corpus.bytes.length, documents * chars * 4)));
  const docs = text
    .split('\n\n')
    .filter((d) => d.trim())
    .slice(0, documents)
    .map((d) => (d.length > chars ? `${d.slice(0, chars - 1)}…` : d));
  // A hop's chance is measured on its pool (its shortcuts), so the pool a run scores, shown by its first item.
  const builtIn = Object.entries(evaluationItems(corpus.itemsSeed, planDefault('labItems')!)).map(([name, [item]]) => ({
    primitive: name,
    label: PRIMITIVES[name as PrimitiveName].label,
    tests: PRIMITIVES[name as PrimitiveName].tests,
    prompt: item!.prompt,
    answer: item!.answer,
    chance: item!.chance,
  }));
  const mine = Object.entries(userPools(corpus.userItems ?? [], planDefault('labItems')!)).map(([name, [item]]) => ({
    primitive: name,
    label: `${name} (your items)`,
    tests: 'Your own items (--items), scored like the built-in primitives.',
    prompt: item!.prompt,
    answer: item!.answer,
    chance: item!.chance,
  }));
  return { bytes: corpus.bytes.length, documents: docs, items: [...builtIn, ...mine] };
}
