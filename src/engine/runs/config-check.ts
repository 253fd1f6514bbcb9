/**
 * A run's configuration as it arrives from outside this process (a queue task from Redis): every
 * field checked for its type and a range that keeps the engine's allocations sane, so a crafted
 * task can neither crash a worker nor make it build a model of a billion-element tensor.
 */
import { Fields, FieldError } from '../../shared/fields';
import { VARIANTS } from '../../shared/growth';
import { NORMALIZE_MODES, SCORE_COMBINES, THRESHOLD_SCOPES } from '../../shared/plan';
import { LIMITS } from '../../shared/limits';
import { LAB_LIMITS, USER_ITEM_LIMITS, userItemProblem, userItemsProblem, type UserItem } from '../../shared/lab';
import { PRECISIONS } from '../../shared/precision';
import { PRESET_NAMES } from '../../shared/presets';
import { EXECUTION_PROVIDERS } from '../../shared/system';
import type { ScoringConfig } from '../eval/evaluate';
import type { PatchTransformerConfig } from '../models/patch-transformer';
import type { LrSchedule } from '../train/schedules';
import type { RunConfig } from './types';

/** The most elements of one tensor a run may ask for (parameters, a batch of windows). */
const MAX_ELEMENTS = 2 ** 30;
const MAX_STEPS = LIMITS.steps.max;

function model(f: Fields): PatchTransformerConfig {
  const m: PatchTransformerConfig = {
    dModel: f.integer('dModel', 1, 8192),
    heads: f.integer('heads', 1, 256),
    layers: f.integer('layers', LIMITS.layers.min, LIMITS.layers.max),
    patchLen: f.integer('patchLen', 1, 4096),
    seqLen: f.integer('seqLen', 2, 8192),
    mlpHidden: f.integer('mlpHidden', 1, 65_536),
    channels: f.integer('channels', 1, 100_000),
    batch: f.integer('batch', 1, 65_536),
    positions: f.oneOf('positions', ['learned', 'rotary'] as const),
    lnEps: f.number('lnEps', 1e-12, 1),
    initStd: f.number('initStd', 1e-8, 10),
  };
  // A token model (the reasoning lab): one id per token.
  const vocab = f.optionalNumber('vocab', 2, 65_536, true);
  if (vocab !== undefined) {
    if (m.channels !== 1 || m.patchLen !== 1) f.fail('vocab', 'absent unless channels and patchLen are 1');
    if (vocab * m.dModel > MAX_ELEMENTS) f.fail('vocab', 'small enough for an embedding of at most 2^30 elements');
    if (m.batch * m.seqLen * vocab > MAX_ELEMENTS) f.fail('vocab', 'small enough for logits of at most 2^30 elements');
  }
  if (m.dModel % m.heads !== 0) f.fail('heads', `a divisor of dModel ${m.dModel}`);
  if (m.dModel * Math.max(m.dModel, m.mlpHidden) > MAX_ELEMENTS || m.patchLen * m.channels * m.dModel > MAX_ELEMENTS)
    f.fail('dModel', 'small enough for weight matrices of at most 2^30 elements');
  if (
    m.batch * m.seqLen * m.patchLen * m.channels > MAX_ELEMENTS ||
    m.batch * m.seqLen * Math.max(m.dModel, m.mlpHidden) > MAX_ELEMENTS
  )
    f.fail('batch', 'small enough for activations of at most 2^30 elements');
  return vocab !== undefined ? { ...m, vocab } : m;
}

