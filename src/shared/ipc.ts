/**
 * The typed IPC contract between the renderer and the services of the main process (Electron)
 * or the server mode (HTTP + WebSocket). Each request channel maps to its parameter and result
 * types and has a runtime validator; each event stream maps to its payload type.
 *
 * Adding a channel: add it to `RequestMap` and to `requestValidators` (the compiler then
 * demands a handler in the services and nothing else: preload and clients are generic).
 */
import type { Comparison } from './compare';
import {
  COLUMN_ROLES,
  DECIMAL_MARKS,
  DELIMITERS,
  LAYOUTS,
  SAMPLE_KINDS,
  type ImportInspection,
  type ImportRequest,
  type ImportResult,
} from './import';
import { type ExportFile, type JobHistory, type JobInfo, type JobProgress } from './jobs';
import { fieldProblem, PLAN_FIELDS, PLAN_KEYS, requiredText, type PlanEstimate, type TrainPlan } from './plan';
import { type SessionState, WIZARD_STEPS } from './session';
import { type QueueWorker, type Settings } from './settings';
import { inRange, LIMITS, rangeText } from './limits';
import { LAB_LIMITS, MIX_KEYS, parseMix, type CorpusMix } from './lab';
import type { ScoreTimeline } from './timeline';
import { DEVICE_CHOICES, type ProviderStatus, type SystemInfo } from './system';

export interface SystemInfoParams {
  /** Probe the execution providers again instead of returning the cached result. */
  readonly refresh?: boolean;
}

type NoParams = Record<string, never>;

export interface RequestMap {
  'system.info': { params: SystemInfoParams; result: SystemInfo };
  /**
   * A native open dialog for a file or a folder (the desktop app only: the main process answers
   * it; in server mode paths are typed, since they live on the engine's machine).
   */
  'system.pickPath': { params: { kind: 'file' | 'folder' | 'labels' }; result: { path: string | null } };
  'settings.get': { params: NoParams; result: Settings };
  /** Changes some settings; the runs folder is created when missing. */
  'settings.set': { params: Partial<Settings>; result: Settings };
  /** Reads a file, a folder or the sample: profile, preview, column roles, plot. */
  'data.import': { params: ImportRequest; result: ImportResult };
  /** The columns, roles and first rows of a source without importing it (after a failed import). */
  'data.inspect': { params: ImportRequest; result: ImportInspection | null };
  /** The wizard's state as the engine keeps it (a reload or another tab reopens it). */
  'session.get': { params: NoParams; result: SessionState };
  /** Changes part of it; returns the whole. */
  'session.set': { params: Partial<SessionState>; result: SessionState };
  /** FLOPs per variant and a time estimate from a short timing probe on the device. */
  'train.estimate': { params: TrainPlan; result: PlanEstimate };
  /** Starts training the plan in the engine process; progress comes as `jobs.progress` events. */
  'jobs.start': { params: TrainPlan; result: JobInfo };
  'jobs.cancel': { params: { jobId: string }; result: JobInfo };
  /** The run library: every job folder in the runs folder, newest first. */
  'jobs.list': { params: NoParams; result: JobInfo[] };
  /** Continues an interrupted or cancelled job from its runs' latest checkpoints. */
  'jobs.resume': { params: { dir: string }; result: JobInfo };
  /** The training curves of a job's runs so far, from their folders. */
  'jobs.history': { params: { dir: string }; result: JobHistory };
  /** The workers connected to the queue of Settings (empty without one). */
  'queue.workers': { params: NoParams; result: QueueWorker[] };
  /** Gives a job another name. */
  'jobs.rename': { params: { dir: string; name: string }; result: JobInfo };
  /** The comparison of a job's finished runs. */
  'compare.get': { params: { dir: string }; result: Comparison };
  /** One run's anomaly scores on the test part against the labels. */
  'compare.timeline': { params: { runDir: string }; result: ScoreTimeline };
  /** The self-contained HTML report, the table as CSV, or a run's model as ONNX. */
  'export.file': { params: { kind: 'report' | 'csv' | 'onnx'; dir: string }; result: ExportFile };
}

export interface EventMap {
  /** One execution provider's probe finished (streamed while `system.info` probes). */
  'system.providerProbed': ProviderStatus;
  /** A running job's progress (throttled to about 10 updates per second per run). */
  'jobs.progress': JobProgress;
  /** A job changed state (started, a run finished, finished, cancelled, failed). */
  'jobs.changed': JobInfo;
}

