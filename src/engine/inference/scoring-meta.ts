/**
 * An exported scoring model (./scoring.ts, written by runs/export.ts) read back and checked
 * before ONNX Runtime loads it: a model file may come from anywhere. Refused: tensors kept in
 * external files (ONNX Runtime would read them from the working directory), bytes that are not
 * ONNX, and metadata that is not what the export writes. The metadata sizes the scorer's windows
 * and buffers (eval/score-series.ts: a window of `window` rows, windows `window - context` rows
 * apart, batches of 32 windows of `window × channels` values), so each field is checked for type
 * and range, and against the others and the model's declared input.
 */
import { LIMITS } from '../../shared/limits';
import { findExternalData, MalformedProtobufError, type ExternalTensor } from '../onnx/external-data';
import { OnnxDataType, readModelInfo, type ModelInfo } from '../onnx/proto';
import { showValue } from '../../shared/fields';

export interface ScoringModelInfo {
  readonly channels: readonly string[];
  /** Rows per window: seqLen · patchLen. */
  readonly window: number;
  readonly patch: number;
  /** Rows of each window that are context only: a whole number of patches, at least one, less than the window. */
  readonly context: number;
  /** Rows the scores are averaged over (1: none). */
  readonly smooth: number;
  /** The run's alarm threshold in score units; null when the run had none. */
  readonly threshold: number | null;
  /** The statistics the model standardises with; null in models exported before they were recorded. */
  readonly norm: { readonly mean: readonly number[]; readonly std: readonly number[] } | null;
  /** Which statistics those are, in words. */
  readonly normalization: string | null;
  /** The training rows the statistics came from (a per-series model; null: not recorded). */
  readonly calibrateRows: number | null;
}

export const SCORING_MODEL_LIMITS = {
  /** Rows per window: 16 times the largest preset's (256 · 16). */
  window: 65_536,
  /** Values per window (rows · channels): a batch of 32 windows stays within 256 MiB. */
  windowValues: 2 ** 21,
  /** Characters of a channel name, and of the normalisation's description. */
  text: 1_000,
} as const;

const HINT =
  'the model is not one stacklab export writes (changed since, or made elsewhere): export the model again with stacklab export';

/** Control characters, and the bidirectional overrides that reorder a terminal line. */
const UNPRINTABLE = /[\p{Cc}\u202a-\u202e\u2066-\u2069]/u;

const WHOLE = /^(0|[1-9]\d{0,14})$/;
const DECIMAL = /^-?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

function modelInfo(file: string, bytes: Uint8Array): ModelInfo {
  const notOnnx = (why: string) =>
    new Error(
      `${file} is not a StackLab scoring model: it is not an ONNX file (${why}); export one with stacklab export`,
    );
  // ONNX Runtime takes bytes with "ORTM" at offset 4 for its own flatbuffer format, not ONNX.
  if (bytes.length > 8 && String.fromCharCode(...bytes.subarray(4, 8)) === 'ORTM')
    throw notOnnx("it is in ONNX Runtime's own format");
  let external: ExternalTensor | null;
  try {
    external = findExternalData(bytes);
  } catch (err) {
    if (err instanceof MalformedProtobufError) throw notOnnx(err.message);
    throw err;
  }
  if (external) {
    throw new Error(
      `${file}: ${external.where} keeps its values in an external file${external.location !== null ? ` (${showValue(external.location)})` : ''}, which ONNX Runtime would read from the working directory; a scoring model holds all its weights inside: export the model again with stacklab export`,
    );
  }
  try {
    return readModelInfo(bytes);
  } catch (err) {
    throw notOnnx(err instanceof Error ? err.message : String(err));
  }
}

/**
 * The scoring model in `bytes` (read from `file`, named in every message) and its metadata,
 * checked; throws an Error that names the file and the field otherwise.
 */