function schedule(f: Fields): LrSchedule {
  const kind = f.oneOf('kind', ['constant', 'linear', 'cosine', 'piecewise'] as const);
  if (kind === 'piecewise') {
    const points = f.list(
      'points',
      10_000,
      (x, at) => {
        if (
          !Array.isArray(x) ||
          x.length !== 2 ||
          !Number.isInteger(x[0]) ||
          x[0] < 0 ||
          typeof x[1] !== 'number' ||
          !(x[1] >= 0 && x[1] <= LIMITS.lr.max)
        )
          throw new FieldError(`${at} must be a [step, learning rate] pair`);
        return [x[0] as number, x[1] as number] as const;
      },
      1,
    );
    return { kind, points };
  }
  const lr = f.number('lr', 0, LIMITS.lr.max);
  const warmup = f.optionalNumber('warmup', 0, MAX_STEPS, true);
  const base = { lr, ...(warmup !== undefined ? { warmup } : {}) };
  if (kind === 'constant') return { kind, ...base };
  const final = f.optionalNumber('final', 0, LIMITS.lr.max);
  return { kind, ...base, total: f.integer('total', 1, MAX_STEPS), ...(final !== undefined ? { final } : {}) };
}

function scoring(f: Fields): ScoringConfig {
  const rule = f.object('rule');
  const kind = rule.oneOf('kind', ['quantile', 'false-alarm-rate'] as const);
  const smooth = f.optionalNumber('smooth', LIMITS.smooth.min, LIMITS.smooth.max, true);
  return {
    combine: f.oneOf('combine', SCORE_COMBINES),
    threshold: f.oneOf('threshold', THRESHOLD_SCOPES),
    rule: kind === 'quantile' ? { kind, q: rule.number('q', 0, 1) } : { kind, rate: rule.number('rate', 0, 1) },
    ...(smooth !== undefined ? { smooth } : {}),
  };
}

function normalization(f: Fields, channels: number): RunConfig['data']['normalization'] {
  const stats = (g: Fields) => ({
    mean: g.numbers('mean', undefined, channels),
    std: g.numbers('std', undefined, channels),
  });
  const series = f.has('series')
    ? f.list('series', 1_000_000, (x, at) => {
        const s = Fields.of(x, at);
        return {
          name: s.string('name', 4096),
          own: s.boolean('own'),
          rows: s.integer('rows', 0, Number.MAX_SAFE_INTEGER),
          ...stats(s),
        };
      })
    : undefined;
  return {
    mode: f.oneOf('mode', NORMALIZE_MODES),
    description: f.string('description', 10_000),
    ...stats(f),
    ...(series ? { series } : {}),
  };
}

