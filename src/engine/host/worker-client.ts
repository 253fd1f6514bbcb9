/**
 * The engine worker as a Node child process (server mode; the built worker in tests), talked to
 * through `SupervisedEngine`: restarted on the next request after it dies.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { WireMessage } from '../../shared/ipc';
import { SupervisedEngine } from '../../shared/rpc';
import { cudaLibraryEnv } from '../runtime/cuda-libs';

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

export class EngineWorker extends SupervisedEngine {
  constructor(options: EngineWorkerOptions = {}) {
    super((hooks) => {
      const { file, execArgv } = options.entry ?? workerEntry();
      const child = fork(file, [], {
        execArgv,
        // With the CUDA libraries on the library path: the loader reads it only when the process starts.
        env: { ...process.env, ...cudaLibraryEnv(), STACKLAB_HOST: 'server', ...options.env },
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      child.on('message', (m) => hooks.message(m as WireMessage));
      child.on('exit', (code, signal) => hooks.exited(`the engine process exited (${signal ?? `code ${code}`})`));
      return { send: (m) => child.send(m), kill: () => child.kill(), pid: child.pid };
    }, options.onExit);
  }
}
