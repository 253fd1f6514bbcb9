/**
 * IPC between the renderer and the engine: one invoke channel and one event channel on the
 * wire, the typed contract on top. Every call is checked twice before it reaches the engine:
 * the sender must be the app's own top frame, and the parameters must pass the channel's validator.
 */
import {
  BrowserWindow,
  dialog,
  ipcMain,
  type IpcMainInvokeEvent,
  type OpenDialogOptions,
  type WebContents,
} from 'electron';
import { EVENT_CHANNELS, toWireError, validateRequest, type StackLabApi } from '../shared/ipc';
import { IPC_EVENT, IPC_INVOKE } from '../shared/ipc-wire';
import { isAppUrl } from './security';

export type InvokeReply = { ok: true; result: unknown } | { ok: false; error: { name: string; message: string } };

export function registerIpc(api: StackLabApi, targets: () => WebContents[], devServerUrl?: string): () => void {
  const trusted = (event: IpcMainInvokeEvent): boolean => {
    const frame = event.senderFrame;
    return frame !== null && frame.parent === null && isAppUrl(frame.url, devServerUrl);
  };

  // Errors travel as values: Electron would otherwise prefix and mangle their messages.
  ipcMain.handle(IPC_INVOKE, async (event, channel: unknown, params: unknown): Promise<InvokeReply> => {
    if (!trusted(event)) {
      return {
        ok: false,
        error: { name: 'SecurityError', message: 'IPC refused: the sender is not the StackLab window' },
      };
    }
    try {
      const req = validateRequest(channel, params);
      // The native open dialog belongs to the window, so the main process answers it itself.
      if (req.channel === 'system.pickPath')
        return { ok: true, result: await pickPath(event, (req.params as { kind: 'file' | 'folder' | 'labels' }).kind) };
      return { ok: true, result: await api.invoke(req.channel, req.params as never) };
    } catch (err) {
      return { ok: false, error: toWireError(err) };
    }
  });

  const unsubscribers = EVENT_CHANNELS.map((name) =>
    api.on(name, (payload) => {
      for (const wc of targets()) if (!wc.isDestroyed()) wc.send(IPC_EVENT, name, payload);
    }),
  );

  return () => {
    ipcMain.removeHandler(IPC_INVOKE);
    for (const u of unsubscribers) u();
  };
}

const DIALOGS: Record<'file' | 'folder' | 'labels', OpenDialogOptions> = {
  file: {
    title: 'Choose a data file (CSV, Excel or Parquet)',
    properties: ['openFile'],
    filters: [
      { name: 'Data files', extensions: ['csv', 'txt', 'tsv', 'dat', 'xlsx', 'parquet'] },
      { name: 'All files', extensions: ['*'] },
    ],
  },
  folder: { title: 'Choose a folder', properties: ['openDirectory', 'createDirectory'] },
  labels: {
    title: 'Choose a labels file (anomaly windows)',
    properties: ['openFile'],
    filters: [
      { name: 'JSON', extensions: ['json'] },
      { name: 'All files', extensions: ['*'] },
    ],
  },
};

/** Shows the native open dialog over the asking window; null when the user cancels. */
async function pickPath(
  event: IpcMainInvokeEvent,
  kind: 'file' | 'folder' | 'labels',
): Promise<{ path: string | null }> {
  const win = BrowserWindow.fromWebContents(event.sender);
  const options = DIALOGS[kind];
  const r = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
  return { path: r.canceled ? null : (r.filePaths[0] ?? null) };
}