export type RequestChannel = keyof RequestMap;
export type EventChannel = keyof EventMap;
export type ParamsOf<C extends RequestChannel> = RequestMap[C]['params'];
export type ResultOf<C extends RequestChannel> = RequestMap[C]['result'];
export type Unsubscribe = () => void;

/**
 * The API every client offers the renderer: the preload bridge (Electron) and the WebSocket
 * client (server mode) both implement exactly this.
 */
export interface StackLabApi {
  invoke<C extends RequestChannel>(channel: C, params: ParamsOf<C>): Promise<ResultOf<C>>;
  on<E extends EventChannel>(event: E, listener: (payload: EventMap[E]) => void): Unsubscribe;
}

/** Thrown by a validator: says which field was wrong and what was expected. */
export class InvalidParamsError extends Error {
  override readonly name = 'InvalidParamsError';
}

type Validator<T> = (raw: unknown) => T;

function plainObject(channel: string, raw: unknown): Record<string, unknown> {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new InvalidParamsError(
      `${channel}: parameters must be an object, got ${Array.isArray(raw) ? 'an array' : typeof raw}`,
    );
  }
  return raw as Record<string, unknown>;
}

function onlyKeys(channel: string, obj: Record<string, unknown>, allowed: readonly string[]): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) {
      throw new InvalidParamsError(`${channel}: unknown parameter "${key}" (allowed: ${allowed.join(', ') || 'none'})`);
    }
  }
}

