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
  const windows: {
    options: Record<string, unknown>;
    on: Map<string, (...a: unknown[]) => void>;
    openHandler?: (d: { url: string }) => unknown;
    loaded?: string;
  }[] = [];
  let protocolHandler: ((req: Request) => Promise<Response>) | undefined;
  return {
    ipcHandlers,
    windows,
    getProtocolHandler: () => protocolHandler,
    openExternal: vi.fn(async (_url: string) => undefined),
    fetch: vi.fn(
      async (url: string) => new Response(`body of ${url}`, { headers: { 'content-type': 'text/javascript' } }),
    ),
    permissionHandler: undefined as undefined | ((wc: unknown, permission: string, cb: (ok: boolean) => void) => void),
    dialogs: [] as unknown[],
    dialogAnswer: { canceled: false, filePaths: ['/plant/line3.csv'] },
    messageBoxes: [] as { message: string; detail: string }[],
    messageBoxAnswer: 1,
    devicePermissionHandler: undefined as undefined | ((details: unknown) => boolean),
    sessionEvents: new Map<string, (...a: unknown[]) => void>(),
    appEvents: new Map<string, (...a: unknown[]) => void>(),
    menu: undefined as unknown,
    ready: (() => {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      return { promise, resolve };
    })(),
    module: {
      app: {
        isPackaged: true,
        on: (ev: string, fn: (...a: unknown[]) => void): void => {
          electron.appEvents.set(ev, fn);
        },
        whenReady: (): Promise<void> => electron.ready.promise,
        requestSingleInstanceLock: () => true,
        getPath: () => '/tmp/stacklab-user-data',
        quit: vi.fn(),
      },
      Menu: {
        buildFromTemplate: (t: unknown) => ({ built: t }),
        setApplicationMenu: (m: unknown) => {
          electron.menu = m;
        },
      },
      utilityProcess: { fork: vi.fn() },
      dialog: {
        showOpenDialog: async (...args: unknown[]) => {
          electron.dialogs.push(args.at(-1));
          return electron.dialogAnswer;
        },
        showMessageBox: async (...args: unknown[]): Promise<{ response: number }> => {
          electron.messageBoxes.push(args.at(-1) as { message: string; detail: string });
          return { response: electron.messageBoxAnswer };
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
          setDevicePermissionHandler: (fn: (details: unknown) => boolean): void => {
            electron.devicePermissionHandler = fn;
          },
          on: (ev: string, fn: (...a: unknown[]) => void): void => {
            electron.sessionEvents.set(ev, fn);
          },
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
const { createMainWindow, hardenSession, hardenWebContents } = await import('../../src/main/window');
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
  const invoke = (event: unknown, channel: unknown, params: unknown) =>
    electron.ipcHandlers.get(IPC_INVOKE)!(event, channel, params);

  it('forwards a validated request from the app window to the engine', async () => {
    expect(await invoke(frame('app://stacklab/index.html'), 'system.info', { refresh: true })).toEqual({
      ok: true,
      result: { answered: 'system.info' },
    });
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
    expect(reply).toMatchObject({
      ok: false,
      error: { name: 'InvalidParamsError', message: expect.stringMatching(/"refresh"/) },
    });
    expect(await invoke(frame('app://stacklab/index.html'), 'fs.readFile', {})).toMatchObject({ ok: false });
    expect(api.calls).toEqual([]);
    dispose();
  });

  it('answers the open dialog itself, never asking the engine', async () => {
    const app = frame('app://stacklab/index.html');
    expect(await invoke({ ...app, sender: {} }, 'system.pickPath', { kind: 'file' })).toEqual({
      ok: true,
      result: { path: '/plant/line3.csv' },
    });
    expect(electron.dialogs.at(-1)).toMatchObject({ properties: ['openFile'] });
    electron.dialogAnswer = { canceled: true, filePaths: [] };
    expect(await invoke({ ...app, sender: {} }, 'system.pickPath', { kind: 'folder' })).toEqual({
      ok: true,
      result: { path: null },
    });
    expect(electron.dialogs.at(-1)).toMatchObject({ properties: ['openDirectory', 'createDirectory'] });
    expect(await invoke({ ...app, sender: {} }, 'system.pickPath', { kind: 'disk' })).toMatchObject({
      ok: false,
      error: { name: 'InvalidParamsError' },
    });
    expect(await invoke(frame('https://evil.example/'), 'system.pickPath', { kind: 'file' })).toMatchObject({
      ok: false,
      error: { name: 'SecurityError' },
    });
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

/** A web contents that records the handlers our code installs on it. */
function fakeContents() {
  const on = new Map<string, (...a: unknown[]) => void>();
  let openHandler: ((d: { url: string }) => unknown) | undefined;
  return {
    on,
    open: (url: string) => openHandler!({ url }),
    contents: {
      on: (ev: string, fn: (...a: unknown[]) => void) => on.set(ev, fn),
      setWindowOpenHandler: (fn: (d: { url: string }) => unknown) => {
        openHandler = fn;
      },
    },
  };
}
const flush = () => new Promise((r) => setTimeout(r, 0));

describe('the window rules', () => {
  it('the session refuses every permission and every device, and cancels the device choosers', () => {
    hardenSession();
    const denied = vi.fn();
    electron.permissionHandler!(null, 'media', denied);
    expect(denied).toHaveBeenCalledWith(false);
    expect(electron.devicePermissionHandler!({ deviceType: 'usb', origin: 'app://stacklab' })).toBe(false);
    for (const [ev, args] of [
      ['select-usb-device', [{ deviceList: [{ deviceId: 'u1' }] }]],
      ['select-hid-device', [{ deviceList: [{ deviceId: 'h1' }] }]],
      ['select-serial-port', [[{ portId: 's1' }], {}]],
    ] as const) {
      const event = { preventDefault: vi.fn() };
      const callback = vi.fn();
      electron.sessionEvents.get(ev)!(event, ...args, callback);
      expect(event.preventDefault, ev).toHaveBeenCalled();
      expect(callback, ev).toHaveBeenCalledTimes(1);
      expect(
        callback.mock.calls[0]!.filter((x: unknown) => x),
        ev,
      ).toEqual([]);
    }
  });

  it('blocks navigation, frame navigation and redirects away from the app, and webviews', () => {
    const f = fakeContents();
    hardenWebContents(f.contents as never);
    const blocked = (ev: string, url: string) => {
      const event = { preventDefault: vi.fn() };
      if (ev === 'will-frame-navigate') f.on.get(ev)!(Object.assign(event, { url, isMainFrame: false }));
      else f.on.get(ev)!(event, url);
      return event.preventDefault.mock.calls.length > 0;
    };
    for (const ev of ['will-navigate', 'will-frame-navigate', 'will-redirect']) {
      expect(blocked(ev, 'https://evil.example/'), ev).toBe(true);
      expect(blocked(ev, 'file:///etc/passwd'), ev).toBe(true);
      expect(blocked(ev, 'http://localhost:5173/'), ev).toBe(true);
      expect(blocked(ev, 'app://stacklab/index.html'), ev).toBe(false);
    }
    const dev = fakeContents();
    hardenWebContents(dev.contents as never, 'http://localhost:5173/');
    const event = { preventDefault: vi.fn() };
    dev.on.get('will-navigate')!(event, 'http://localhost:5173/compare');
    expect(event.preventDefault).not.toHaveBeenCalled();
    const webview = { preventDefault: vi.fn() };
    f.on.get('will-attach-webview')!(webview);
    expect(webview.preventDefault).toHaveBeenCalled();
    const bluetooth = { preventDefault: vi.fn() };
    const chosen = vi.fn();
    f.on.get('select-bluetooth-device')!(bluetooth, [{ deviceId: 'b1', deviceName: 'sensor' }], chosen);
    expect(bluetooth.preventDefault).toHaveBeenCalled();
    expect(chosen).toHaveBeenCalledWith('');
  });

  it('denies new windows: https opens in the browser, http only after the user confirms, file: and javascript: never', async () => {
    const f = fakeContents();
    hardenWebContents(f.contents as never);
    electron.openExternal.mockClear();
    expect(f.open('https://onnxruntime.ai/docs')).toEqual({ action: 'deny' });
    await flush();
    expect(electron.openExternal).toHaveBeenCalledWith('https://onnxruntime.ai/docs');
    electron.openExternal.mockClear();

    electron.messageBoxAnswer = 1; // Cancel
    expect(f.open('http://plant.example/report')).toEqual({ action: 'deny' });
    await flush();
    expect(electron.messageBoxes.at(-1)).toMatchObject({
      message: expect.stringMatching(/unencrypted/),
      detail: expect.stringContaining('http://plant.example/report'),
    });
    expect(electron.openExternal).not.toHaveBeenCalled();
    electron.messageBoxAnswer = 0; // Open in browser
    f.open('http://plant.example/report');
    await flush();
    expect(electron.openExternal).toHaveBeenCalledWith('http://plant.example/report');
    electron.openExternal.mockClear();

    const boxes = electron.messageBoxes.length;
    for (const url of ['file:///etc/passwd', 'javascript:alert(1)', 'smb://host/share'])
      expect(f.open(url)).toEqual({ action: 'deny' });
    await flush();
    expect(electron.openExternal).not.toHaveBeenCalled();
    expect(electron.messageBoxes).toHaveLength(boxes);
  });

  it('the main window has the secure preferences and DevTools off unless asked for', () => {
    createMainWindow({ preload: '/p/index.cjs', startUrl: 'app://stacklab/index.html' });
    const win = electron.windows.at(-1)!;
    expect(win.loaded).toBe('app://stacklab/index.html');
    expect(win.options.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      devTools: false,
      preload: '/p/index.cjs',
    });
    createMainWindow({ preload: '/p/index.cjs', startUrl: 'app://stacklab/index.html', devTools: true });
    expect(electron.windows.at(-1)!.options.webPreferences).toMatchObject({ devTools: true });
  });
});

describe('the packaged app’s start-up (src/main/index.ts)', () => {
  it('hardens every web contents as it is created, ignores ELECTRON_RENDERER_URL, and has no DevTools in its menu', async () => {
    process.env.ELECTRON_RENDERER_URL = 'https://evil.example/';
    const before = electron.windows.length;
    await import('../../src/main/index');
    delete process.env.ELECTRON_RENDERER_URL;
    // The global handler exists before any window does.
    const created = electron.appEvents.get('web-contents-created')!;
    expect(created).toBeTypeOf('function');
    const f = fakeContents();
    created({}, f.contents);
    expect([...f.on.keys()].sort()).toEqual([
      'select-bluetooth-device',
      'will-attach-webview',
      'will-frame-navigate',
      'will-navigate',
      'will-redirect',
    ]);
    expect(f.open('javascript:alert(1)')).toEqual({ action: 'deny' });

    electron.ready.resolve();
    await flush();
    const win = electron.windows.at(-1)!;
    expect(electron.windows.length).toBe(before + 1);
    expect(win.loaded).toBe('app://stacklab/index.html');
    expect(win.options.webPreferences).toMatchObject({ devTools: false });
    const roles = JSON.stringify(electron.menu);
    expect(roles).toContain('"copy"');
    expect(roles).not.toMatch(/toggleDevTools|"reload"|forceReload/);
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
