/**
 * The window rules of the desktop app, applied to every web contents the app ever creates (from
 * the global `web-contents-created` event, not only to the main window): no navigation away, no
 * frames or redirects elsewhere, no webviews, no new windows, no permissions or devices; https
 * links open in the user's browser, http ones only after the user confirms.
 */
import { BrowserWindow, dialog, session, shell, type WebContents } from 'electron';
import { externalUrlAction, isAppUrl, secureWebPreferences } from './security';

export function hardenSession(): void {
  const ses = session.defaultSession;
  // The app needs no camera, microphone, notifications, geolocation, …
  ses.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  // … and no USB, HID, serial or Bluetooth device: refuse the permission and every chooser.
  ses.setDevicePermissionHandler(() => false);
  ses.on('select-usb-device', (event, _details, callback) => {
    event.preventDefault();
    callback();
  });
  ses.on('select-hid-device', (event, _details, callback) => {
    event.preventDefault();
    callback();
  });
  ses.on('select-serial-port', (event, _ports, _contents, callback) => {
    event.preventDefault();
    callback('');
  });
}

/** Opens a link outside the app by the rules of `externalUrlAction`. */
export async function openExternalLink(url: string, parent: BrowserWindow | null): Promise<boolean> {
  const action = externalUrlAction(url);
  if (action === 'refuse') return false;
  if (action === 'confirm') {
    const options = {
      type: 'question' as const,
      buttons: ['Open in browser', 'Cancel'],
      defaultId: 1,
      cancelId: 1,
      message: 'Open an unencrypted (http) link?',
      detail: `${url}\n\nThis page is not served over https: what you send or receive there can be read on the way.`,
    };
    const r = parent ? await dialog.showMessageBox(parent, options) : await dialog.showMessageBox(options);
    if (r.response !== 0) return false;
  }
  await shell.openExternal(url);
  return true;
}

/** The rules for one web contents (any window, frame host or view). */
export function hardenWebContents(contents: WebContents, devServerUrl?: string): void {
  const foreign = (url: string) => !isAppUrl(url, devServerUrl);
  contents.on('will-navigate', (event, url) => {
    if (foreign(url)) event.preventDefault();
  });
  // Frames too (an iframe navigating to another site, or the top frame by a script in one).
  contents.on('will-frame-navigate', (details) => {
    if (foreign(details.url)) details.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (foreign(url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  // Web Bluetooth's chooser is per web contents: cancel it (an empty id chooses none).
  contents.on('select-bluetooth-device', (event, _devices, callback) => {
    event.preventDefault();
    callback('');
  });
  contents.setWindowOpenHandler(({ url }) => {
    void openExternalLink(url, BrowserWindow.fromWebContents(contents));
    return { action: 'deny' };
  });
}

export function createMainWindow(opts: {
  preload: string;
  startUrl: string;
  devServerUrl?: string;
  devTools?: boolean;
}): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280,
    height: 800,
    minWidth: 960,
    minHeight: 640,
    show: false,
    title: 'StackLab',
    backgroundColor: '#0f1419',
    webPreferences: secureWebPreferences(opts.preload, opts.devTools ?? false),
  });
  win.once('ready-to-show', () => win.show());
  void win.loadURL(opts.startUrl);
  return win;
}