export function readScoringModel(file: string, bytes: Uint8Array): ScoringModelInfo {
  const info = modelInfo(file, bytes);
  const meta = info.metadata;
  const fail = (field: string, problem: string): never => {
    throw new Error(`${file}: metadata ${field} ${problem}; ${HINT}`);
  };
  if (meta.stacklab_window === undefined || meta.stacklab_patch === undefined || meta.stacklab_channels === undefined) {
    throw new Error(
      `${file} is not a StackLab scoring model (its metadata has no stacklab_window, stacklab_patch or stacklab_channels): export one with stacklab export`,
    );
  }
  const whole = (field: string, min: number, max: number): number => {
    const text = meta[field]!;
    const n = WHOLE.test(text) ? Number(text) : NaN;
    if (!(n >= min && n <= max))
      fail(
        field,
        `is ${showValue(text)}, not a whole number ${max === Infinity ? `of at least ${min}` : `from ${min} to ${max}`}`,
      );
    return n;
  };
  const json = (field: string): unknown => {
    const parsed = parseJson(meta[field]!);
    return parsed.ok ? parsed.value : fail(field, 'is not valid JSON');
  };

  const window = whole('stacklab_window', 2, SCORING_MODEL_LIMITS.window);
  const patch = whole('stacklab_patch', 1, window);
  if (window % patch !== 0 || window / patch < 2)
    fail(
      'stacklab_patch',
      `is ${patch}: the window (stacklab_window ${window}) is not two or more whole patches of it`,
    );

  const channels = json('stacklab_channels');
  if (!Array.isArray(channels) || channels.length === 0 || channels.some((c) => typeof c !== 'string'))
    fail('stacklab_channels', 'is not a non-empty list of channel names');
  const names = channels as string[];
  const maxChannels = Math.floor(SCORING_MODEL_LIMITS.windowValues / window);
  if (names.length > maxChannels)
    fail(
      'stacklab_channels',
      `lists ${names.length} channels: with a window of ${window} rows a model reads at most ${maxChannels}`,
    );
  const bad = names.find((c) => c.length === 0 || c.length > SCORING_MODEL_LIMITS.text || UNPRINTABLE.test(c));
  if (bad !== undefined)
    fail(
      'stacklab_channels',
      `has the name ${showValue(bad)}: a channel name is 1 to ${SCORING_MODEL_LIMITS.text} printable characters`,
    );
  const seen = new Set<string>();
  const twice = names.find((c) => seen.size === seen.add(c).size);
  if (twice !== undefined) fail('stacklab_channels', `lists the channel ${showValue(twice)} twice`);

  if (meta.stacklab_config !== undefined) {
    const cfg = json('stacklab_config') as { seqLen?: unknown; patchLen?: unknown; channels?: unknown } | null;
    if (typeof cfg !== 'object' || cfg === null || Array.isArray(cfg)) fail('stacklab_config', 'is not an object');
    const { seqLen, patchLen, channels: c } = cfg!;
    if (!Number.isInteger(seqLen) || !Number.isInteger(patchLen) || (seqLen as number) < 1 || (patchLen as number) < 1)
      fail(
        'stacklab_config',
        `has seqLen ${showValue(seqLen)} and patchLen ${showValue(patchLen)}, not positive whole numbers`,
      );
    if (patchLen !== patch || (seqLen as number) * (patchLen as number) !== window)
      fail(
        'stacklab_config',
        `has seqLen ${seqLen as number} and patchLen ${patchLen as number}, which do not make the window (stacklab_window ${window}, stacklab_patch ${patch})`,
      );
    if (c !== undefined && c !== names.length)
      fail('stacklab_config', `has ${showValue(c)} channels, but stacklab_channels lists ${names.length}`);
  }

  // The model itself must read windows of that shape and give a score.
  const input = info.inputs.find((v) => v.name === 'windows');
  const dims = input?.shape;
  if (
    !input ||
    input.elemType !== OnnxDataType.float32 ||
    !dims ||
    dims.length !== 3 ||
    dims[1] !== window ||
    dims[2] !== names.length
  ) {
    const what = !input
      ? 'has no input "windows"'
      : `reads "windows" of shape [${(dims ?? []).map((d) => (typeof d === 'string' ? showValue(d) : String(d))).join(', ')}]`;
    throw new Error(
      `${file}: the model ${what}, but its metadata says float32 windows of [batch, ${window}, ${names.length}] (stacklab_window, stacklab_channels); ${HINT}`,
    );
  }
  if (!info.outputs.some((v) => v.name === 'score'))
    throw new Error(`${file}: the model has no output "score"; ${HINT}`);

  // Models exported before the context and the smoothing were recorded: one patch of context, no smoothing.
  const context = meta.stacklab_context === undefined ? patch : whole('stacklab_context', 1, Infinity);
  if (context >= window)
    fail(
      'stacklab_context',
      `is ${context}, not less than the window (stacklab_window ${window}): the windows would not advance`,
    );
  if (context % patch !== 0)
    fail('stacklab_context', `is ${context}, not a whole number of patches (stacklab_patch ${patch})`);
  const smooth =
    meta.stacklab_smooth === undefined ? 1 : whole('stacklab_smooth', LIMITS.smooth.min, LIMITS.smooth.max);
  // The rows the model's statistics came from (a per-series model): `score --calibrate-rows`'s default.
  const calibrateRows =
    meta.stacklab_calibrate_rows === undefined ? null : whole('stacklab_calibrate_rows', 2, Infinity);

  let threshold: number | null = null;
  if (meta.stacklab_threshold !== undefined) {
    const text = meta.stacklab_threshold;
    threshold = DECIMAL.test(text) ? Number(text) : NaN;
    if (!Number.isFinite(threshold)) fail('stacklab_threshold', `is ${showValue(text)}, not a finite number`);
  }

  let norm: ScoringModelInfo['norm'] = null;
  if (meta.stacklab_norm !== undefined) {
    const n = json('stacklab_norm') as { mean?: unknown; std?: unknown } | null;
    const list = (key: 'mean' | 'std'): number[] => {
      const v = typeof n === 'object' && n !== null ? n[key] : undefined;
      if (!Array.isArray(v) || v.length !== names.length || v.some((x) => typeof x !== 'number' || !Number.isFinite(x)))
        fail('stacklab_norm', `has no ${key} of ${names.length} finite numbers (one per channel)`);
      return v as number[];
    };
    norm = { mean: list('mean'), std: list('std') };
    const k = norm.std.findIndex((s) => !(s > 0));
    if (k >= 0)
      fail('stacklab_norm', `has std ${norm.std[k]} for channel ${showValue(names[k])}, not a positive number`);
  }

  const normalization = meta.stacklab_normalization ?? null;
  if (normalization !== null && (normalization.length > SCORING_MODEL_LIMITS.text || UNPRINTABLE.test(normalization)))
    fail('stacklab_normalization', `is not a line of at most ${SCORING_MODEL_LIMITS.text} printable characters`);

  return { channels: names, window, patch, context, smooth, threshold, norm, normalization, calibrateRows };
}