/** A RunConfig read field by field; `at` names where it came from ("the queue task's config"). */
export function parseRunConfig(raw: unknown, at: string): RunConfig {
  const f = Fields.of(raw, at);
  const m = model(f.object('model'));
  const g = f.object('growth');
  const gstackFactor = g.optionalNumber('gstackFactor', 2, 16, true);
  const growth = {
    layers: g.integer('layers', LIMITS.layers.min, LIMITS.layers.max),
    block: g.integer('block', LIMITS.block.min, LIMITS.block.max),
    alpha: g.number('alpha', LIMITS.alpha.min, LIMITS.alpha.max),
    steps: g.integer('steps', LIMITS.steps.min, LIMITS.steps.max),
    ...(gstackFactor !== undefined ? { gstackFactor } : {}),
  };
  if (growth.layers !== m.layers) f.object('model').fail('layers', `the full depth of "growth" (${growth.layers})`);
  const o = f.object('optimizer');
  // JSON has no Infinity: clipping switched off travels as null.
  const maxGradNorm = o.raw.maxGradNorm === null ? Infinity : o.number('maxGradNorm', 0, 1e12);
  const d = f.object('data');
  const channels = d.strings('channels', 100_000, 10_000, 1);
  if (channels.length !== m.channels) d.fail('channels', `a list of the model's ${m.channels} channels`);
  const split = d.optionalObject('splitOptions');
  const trainRows = split?.optionalNumber('trainRows', LIMITS.trainRows.min, LIMITS.trainRows.max, true);
  const trainFraction = split?.optionalNumber('trainFraction', LIMITS.trainFraction.min, LIMITS.trainFraction.max);
  const series = d.optionalNumber('series', 1, 1_000_000, true);
  const versions = f.object('versions');
  const versionEntries = Object.keys(versions.raw);
  if (versionEntries.length > 100) versions.fail(versionEntries[100]!, 'one of at most 100 entries');
  const flopMatchedTo = f.optionalOneOf('flopMatchedTo', VARIANTS);
  // Runs of versions before the precision setting trained in fp32.
  const precision = f.optionalOneOf('precision', PRECISIONS) ?? 'fp32';
  const valWindows = f.optionalNumber('valWindows', 1, 1_000_000, true);
  const isoplot = f.optionalBoolean('isoplot');
  const scored = f.optionalObject('scoring');
  const labFields = f.optionalObject('lab');
  const lab = labFields
    ? {
        items: labFields.integer('items', LIMITS.labItems.min, LIMITS.labItems.max),
        shots: labFields.integer('shots', LIMITS.shots.min, LIMITS.shots.max),
        itemsSeed: labFields.integer('itemsSeed', LAB_LIMITS.seed.min, LAB_LIMITS.seed.max),
        ...(labFields.has('userItems')
          ? {
              userItems: labFields.list('userItems', USER_ITEM_LIMITS.items, (v, where) => {
                const problem = userItemProblem(v);
                if (problem) throw new FieldError(`${where}: ${problem}`);
                return v as UserItem;
              }),
            }
          : {}),
      }
    : undefined;
  const itemsProblem = lab?.userItems && userItemsProblem(lab.userItems);
  if (itemsProblem) throw new FieldError(`${at} lab userItems: ${itemsProblem}`);
  if (lab && m.vocab === undefined) f.fail('lab', 'absent unless the model is a token model (vocab)');
  return {
    variant: f.oneOf('variant', VARIANTS),
    ...(flopMatchedTo ? { flopMatchedTo } : {}),
    seed: f.integer('seed', 0, 2 ** 32 - 1),
    preset: f.oneOf('preset', PRESET_NAMES),
    model: m,
    growth,
    schedule: schedule(f.object('schedule')),
    optimizer: {
      beta1: o.number('beta1', 0, 1),
      beta2: o.number('beta2', 0, 1),
      eps: o.number('eps', 0, 1),
      weightDecay: o.number('weightDecay', 0, 10),
      maxGradNorm,
      stateAtGrowth: o.oneOf('stateAtGrowth', ['copy', 'reset'] as const),
      rewarmupSteps: o.integer('rewarmupSteps', 0, MAX_STEPS),
    },
    device: f.oneOf('device', EXECUTION_PROVIDERS),
    precision,
    readEvery: f.integer('readEvery', 1, MAX_STEPS),
    valEvery: f.integer('valEvery', 1, MAX_STEPS),
    checkpointEvery: f.integer('checkpointEvery', 1, MAX_STEPS),
    ...(valWindows !== undefined ? { valWindows } : {}),
    ...(isoplot !== undefined ? { isoplot } : {}),
    data: {
      source: d.string('source', 4096),
      fingerprint: d.string('fingerprint', 128),
      channels,
      ...(series !== undefined ? { series } : {}),
      trainWindows: d.integer('trainWindows', 0, Number.MAX_SAFE_INTEGER),
      valWindows: d.integer('valWindows', 0, Number.MAX_SAFE_INTEGER),
      split: d.string('split', 10_000),
      ...(split
        ? {
            splitOptions: {
              ...(trainRows !== undefined ? { trainRows } : {}),
              ...(trainFraction !== undefined ? { trainFraction } : {}),
            },
          }
        : {}),
      normalization: normalization(d.object('normalization'), m.channels),
    },
    ...(scored ? { scoring: scoring(scored) } : {}),
    ...(lab ? { lab } : {}),
    versions: Object.fromEntries(versionEntries.map((k) => [k.slice(0, 100), versions.string(k, 200)])),
  };
}

/**
 * A config.json as its run folder holds it, from before the fields that were added later: runs of
 * versions before the precision setting trained in fp32.
 */
export function upgradeRunConfig(config: RunConfig): RunConfig {
  return config.precision === undefined ? { ...config, precision: 'fp32' } : config;
}
