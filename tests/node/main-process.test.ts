/**
 * The Electron main process's wiring, with the `electron` module replaced by a recorder
 * (the Electron binary cannot run here). What is tested is our code: which handlers it installs
 * and what they do with trusted, foreign and malformed input.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { StackLabApi } from '../../src/shared/ipc';
import { EventHub } from '../../src/shared/rpc';

const electron = vi.hoisted(() => {
  const ipcHandlers = new Map<string, (...args: unknown[]) => unknown>();
  const windows: { options: Record<string, unknown>; on: Map<string, (...a: unknown[]) => void>; openHandler?: (d: { url: string }) => unknown; loaded?: string }[] = [];
  let protocolHandler: ((req: Request) => Promise<Response>) | undefined;
  return {
    ipcHandlers,
    windows,
    getProtocolHandler: () => protocolHandler,
    openExternal: vi.fn(async (_url: string) => undefined),
    fetch: vi.fn(async (url: string) => new Response(`body of ${url}`, { headers: { 'content-type': 'text/javascript' } })),
    permissionHandler: undefined as undefined | ((wc: unknown, permission: string, cb: (ok: boolean) => void) => void),
    dialogs: [] as unknown[],
    dialogAnswer: { canceled: false, filePaths: ['/plant/line3.csv'] },
    module: {
      dialog: {
        showOpenDialog: async (...args: unknown[]) => {
          electron.dialogs.push(args.at(-1));
          return electron.dialogAnswer;
        },
      },
      ipcMain: {
        handle: (ch: string, fn: (...args: unknown[]) => unknown) => ipcHandlers.set(ch, fn),
        removeHandler: (ch: string) => ipcHandlers.delete(ch),
      },
      shell: { openExternal: (url: string) => electron.openExternal(url) },
      net: { fetch: (url: string) => electron.fetch(url) },
      protocol: {
        registerSchemesAsPrivileged: vi.fn(),
        handle: (_scheme: string, fn: (req: Request) => Promise<Response>) => {
          protocolHandler = fn;
        },
      },
      session: {
        defaultSession: {
          setPermissionRequestHandler: (fn: typeof electron.permissionHandler) => {
            electron.permissionHandler = fn;
          },
          setPermissionCheckHandler: vi.fn(),
        },
      },
      BrowserWindow: class {
        static fromWebContents() {
          return null;
        }
        webContents: Record<string, unknown>;
        constructor(options: Record<string, unknown>) {
          const record: (typeof windows)[number] = { options, on: new Map() };
          windows.push(record);
          this.webContents = {
            on: (ev: string, fn: (...a: unknown[]) => void) => record.on.set(ev, fn),
            setWindowOpenHandler: (fn: (d: { url: string }) => unknown) => {
              record.openHandler = fn;
            },
          };
        }
        once() {}
        show() {}
        loadURL(url: string) {
          windows.at(-1)!.loaded = url;
          return Promise.resolve();
        }
      },
    },
  };
});
vi.mock('electron', () => electron.module);

const { registerIpc } = await import('../../src/main/ipc');
const { createMainWindow, hardenSession } = await import('../../src/main/window');
const { handleAppProtocol } = await import('../../src/main/protocol');
const { IPC_EVENT, IPC_INVOKE } = await import('../../src/shared/ipc-wire');

class RecordingApi implements StackLabApi {
  readonly hub = new EventHub();
  readonly calls: unknown[] = [];
  invoke: StackLabApi['invoke'] = async (channel, params) => {
    this.calls.push([channel, params]);
    return { answered: channel } as never;
  };
  on: StackLabApi['on'] = (event, listener) => this.hub.on(event, listener);
}

const frame = (url: string, parent: unknown = null) => ({ senderFrame: { url, parent } });

describe('IPC handlers of the main process', () => {
  let api: RecordingApi;
  let sent: unknown[][];
  let dispose: () => void;
  beforeEach(() => {
    api = new RecordingApi();
    sent = [];
    const target = { isDestroyed: () => false, send: (...a: unknown[]) => sent.push(a) };
    const gone = { isDestroyed: () => true, send: () => sent.push(['destroyed window got a message']) };
    dispose = registerIpc(api, () => [target, gone] as never);
  });
  const invoke = (event: unknown, channel: unknown, params: unknown) => electron.ipcHandlers.get(IPC_INVOKE)!(event, channel, params);

  it('forwards a validated request from the app window to the engine', async () => {
    expect(await invoke(frame('app://stacklab/index.html'), 'system.info', { refresh: true })).toEqual({ ok: true, result: { answered: 'system.info' } });
    expect(api.calls).toEqual([['system.info', { refresh: true }]]);
    dispose();
  });

  it.each([
    ['a foreign page', frame('https://evil.example/')],
    ['a subframe of the app', frame('app://stacklab/index.html', {})],
    ['an unknown sender', { senderFrame: null }],
  ])('refuses requests from %s', async (_what, event) => {
    const reply = await invoke(event, 'system.info', {});
    expect(reply).toMatchObject({ ok: false, error: { name: 'SecurityError' } });
    expect(api.calls).toEqual([]);
    dispose();
  });

  it('refuses invalid parameters before they reach the engine', async () => {
    const reply = await invoke(frame('app://stacklab/index.html'), 'system.info', { refresh: 'x' });
    expect(reply).toMatchObject({ ok: false, error: { name: 'InvalidParamsError', message: expect.stringMatching(/"refresh"/) } });
    expect(await invoke(frame('app://stacklab/index.html'), 'fs.readFile', {})).toMatchObject({ ok: false });
    expect(api.calls).toEqual([]);
    dispose();
  });

  it('answers the open dialog itself, never asking the engine', async () => {
    const app = frame('app://stacklab/index.html');
    expect(await invoke({ ...app, sender: {} }, 'system.pickPath', { kind: 'file' })).toEqual({ ok: true, result: { path: '/plant/line3.csv' } });
    expect(electron.dialogs.at(-1)).toMatchObject({ properties: ['openFile'] });
    electron.dialogAnswer = { canceled: true, filePaths: [] };
    expect(await invoke({ ...app, sender: {} }, 'system.pickPath', { kind: 'folder' })).toEqual({ ok: true, result: { path: null } });
    expect(electron.dialogs.at(-1)).toMatchObject({ properties: ['openDirectory', 'createDirectory'] });
    expect(await invoke({ ...app, sender: {} }, 'system.pickPath', { kind: 'disk' })).toMatchObject({ ok: false, error: { name: 'InvalidParamsError' } });
    expect(await invoke(frame('https://evil.example/'), 'system.pickPath', { kind: 'file' })).toMatchObject({ ok: false, error: { name: 'SecurityError' } });
    expect(api.calls).toEqual([]);
    dispose();
  });

  it('streams engine events to live windows only, and unregisters cleanly', () => {
    api.hub.emit('system.providerProbed', { name: 'cpu', available: true, probeMs: 1 });
    expect(sent).toEqual([[IPC_EVENT, 'system.providerProbed', { name: 'cpu', available: true, probeMs: 1 }]]);
    dispose();
    expect(electron.ipcHandlers.has(IPC_INVOKE)).toBe(false);
    api.hub.emit('system.providerProbed', { name: 'cpu', available: true, probeMs: 1 });
    expect(sent).toHaveLength(1);
  });
});

describe('the main window', () => {
  it('is created with the secure preferences and blocks navigation and new windows', () => {
    hardenSession();
    const denied = vi.fn();
    electron.permissionHandler!(null, 'media', denied);
    expect(denied).toHaveBeenCalledWith(false);

    createMainWindow({ preload: '/p/index.cjs', startUrl: 'app://stacklab/index.html' });
    const win = electron.windows.at(-1)!;
    expect(win.loaded).toBe('app://stacklab/index.html');
    expect(win.options.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, preload: '/p/index.cjs' });

    const nav = (url: string) => {
      const event = { preventDefault: vi.fn() };
      win.on.get('will-navigate')!(event, url);
      return event.preventDefault.mock.calls.length > 0;
    };
    expect(nav('https://evil.example/')).toBe(true);
    expect(nav('file:///etc/passwd')).toBe(true);
    expect(nav('app://stacklab/index.html')).toBe(false);

    expect(win.openHandler!({ url: 'https://onnxruntime.ai/docs' })).toEqual({ action: 'deny' });
    expect(electron.openExternal).toHaveBeenCalledWith('https://onnxruntime.ai/docs');
    electron.openExternal.mockClear();
    expect(win.openHandler!({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    expect(win.openHandler!({ url: 'javascript:alert(1)' })).toEqual({ action: 'deny' });
    expect(electron.openExternal).not.toHaveBeenCalled();
  });
});

describe('the app:// protocol', () => {
  it('serves files of the renderer folder with the CSP, and nothing else', async () => {
    const dir = path.resolve('/srv/renderer');
    handleAppProtocol(dir);
    const handler = electron.getProtocolHandler()!;
    const res = await handler(new Request('app://stacklab/assets/index.js'));
    expect(res.status).toBe(200);
    expect(electron.fetch).toHaveBeenLastCalledWith(pathToFileURL(path.join(dir, 'assets/index.js')).toString());
    expect(res.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    electron.fetch.mockClear();
    expect((await handler(new Request('app://elsewhere/index.html'))).status).toBe(404);
    expect((await handler(new Request('app://stacklab/%2e%2e%2fsecret.js'))).status).toBe(404);
    expect(electron.fetch).not.toHaveBeenCalled();
  });
});
