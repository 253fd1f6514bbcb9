/**
 * The engine process of the desktop app: an Electron utilityProcess running the services
 * (src/engine/host/worker.ts, built to out/main/engine-worker.js). Restarted on the next
 * request after a crash; pending requests fail with the reason.
 */
import { utilityProcess, type UtilityProcess } from 'electron';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EventChannel, EventMap, ParamsOf, RequestChannel, ResultOf, StackLabApi, Unsubscribe, WireMessage } from '../shared/ipc';
import { EventHub, RpcClient } from '../shared/rpc';

export class ElectronEngineHost implements StackLabApi {
  private proc: UtilityProcess | undefined;
  private client: RpcClient | undefined;
  private readonly hub = new EventHub();

  constructor(private readonly env: Record<string, string>) {}

  private ensure(): RpcClient {
    if (this.proc && this.client) return this.client;
    const proc = utilityProcess.fork(path.join(path.dirname(fileURLToPath(import.meta.url)), 'engine-worker.js'), [], {
      serviceName: 'StackLab engine',
      env: { ...process.env, ...this.env, STACKLAB_HOST: 'electron' },
      stdio: 'inherit',
    });
    const client = new RpcClient({ send: (m) => proc.postMessage(m) });
    proc.on('message', (m: WireMessage) => {
      if (m.kind === 'event') this.hub.emit(m.event, m.payload);
      else client.handleMessage(m);
    });
    proc.on('exit', (code) => {
      client.close(`the engine process exited (code ${code})`);
      if (this.proc === proc) {
        this.proc = undefined;
        this.client = undefined;
      }
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

  stop(): void {
    this.proc?.kill();
  }
}
