/**
 * The preload bridge: exposes one typed object, `window.stacklab`, implementing `StackLabApi`.
 * No logic beyond refusing channels the contract does not know.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { isEventChannel, isRequestChannel, RemoteError, type StackLabApi } from '../shared/ipc';
import { IPC_EVENT, IPC_INVOKE } from '../shared/ipc-wire';

type Reply = { ok: true; result: unknown } | { ok: false; error: { name: string; message: string } };

export const api: StackLabApi = {
  async invoke(channel, params) {
    if (!isRequestChannel(channel)) throw new Error(`unknown request channel ${JSON.stringify(channel)}`);
    const reply = (await ipcRenderer.invoke(IPC_INVOKE, channel, params)) as Reply;
    if (!reply.ok) throw new RemoteError(reply.error);
    return reply.result as never;
  },
  on(event, listener) {
    if (!isEventChannel(event)) throw new Error(`unknown event channel ${JSON.stringify(event)}`);
    const handler = (_e: IpcRendererEvent, name: string, payload: unknown) => {
      if (name === event) (listener as (p: unknown) => void)(payload);
    };
    ipcRenderer.on(IPC_EVENT, handler);
    return () => {
      ipcRenderer.removeListener(IPC_EVENT, handler);
    };
  },
};

export type PreloadApi = typeof api;

contextBridge.exposeInMainWorld('stacklab', api);
