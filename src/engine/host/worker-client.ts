/**
 * Starts the engine worker as a Node child process (server mode) and talks to it through an
 * `RpcClient`. A worker that dies fails its pending requests with a clear error and is
 * started again on the next request.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { EventChannel, EventMap, ParamsOf, RequestChannel, ResultOf, StackLabApi, Unsubscribe, WireMessage } from '../../shared/ipc';
import { EventHub, RpcClient } from '../../shared/rpc';

/** The worker's entry file beside this one: `.ts` when run from source (tsx), `.js` when built. */
export function workerEntry(): { file: string; execArgv: string[] } {
  const fromSource = import.meta.url.endsWith('.ts');
  const file = fileURLToPath(new URL(fromSource ? './worker.ts' : './worker.js', import.meta.url));
  return { file, execArgv: fromSource ? ['--import', 'tsx'] : [] };
}

export interface EngineWorkerOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** The worker script; `workerEntry()` (the source beside this file) by default. */
  readonly entry?: { readonly file: string; readonly execArgv: string[] };
  /** Called with a one-line reason whenever the worker exits unexpectedly. */
  readonly onExit?: (reason: string) => void;
}

export class EngineWorker implements StackLabApi {
  private child: ChildProcess | undefined;
  private client: RpcClient | undefined;
  private readonly hub = new EventHub();
  private stopping = false;

  constructor(private readonly options: EngineWorkerOptions = {}) {}

  private ensure(): RpcClient {
    if (this.client && this.child) return this.client;
    const { file, execArgv } = this.options.entry ?? workerEntry();
    const child = fork(file, [], {
      execArgv,
      env: { ...process.env, STACKLAB_HOST: 'server', ...this.options.env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const client = new RpcClient({ send: (m) => child.send(m) });
    child.on('message', (m) => {
      const msg = m as WireMessage;
      if (msg.kind === 'event') this.hub.emit(msg.event, msg.payload);
      else client.handleMessage(msg);
    });
    child.on('exit', (code, signal) => {
      const reason = `the engine process exited (${signal ?? `code ${code}`})`;
      client.close(reason);
      if (this.child === child) {
        this.child = undefined;
        this.client = undefined;
      }
      if (!this.stopping) this.options.onExit?.(reason);
    });
    this.child = child;
    this.client = client;
    return client;
  }

  invoke<C extends RequestChannel>(channel: C, params: ParamsOf<C>): Promise<ResultOf<C>> {
    return this.ensure().invoke(channel, params);
  }

  on<E extends EventChannel>(event: E, listener: (payload: EventMap[E]) => void): Unsubscribe {
    return this.hub.on(event, listener);
  }

  /** The worker's process id, once started. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.stopping = true;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill();
    });
    this.stopping = false;
  }
}
