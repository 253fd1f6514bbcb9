/**
 * Request/response/event plumbing over any message transport (a WebSocket, a worker process).
 * Pure TypeScript: used by the renderer's WebSocket client and by the hosts' worker clients.
 */
import {
  isEventChannel,
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

  /** Sends `payload` to the event's listeners; the payload's type is the event's (EventMap). */
  emit<E extends EventChannel>(event: E, payload: EventMap[E]): void {
    for (const l of [...(this.listeners.get(event) ?? [])]) l(payload);
  }

  /**
   * An event message from the transport (our own engine's): forwarded when its channel is one
   * of ours, dropped otherwise. The only place an untyped payload enters the hub.
   */
  emitWire(message: { readonly event: string; readonly payload: unknown }): void {
    if (isEventChannel(message.event)) this.emit(message.event, message.payload as EventMap[typeof message.event]);
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
      this.hub.emitWire(message);
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
  if (kind !== 'request' && kind !== 'response' && kind !== 'event')
    throw new Error(`unknown message kind ${JSON.stringify(kind)}`);
  return msg as WireMessage;
}

/** A started engine process, as the supervisor sees it. */
export interface EngineProcess {
  send(message: WireMessage): void;
  /** Ask the process to end; `exited` fires when it has. */
  kill(): void;
  readonly pid: number | undefined;
}

export interface EngineProcessHooks {
  message(message: WireMessage): void;
  /** The process ended; `reason` is a one-line description (exit code or signal). */
  exited(reason: string): void;
}

/**
 * Runs the services in a separate process and restarts it on the next request after it dies.
 * Pending requests of a dead process fail with its exit reason. `start` is the only
 * host-specific part: a Node child process (server mode) or an Electron utilityProcess.
 */
export class SupervisedEngine implements StackLabApi {
  private proc: EngineProcess | undefined;
  private client: RpcClient | undefined;
  private readonly hub = new EventHub();
  private exitWaiters: (() => void)[] = [];
  private stopping = false;

  constructor(
    private readonly start: (hooks: EngineProcessHooks) => EngineProcess,
    private readonly onUnexpectedExit?: (reason: string) => void,
  ) {}

  private ensure(): RpcClient {
    if (this.proc && this.client) return this.client;
    // Only the current process's client is ever open, so it always sends to `this.proc`.
    const client = new RpcClient({ send: (m) => this.proc?.send(m) });
    const proc = this.start({
      message: (m) => {
        if (m.kind === 'event') this.hub.emitWire(m);
        else client.handleMessage(m);
      },
      exited: (reason) => {
        client.close(reason);
        if (this.proc === proc) {
          this.proc = undefined;
          this.client = undefined;
        }
        if (!this.stopping) this.onUnexpectedExit?.(reason);
        for (const w of this.exitWaiters.splice(0)) w();
      },
    });
    this.proc = proc;
    this.client = client;
    return client;
  }

  invoke<C extends RequestChannel>(channel: C, params: ParamsOf<C>): Promise<ResultOf<C>> {
    return this.ensure().invoke(channel, params);
  }

  on<E extends EventChannel>(event: E, listener: (payload: EventMap[E]) => void): Unsubscribe {
    return this.hub.on(event, listener);
  }

  /** The engine process's id, once started. */
  get pid(): number | undefined {
    return this.proc?.pid;
  }

  /** Ends the engine process (if running) and waits for it to exit. */
  async stop(): Promise<void> {
    const proc = this.proc;
    if (!proc) return;
    this.stopping = true;
    await new Promise<void>((resolve) => {
      this.exitWaiters.push(resolve);
      proc.kill();
    });
    this.stopping = false;
  }
}
