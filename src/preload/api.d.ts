import type { StackLabApi } from '../shared/ipc';

declare global {
  interface Window {
    /** Present in the Electron app (set by the preload); absent in server mode. */
    stacklab?: StackLabApi;
  }
}
export {};
