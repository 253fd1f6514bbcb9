/**
 * The typed IPC contract between the renderer and the services of the main process (Electron)
 * or the server mode (HTTP + WebSocket). Each request channel maps to its parameter and result
 * types and has a runtime validator; each event stream maps to its payload type.
 *
 * Adding a channel: add it to `RequestMap` and to `requestValidators` (the compiler then
 * demands a handler in the services and nothing else: preload and clients are generic).
 */
import type { ProviderStatus, SystemInfo } from './system';

export interface SystemInfoParams {
  /** Probe the execution providers again instead of returning the cached result. */
  readonly refresh?: boolean;
}

export interface RequestMap {
  'system.info': { params: SystemInfoParams; result: SystemInfo };
}

export interface EventMap {
  /** One execution provider's probe finished (streamed while `system.info` probes). */
  'system.providerProbed': ProviderStatus;
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
    throw new InvalidParamsError(`${channel}: parameters must be an object, got ${Array.isArray(raw) ? 'an array' : typeof raw}`);
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
  if (typeof v !== 'boolean') throw new InvalidParamsError(`${channel}: "${key}" must be true or false, got ${JSON.stringify(v)}`);
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
};

/** Every request channel, derived from the validators so the list cannot drift from the map. */
export const REQUEST_CHANNELS = Object.keys(requestValidators) as RequestChannel[];

const eventChannelSet: { readonly [E in EventChannel]: true } = { 'system.providerProbed': true };
/** Every event channel. */
export const EVENT_CHANNELS = Object.keys(eventChannelSet) as EventChannel[];

export function isRequestChannel(value: unknown): value is RequestChannel {
  return typeof value === 'string' && (REQUEST_CHANNELS as string[]).includes(value);
}

export function isEventChannel(value: unknown): value is EventChannel {
  return typeof value === 'string' && (EVENT_CHANNELS as string[]).includes(value);
}

/** Validates a request: the channel must exist and its parameters must pass its validator. */
export function validateRequest<C extends RequestChannel>(channel: unknown, params: unknown): { channel: C; params: ParamsOf<C> } {
  if (!isRequestChannel(channel)) {
    throw new InvalidParamsError(`unknown request channel ${JSON.stringify(channel)} (known: ${REQUEST_CHANNELS.join(', ')})`);
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
