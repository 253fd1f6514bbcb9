/** The main window, hardened: no navigation away, no new windows, no permissions, http(s) links to the browser. */
import { BrowserWindow, session, shell } from 'electron';
import { isAppUrl, isSafeExternalUrl, secureWebPreferences } from './security';

export function hardenSession(): void {
  // The app needs no camera, microphone, notifications, geolocation, …
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
}

export function createMainWindow(opts: { preload: string; startUrl: string; devServerUrl?: string }): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280,
    height: 800,
    minWidth: 960,
    minHeight: 640,
    show: false,
    title: 'StackLab',
    backgroundColor: '#0f1419',
    webPreferences: secureWebPreferences(opts.preload),
  });
  win.once('ready-to-show', () => win.show());

  win.webContents.on('will-navigate', (event, url) => {
    if (!isAppUrl(url, opts.devServerUrl)) event.preventDefault();
  });
  win.webContents.on('will-redirect', (event, url) => {
    if (!isAppUrl(url, opts.devServerUrl)) event.preventDefault();
  });
  win.webContents.on('will-attach-webview', (event) => event.preventDefault());
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (isSafeExternalUrl(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });

  void win.loadURL(opts.startUrl);
  return win;
}