function optionalBoolean(channel: string, obj: Record<string, unknown>, key: string): boolean | undefined {
  const v = obj[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean')
    throw new InvalidParamsError(`${channel}: "${key}" must be true or false, got ${JSON.stringify(v)}`);
  return v;
}

function optionalString(channel: string, obj: Record<string, unknown>, key: string): string | undefined {
  const v = obj[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v.length === 0)
    throw new InvalidParamsError(`${channel}: "${key}" must be a non-empty string, got ${JSON.stringify(v)}`);
  return v;
}

function requiredString(channel: string, obj: Record<string, unknown>, key: string): string {
  const v = optionalString(channel, obj, key);
  if (v === undefined) throw new InvalidParamsError(`${channel}: "${key}" is required`);
  return v;
}

function optionalOneOf<T extends string>(
  channel: string,
  obj: Record<string, unknown>,
  key: string,
  allowed: readonly T[],
): T | undefined {
  const v = obj[key];
  if (v === undefined) return undefined;
  if (!allowed.includes(v as T))
    throw new InvalidParamsError(`${channel}: "${key}" must be one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
  return v as T;
}

/** A number in the range `LIMITS` gives for `key`. */
function optionalNumber(channel: string, obj: Record<string, unknown>, key: keyof typeof LIMITS): number | undefined {
  const v = obj[key];
  const range = LIMITS[key];
  if (v === undefined) return undefined;
  if (!inRange(v, range))
    throw new InvalidParamsError(`${channel}: "${key}" must be ${rangeText(range)}, got ${JSON.stringify(v)}`);
  return v;
}

/** Copies the defined entries only (optional properties stay absent, not undefined). */
export function defined<T extends object>(o: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]: Exclude<T[K], undefined>;
  };
}

function noParams(channel: string) {
  return (raw: unknown): NoParams => {
    onlyKeys(channel, plainObject(channel, raw), []);
    return {};
  };
}

function dirParam<K extends string>(channel: string, key: K) {
  return (raw: unknown) => {
    const obj = plainObject(channel, raw);
    onlyKeys(channel, obj, [key]);
    return { [key]: requiredString(channel, obj, key) } as Record<K, string>;
  };
}

/**
 * A train plan, checked field by field by the rows of PLAN_FIELDS (only those keys, each of its
 * kind and range); `channel` names where it came from in errors ("jobs.start", "job.json plan").
 */
export function trainPlan(channel: string, raw: unknown): TrainPlan {
  const obj = plainObject(channel, raw);
  onlyKeys(channel, obj, ['datasetId', ...PLAN_KEYS]);
  for (const key of PLAN_KEYS) {
    const v = obj[key];
    if (v === undefined) {
      if (!PLAN_FIELDS[key].required) continue;
      if (PLAN_FIELDS[key].kind !== 'list')
        throw new InvalidParamsError(`${channel}: "${key}" is required (${requiredText(key)})`);
    }
    const problem = fieldProblem(key, v);
    if (problem) throw new InvalidParamsError(`${channel}: "${key}" ${problem}, got ${JSON.stringify(v)}`);
  }
  const plan = Object.fromEntries(PLAN_KEYS.filter((k) => obj[k] !== undefined).map((k) => [k, obj[k]]));
  return { datasetId: requiredString(channel, obj, 'datasetId'), ...plan } as TrainPlan;
}

/** An import request, checked field by field; `c` names where it came from in errors ("data.import", "job.json import"). */
export function importRequest(c: string, raw: unknown): ImportRequest {
  const obj = plainObject(c, raw);
  onlyKeys(c, obj, [
    'source',
    'roles',
    'delimiter',
    'decimal',
    'header',
    'fillLimit',
    'labelMap',
    'resample',
    'layout',
    'sheet',
  ]);
  const src = plainObject(`${c} source`, obj.source);
  let source: ImportRequest['source'];
  if (src.kind === 'sample') {
    onlyKeys(`${c} source`, src, ['kind', 'sample']);
    const sample = optionalOneOf(`${c} source`, src, 'sample', SAMPLE_KINDS);
    source = sample ? { kind: 'sample', sample } : { kind: 'sample' };
  } else if (src.kind === 'lab') {
    onlyKeys(`${c} source`, src, ['kind', 'seed', 'bytes', 'mix', 'items']);
    const whole = (key: 'seed' | 'bytes') => {
      const v = src[key];
      const { min, max } = LAB_LIMITS[key];
      if (v !== undefined && !(Number.isInteger(v) && (v as number) >= min && (v as number) <= max))
        throw new InvalidParamsError(
          `${c} source: "${key}" must be a whole number from ${min} to ${max}, got ${JSON.stringify(v)}`,
        );
      return v as number | undefined;
    };
    let mix: CorpusMix | undefined;
    if (src.mix !== undefined) {
      const m = plainObject(`${c} source mix`, src.mix);
      onlyKeys(`${c} source mix`, m, MIX_KEYS);
      const parsed = parseMix(
        Object.entries(m)
          .map(([k, v]) => `${k}=${typeof v === 'number' ? v : JSON.stringify(v)}`)
          .join(','),
      );
      if (typeof parsed === 'string') throw new InvalidParamsError(`${c} source mix: ${parsed}`);
      mix = parsed;
    }
    source = defined({
      kind: 'lab' as const,
      seed: whole('seed'),
      bytes: whole('bytes'),
      mix,
      items: optionalString(`${c} source`, src, 'items'),
    });
  } else if (src.kind === 'text') {
    onlyKeys(`${c} source`, src, ['kind', 'path', 'items']);
    source = defined({
      kind: 'text' as const,
      path: requiredString(`${c} source`, src, 'path'),
      items: optionalString(`${c} source`, src, 'items'),
    });
  } else if (src.kind === 'path') {
    onlyKeys(`${c} source`, src, ['kind', 'path', 'labels']);
    source = defined({
      kind: 'path' as const,
      path: requiredString(`${c} source`, src, 'path'),
      labels: optionalString(`${c} source`, src, 'labels'),
    });
  } else {
    throw new InvalidParamsError(
      `${c}: "source" must be { kind: "sample" }, { kind: "path", path }, { kind: "lab" } or { kind: "text", path }, got ${JSON.stringify(obj.source)}`,
    );
  }
  let roles: Record<string, (typeof COLUMN_ROLES)[number]> | undefined;
  if (obj.roles !== undefined) {
    const r = plainObject(`${c} roles`, obj.roles);
    for (const [k, v] of Object.entries(r))
      if (!(COLUMN_ROLES as readonly unknown[]).includes(v))
        throw new InvalidParamsError(
          `${c}: the role of column "${k}" must be one of ${COLUMN_ROLES.join(', ')}, got ${JSON.stringify(v)}`,
        );
    roles = r as typeof roles;
  }
  let labelMap: Record<string, 0 | 1> | undefined;
  if (obj.labelMap !== undefined) {
    const m = plainObject(`${c} labelMap`, obj.labelMap);
    for (const [k, v] of Object.entries(m))
      if ((v !== 0 && v !== 1) || k.trim() === '')
        throw new InvalidParamsError(
          `${c}: a label value maps to 0 (normal) or 1 (abnormal), got ${JSON.stringify(k)} → ${JSON.stringify(v)}`,
        );
    labelMap = Object.fromEntries(Object.entries(m).map(([k, v]) => [k.trim().toLowerCase(), v as 0 | 1]));
  }
  return defined({
    source,
    roles,
    delimiter: optionalOneOf(c, obj, 'delimiter', DELIMITERS),
    decimal: optionalOneOf(c, obj, 'decimal', DECIMAL_MARKS),
    header: optionalBoolean(c, obj, 'header'),
    fillLimit: optionalNumber(c, obj, 'fillLimit'),
    labelMap,
    resample: optionalBoolean(c, obj, 'resample'),
    layout: optionalOneOf(c, obj, 'layout', LAYOUTS),
    sheet: sheetName(c, obj),
  });
}

/** An Excel sheet's name: 1 to 31 characters (Excel's own limit), none of \ / ? * [ ] :. */
function sheetName(c: string, obj: Record<string, unknown>): string | undefined {
  const v = optionalString(c, obj, 'sheet');
  if (v !== undefined && (v.length === 0 || v.length > 31 || /[\\/?*[\]:]/.test(v)))
    throw new InvalidParamsError(
      `${c}: "sheet" must be an Excel sheet's name (1 to 31 characters, none of \\ / ? * [ ] :), got ${JSON.stringify(v)}`,
    );
  return v;
}

/** Runtime validators, one per request channel: every handler runs its input through these. */
export const requestValidators: { readonly [C in RequestChannel]: Validator<ParamsOf<C>> } = {
  'system.info': (raw) => {
    const obj = plainObject('system.info', raw);
    onlyKeys('system.info', obj, ['refresh']);
    const refresh = optionalBoolean('system.info', obj, 'refresh');
    return refresh === undefined ? {} : { refresh };
  },
  'system.pickPath': (raw) => {
    const c = 'system.pickPath';
    const obj = plainObject(c, raw);
    onlyKeys(c, obj, ['kind']);
    const kind = optionalOneOf(c, obj, 'kind', ['file', 'folder', 'labels'] as const);
    if (!kind) throw new InvalidParamsError(`${c}: "kind" is required (file, folder or labels)`);
    return { kind };
  },
  'settings.get': noParams('settings.get'),
  'settings.set': (raw) => {
    const c = 'settings.set';
    const obj = plainObject(c, raw);
    onlyKeys(c, obj, ['runsDir', 'defaultDevice', 'threads', 'parallelRuns', 'seedBatch', 'queue']);
    const queue =
      obj.queue === undefined || obj.queue === null ? obj.queue : optionalString(c, obj, 'queue')!.trim() || null;
    if (typeof queue === 'string' && !/^rediss?:\/\/./.test(queue))
      throw new InvalidParamsError(
        `${c}: "queue" must be a redis:// or rediss:// URL (or null to train on this machine), got ${JSON.stringify(queue.replace(/:[^:@/]*@/, ':***@'))}`,
      );
    return defined({
      runsDir: optionalString(c, obj, 'runsDir'),
      defaultDevice: optionalOneOf(c, obj, 'defaultDevice', DEVICE_CHOICES),
      threads: optionalNumber(c, obj, 'threads'),
      parallelRuns: optionalNumber(c, obj, 'parallelRuns'),
      seedBatch: optionalNumber(c, obj, 'seedBatch'),
      queue: queue as string | null | undefined,
    });
  },
  'data.import': (raw) => importRequest('data.import', raw),
  'data.inspect': (raw) => importRequest('data.inspect', raw),
  'session.get': noParams('session.get'),
  'session.set': (raw) => {
    const c = 'session.set';
    const obj = plainObject(c, raw);
    onlyKeys(c, obj, ['step', 'importRequest', 'plan', 'jobDir']);
    const nullable = <T>(key: string, check: (v: unknown) => T): T | null | undefined =>
      obj[key] === undefined ? undefined : obj[key] === null ? null : check(obj[key]);
    return defined({
      step: optionalOneOf(c, obj, 'step', WIZARD_STEPS),
      importRequest: nullable('importRequest', (v) => importRequest(`${c} importRequest`, v)),
      // The form is a plan without its data set.
      plan: nullable('plan', (v) => {
        const { datasetId: _none, ...plan } = trainPlan(`${c} plan`, {
          ...plainObject(`${c} plan`, v),
          datasetId: 'session',
        });
        return plan;
      }),
      jobDir: nullable('jobDir', () => requiredString(c, obj, 'jobDir')),
    });
  },
  'train.estimate': (raw) => trainPlan('train.estimate', raw),
  'jobs.start': (raw) => trainPlan('jobs.start', raw),
  'jobs.cancel': dirParam('jobs.cancel', 'jobId') as Validator<{ jobId: string }>,
  'jobs.list': noParams('jobs.list'),
  'jobs.resume': dirParam('jobs.resume', 'dir') as Validator<{ dir: string }>,
  'jobs.history': dirParam('jobs.history', 'dir') as Validator<{ dir: string }>,
  'queue.workers': noParams('queue.workers'),
  'jobs.rename': (raw) => {
    const obj = plainObject('jobs.rename', raw);
    onlyKeys('jobs.rename', obj, ['dir', 'name']);
    return { dir: requiredString('jobs.rename', obj, 'dir'), name: requiredString('jobs.rename', obj, 'name') };
  },
  'compare.get': dirParam('compare.get', 'dir') as Validator<{ dir: string }>,
  'compare.timeline': dirParam('compare.timeline', 'runDir') as Validator<{ runDir: string }>,
  'export.file': (raw) => {
    const c = 'export.file';
    const obj = plainObject(c, raw);
    onlyKeys(c, obj, ['kind', 'dir']);
    const kind = optionalOneOf(c, obj, 'kind', ['report', 'csv', 'onnx'] as const);
    if (!kind) throw new InvalidParamsError(`${c}: "kind" is required (report, csv or onnx)`);
    return { kind, dir: requiredString(c, obj, 'dir') };
  },
};

/** Every request channel, derived from the validators so the list cannot drift from the map. */
export const REQUEST_CHANNELS = Object.keys(requestValidators) as RequestChannel[];

const eventChannelSet: { readonly [E in EventChannel]: true } = {
  'system.providerProbed': true,
  'jobs.progress': true,
  'jobs.changed': true,
};
/** Every event channel. */
export const EVENT_CHANNELS = Object.keys(eventChannelSet) as EventChannel[];

export function isRequestChannel(value: unknown): value is RequestChannel {
  return typeof value === 'string' && (REQUEST_CHANNELS as string[]).includes(value);
}

export function isEventChannel(value: unknown): value is EventChannel {
  return typeof value === 'string' && (EVENT_CHANNELS as string[]).includes(value);
}

/** Validates a request: the channel must exist and its parameters must pass its validator. */
export function validateRequest<C extends RequestChannel>(
  channel: unknown,
  params: unknown,
): { channel: C; params: ParamsOf<C> } {
  if (!isRequestChannel(channel)) {
    throw new InvalidParamsError(
      `unknown request channel ${JSON.stringify(channel)} (known: ${REQUEST_CHANNELS.join(', ')})`,
    );
  }
  return { channel: channel as C, params: requestValidators[channel](params) as ParamsOf<C> };
}

/** Messages on a wire (worker process, WebSocket): requests, their responses, and events. */
export type WireMessage =
  | { readonly kind: 'request'; readonly id: number; readonly channel: string; readonly params: unknown }
  | { readonly kind: 'response'; readonly id: number; readonly ok: true; readonly result: unknown }
  | { readonly kind: 'response'; readonly id: number; readonly ok: false; readonly error: WireError }
  | { readonly kind: 'event'; readonly event: string; readonly payload: unknown };

export interface WireError {
  readonly name: string;
  readonly message: string;
}

/** A plain error for the wire: name and message, never a stack or a path to host internals. */
export function toWireError(err: unknown): WireError {
  if (err instanceof Error) return { name: err.name, message: err.message };
  return { name: 'Error', message: String(err) };
}

/** An error that came back over the wire, keeping its original name. */
export class RemoteError extends Error {
  constructor(wire: WireError) {
    super(wire.message);
    this.name = wire.name;
  }
}
