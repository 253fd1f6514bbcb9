/**
 * Request/response/event plumbing over any message transport (a WebSocket, a worker process).
 * Pure TypeScript: used by the renderer's WebSocket client and by the hosts' worker clients.
 */
import {
  RemoteError,
  type EventChannel,
  type EventMap,
  type ParamsOf,
  type RequestChannel,
  type ResultOf,
  type StackLabApi,
  type Unsubscribe,
  type WireMessage,
} from './ipc';

/** Typed listener sets keyed by event channel. */
export class EventHub {
  private readonly listeners = new Map<string, Set<(payload: unknown) => void>>();

  on<E extends EventChannel>(event: E, listener: (payload: EventMap[E]) => void): Unsubscribe {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    const l = listener as (payload: unknown) => void;
    set.add(l);
    return () => {
      set.delete(l);
    };
  }

  emit(event: string, payload: unknown): void {
    for (const l of [...(this.listeners.get(event) ?? [])]) l(payload);
  }

  listenerCount(event: string): number {
    return this.listeners.get(event)?.size ?? 0;
  }
}

export interface RpcTransport {
  send(message: WireMessage): void;
}

/** An error raised for every pending request when the transport goes away. */
export class TransportClosedError extends Error {
  override readonly name = 'TransportClosedError';
}

/**
 * The client half of the wire protocol: `invoke` sends a request and resolves with its
 * response; `handleMessage` must be called with every message the transport receives.
 */
export class RpcClient implements StackLabApi {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly hub = new EventHub();
  private closedWith: Error | undefined;

  constructor(private readonly transport: RpcTransport) {}

  invoke<C extends RequestChannel>(channel: C, params: ParamsOf<C>): Promise<ResultOf<C>> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    const id = this.nextId++;
    return new Promise<ResultOf<C>>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      try {
        this.transport.send({ kind: 'request', id, channel, params });
      } catch (err) {
        this.pending.delete(id);
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
  }

  on<E extends EventChannel>(event: E, listener: (payload: EventMap[E]) => void): Unsubscribe {
    return this.hub.on(event, listener);
  }

  handleMessage(message: WireMessage): void {
    if (message.kind === 'event') {
      this.hub.emit(message.event, message.payload);
      return;
    }
    if (message.kind !== 'response') return;
    const waiter = this.pending.get(message.id);
    if (!waiter) return;
    this.pending.delete(message.id);
    if (message.ok) waiter.resolve(message.result);
    else waiter.reject(new RemoteError(message.error));
  }

  /** Fails every pending request and every later one with `reason`. */
  close(reason: string): void {
    this.closedWith = new TransportClosedError(reason);
    for (const w of this.pending.values()) w.reject(this.closedWith);
    this.pending.clear();
  }
}

/** Parses one JSON wire message, rejecting anything that is not shaped like one. */
export function parseWireMessage(text: string): WireMessage {
  const msg: unknown = JSON.parse(text);
  if (typeof msg !== 'object' || msg === null || !('kind' in msg)) throw new Error('not a wire message');
  const kind = (msg as { kind: unknown }).kind;
  if (kind !== 'request' && kind !== 'response' && kind !== 'event') throw new Error(`unknown message kind ${JSON.stringify(kind)}`);
  return msg as WireMessage;
}
