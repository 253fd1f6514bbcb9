/**
 * The engine process of the desktop app: an Electron utilityProcess running the services
 * (src/engine/host/worker.ts, built to out/main/engine-worker.js), supervised like the
 * server mode's child process.
 */
import { utilityProcess } from 'electron';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WireMessage } from '../shared/ipc';
import { SupervisedEngine } from '../shared/rpc';
import { cudaLibraryEnv } from '../engine/runtime/cuda-libs';

export class ElectronEngineHost extends SupervisedEngine {
  constructor(env: Record<string, string>) {
    super((hooks) => {
      const proc = utilityProcess.fork(
        path.join(path.dirname(fileURLToPath(import.meta.url)), 'engine-worker.js'),
        [],
        {
          serviceName: 'StackLab engine',
          // With the CUDA libraries on the library path: the loader reads it only when the process starts.
          env: { ...process.env, ...cudaLibraryEnv(), ...env, STACKLAB_HOST: 'electron' },
          stdio: 'inherit',
        },
      );
      proc.on('message', (m: WireMessage) => hooks.message(m));
      proc.on('exit', (code) => hooks.exited(`the engine process exited (code ${code})`));
      return { send: (m) => proc.postMessage(m), kill: () => proc.kill(), pid: proc.pid };
    });
  }
}
