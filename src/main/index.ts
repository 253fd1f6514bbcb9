/**
 * The Electron main process: wires the window, the app:// protocol, IPC and the engine
 * process together. It computes nothing itself; the engine runs in a utilityProcess.
 */
import { app, BrowserWindow, Menu } from 'electron';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultRunsDir } from '../engine/paths';
import { ElectronEngineHost } from './engine-host';
import { registerIpc } from './ipc';
import { handleAppProtocol, registerAppSchemePrivileges } from './protocol';
import { APP_ORIGIN, applicationMenu, devServerUrlFrom } from './security';
import { createMainWindow, hardenSession, hardenWebContents } from './window';

const here = path.dirname(fileURLToPath(import.meta.url));
// The dev server only in an unpackaged app, and only on this machine (never from a packaged build's environment).
const devServerUrl = devServerUrlFrom(app.isPackaged, process.env);

// Every web contents gets the window rules, from the moment it exists (not only the main window).
app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, devServerUrl));

registerAppSchemePrivileges();
if (!app.requestSingleInstanceLock()) app.quit();

const engine = new ElectronEngineHost({
  STACKLAB_ELECTRON_VERSION: process.versions.electron,
  STACKLAB_RUNS_DIR: defaultRunsDir(),
  STACKLAB_CONFIG_DIR: app.getPath('userData'),
});

function openWindow(): BrowserWindow {
  return createMainWindow({
    preload: path.join(here, '../preload/index.cjs'),
    startUrl: devServerUrl ?? `${APP_ORIGIN}/index.html`,
    ...(devServerUrl ? { devServerUrl } : {}),
    devTools: !app.isPackaged,
  });
}

app.whenReady().then(() => {
  hardenSession();
  // A packaged build's menu has no DevTools or reload entries (and its windows no DevTools at all).
  Menu.setApplicationMenu(
    Menu.buildFromTemplate(applicationMenu(app.isPackaged, process.platform) as Electron.MenuItemConstructorOptions[]),
  );
  handleAppProtocol(path.join(here, '../renderer'));
  registerIpc(engine, () => BrowserWindow.getAllWindows().map((w) => w.webContents), devServerUrl);
  openWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) openWindow();
  });
});

app.on('second-instance', () => {
  const win = BrowserWindow.getAllWindows()[0];
  if (win) {
    if (win.isMinimized()) win.restore();
    win.focus();
  }
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

app.on('will-quit', () => engine.stop());
