/**
 * The server-mode client: the IPC contract over a WebSocket to `/ws` of the page's own origin.
 * Reconnects after a drop; requests made while disconnected fail at once with a clear error.
 */
import type {
  EventChannel,
  EventMap,
  ParamsOf,
  RequestChannel,
  ResultOf,
  StackLabApi,
  Unsubscribe,
} from '../../../shared/ipc';
import { EventHub, parseWireMessage, RpcClient } from '../../../shared/rpc';

export type ConnectionState = 'connecting' | 'open' | 'closed';

/** The part of the WebSocket API the client uses: the browser's, or the `ws` package's in tests. */
export interface SocketLike {
  send(data: string): void;
  close(): void;
  addEventListener(type: 'open' | 'error', listener: () => void): void;
  addEventListener(type: 'close', listener: (ev: { reason: string }) => void): void;
  addEventListener(type: 'message', listener: (ev: { data: unknown }) => void): void;
}
export type SocketConstructor = new (url: string) => SocketLike;

export interface LocationLike {
  readonly protocol: string;
  readonly host: string;
  readonly search: string;
}

export interface WsClientOptions {
  /** ws:// or wss:// URL of the endpoint, token included. */
  readonly url: string;
  readonly onStateChange?: (state: ConnectionState) => void;
  /** Delay before reconnecting after a drop, in milliseconds. */
  readonly reconnectMs?: number;
  /** Injected for tests; the browser's WebSocket otherwise. */
  readonly WebSocketImpl?: SocketConstructor;
}

/** The WebSocket endpoint of the page's own origin, carrying the token of the page's URL if any. */
export function endpointFromLocation(loc: LocationLike): string {
  const scheme = loc.protocol === 'https:' ? 'wss:' : 'ws:';
  const token = new URLSearchParams(loc.search).get('token');
  return `${scheme}//${loc.host}/ws${token ? `?token=${encodeURIComponent(token)}` : ''}`;
}

export class WsClient implements StackLabApi {
  private socket: SocketLike | undefined;
  private rpc: RpcClient | undefined;
  private opened: Promise<RpcClient> | undefined;
  private readonly hub = new EventHub();
  private disposed = false;

  constructor(private readonly options: WsClientOptions) {
    this.connect();
  }

  private connect(): Promise<RpcClient> {
    const Impl: SocketConstructor =
      this.options.WebSocketImpl ?? (globalThis as unknown as { WebSocket: SocketConstructor }).WebSocket;
    const socket = new Impl(this.options.url);
    const rpc = new RpcClient({ send: (m) => socket.send(JSON.stringify(m)) });
    this.socket = socket;
    this.options.onStateChange?.('connecting');
    this.opened = new Promise<RpcClient>((resolve, reject) => {
      socket.addEventListener('open', () => {
        this.rpc = rpc;
        this.options.onStateChange?.('open');
        resolve(rpc);
      });
      socket.addEventListener('close', (ev) => {
        const reason = `the connection to the StackLab server closed${ev.reason ? ` (${ev.reason})` : ''}; is \`npm run serve\` still running?`;
        rpc.close(reason);
        reject(new Error(reason));
        if (this.rpc === rpc) this.rpc = undefined;
        this.options.onStateChange?.('closed');
        if (!this.disposed) setTimeout(() => !this.disposed && this.connect(), this.options.reconnectMs ?? 2000);
      });
    });
    this.opened.catch(() => undefined);
    // A failed handshake or a dropped link is followed by 'close', which does the reporting.
    socket.addEventListener('error', () => undefined);
    socket.addEventListener('message', (ev) => {
      let msg;
      try {
        msg = parseWireMessage(String(ev.data));
      } catch {
        return;
      }
      if (msg.kind === 'event') this.hub.emitWire(msg);
      else rpc.handleMessage(msg);
    });
    return this.opened;
  }

  async invoke<C extends RequestChannel>(channel: C, params: ParamsOf<C>): Promise<ResultOf<C>> {
    const rpc = this.rpc ?? (await this.opened);
    if (!rpc) throw new Error('not connected to the StackLab server');
    return rpc.invoke(channel, params);
  }

  on<E extends EventChannel>(event: E, listener: (payload: EventMap[E]) => void): Unsubscribe {
    return this.hub.on(event, listener);
  }

  close(): void {
    this.disposed = true;
    this.socket?.close();
  }
}
