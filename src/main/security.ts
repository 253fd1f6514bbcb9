/**
 * The security rules of the desktop app, as pure functions (no `electron` import) so that
 * they are unit-tested without the Electron binary.
 */

/** The scheme the production renderer is served from (`app://stacklab/index.html`). */
export const APP_SCHEME = 'app';
export const APP_HOST = 'stacklab';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

/** webPreferences of every window: isolated, sandboxed, no Node in the page; DevTools only while developing. */
export function secureWebPreferences(preloadPath: string, devTools = false) {
  return {
    preload: preloadPath,
    devTools,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    spellcheck: false,
  } as const;
}

/**
 * What a link that leaves the app may do: https opens in the user's browser, plain http only
 * after the user confirms (it is not encrypted), anything else (file:, javascript:, smb:, custom
 * schemes, URLs with credentials) never leaves.
 */
export function externalUrlAction(raw: string): 'open' | 'confirm' | 'refuse' {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'refuse';
  }
  if (url.username !== '' || url.password !== '') return 'refuse';
  if (url.protocol === 'https:') return 'open';
  if (url.protocol === 'http:') return 'confirm';
  return 'refuse';
}

/**
 * The dev server URL electron-vite passes in ELECTRON_RENDERER_URL, honoured only in an unpackaged
 * app and only for a loopback http(s) address: a packaged app never loads its UI from elsewhere,
 * whatever its environment says.
 */
export function devServerUrlFrom(
  isPackaged: boolean,
  env: Readonly<Record<string, string | undefined>>,
): string | undefined {
  const raw = env.ELECTRON_RENDERER_URL;
  if (isPackaged || !raw) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  const loopback = url.hostname === 'localhost' || url.hostname === '127.0.0.1' || url.hostname === '[::1]';
  return (url.protocol === 'http:' || url.protocol === 'https:') &&
    loopback &&
    url.username === '' &&
    url.password === ''
    ? url.href
    : undefined;
}

/** A menu item as Electron's Menu.buildFromTemplate takes it (roles only: no code of ours runs). */
export interface MenuTemplateItem {
  readonly label?: string;
  readonly role?: string;
  readonly type?: 'separator';
  readonly submenu?: readonly MenuTemplateItem[];
}

/** The application menu: the usual editing and window roles; Reload and DevTools only while developing. */
export function applicationMenu(isPackaged: boolean, platform: NodeJS.Platform): MenuTemplateItem[] {
  const mac = platform === 'darwin';
  const view: MenuTemplateItem[] = [
    ...(isPackaged
      ? []
      : [{ role: 'reload' }, { role: 'forceReload' }, { role: 'toggleDevTools' }, { type: 'separator' as const }]),
    { role: 'resetZoom' },
    { role: 'zoomIn' },
    { role: 'zoomOut' },
    { type: 'separator' },
    { role: 'togglefullscreen' },
  ];
  return [
    ...(mac
      ? [
          {
            label: 'StackLab',
            submenu: [
              { role: 'about' },
              { type: 'separator' as const },
              { role: 'hide' },
              { role: 'hideOthers' },
              { role: 'unhide' },
              { type: 'separator' as const },
              { role: 'quit' },
            ],
          },
        ]
      : []),
    { label: 'File', submenu: [mac ? { role: 'close' } : { role: 'quit' }] },
    {
      label: 'Edit',
      submenu: [
        { role: 'undo' },
        { role: 'redo' },
        { type: 'separator' },
        { role: 'cut' },
        { role: 'copy' },
        { role: 'paste' },
        { role: 'selectAll' },
      ],
    },
    { label: 'View', submenu: view },
    {
      label: 'Window',
      submenu: [{ role: 'minimize' }, ...(mac ? [{ role: 'zoom' }, { role: 'front' }] : [{ role: 'close' }])],
    },
  ];
}

/**
 * Whether a URL is the app's own renderer: the app:// origin in production, or the dev
 * server's origin while developing. Used for IPC sender checks and navigation rules.
 */
export function isAppUrl(raw: string, devServerUrl?: string): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  if (url.protocol === `${APP_SCHEME}:` && url.host === APP_HOST) return true;
  if (!devServerUrl) return false;
  try {
    return url.origin === new URL(devServerUrl).origin;
  } catch {
    return false;
  }
}
