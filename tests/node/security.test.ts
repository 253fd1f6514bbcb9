import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { contentType, resolveStaticPath } from '../../src/engine/host/static-files';
import {
  applicationMenu,
  devServerUrlFrom,
  externalUrlAction,
  isAppUrl,
  secureWebPreferences,
  type MenuTemplateItem,
} from '../../src/main/security';
import { CSP_HEADER, CSP_META } from '../../src/shared/csp';

describe('Electron window security', () => {
  it('keeps isolation and the sandbox on and Node out of the page', () => {
    const prefs = secureWebPreferences('/app/preload.cjs');
    expect(prefs).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      webviewTag: false,
      allowRunningInsecureContent: false,
      preload: '/app/preload.cjs',
    });
  });

  it('opens https links in the browser, http ones only after a confirmation, nothing else', () => {
    expect(externalUrlAction('https://example.com/docs')).toBe('open');
    expect(externalUrlAction('http://localhost:3000')).toBe('confirm');
    expect(externalUrlAction('HTTP://plant.example/report')).toBe('confirm');
    for (const bad of [
      'file:///etc/passwd',
      'javascript:alert(1)',
      'smb://host/share',
      'app://stacklab/x',
      'not a url',
      'https://user:pw@example.com',
      'data:text/html,<b>x</b>',
      'ms-settings:privacy',
    ]) {
      expect(externalUrlAction(bad), bad).toBe('refuse');
    }
  });

  it('DevTools stay off unless asked for (the packaged build never asks)', () => {
    expect(secureWebPreferences('/p.cjs').devTools).toBe(false);
    expect(secureWebPreferences('/p.cjs', true).devTools).toBe(true);
  });

  it('honours ELECTRON_RENDERER_URL only in an unpackaged app and only on this machine', () => {
    expect(devServerUrlFrom(false, { ELECTRON_RENDERER_URL: 'http://localhost:5173' })).toBe('http://localhost:5173/');
    expect(devServerUrlFrom(false, { ELECTRON_RENDERER_URL: 'http://127.0.0.1:5173/' })).toBe('http://127.0.0.1:5173/');
    expect(devServerUrlFrom(true, { ELECTRON_RENDERER_URL: 'http://localhost:5173' })).toBeUndefined();
    for (const bad of [
      'https://evil.example/',
      'file:///tmp/index.html',
      'http://user@localhost:5173/',
      'http://localhost.evil.example/',
      'not a url',
      '',
    ]) {
      expect(devServerUrlFrom(false, { ELECTRON_RENDERER_URL: bad }), bad).toBeUndefined();
    }
    expect(devServerUrlFrom(false, {})).toBeUndefined();
  });

  it('the packaged menu has no DevTools or reload; the development menu has them', () => {
    const roles = (items: readonly MenuTemplateItem[]): string[] =>
      items.flatMap((i) => [...(i.role ? [i.role] : []), ...roles(i.submenu ?? [])]);
    for (const platform of ['linux', 'win32', 'darwin'] as const) {
      const packaged = roles(applicationMenu(true, platform));
      expect(packaged, platform).not.toContain('toggleDevTools');
      expect(packaged, platform).not.toContain('reload');
      expect(packaged, platform).not.toContain('forceReload');
      expect(packaged, platform).toEqual(expect.arrayContaining(['copy', 'paste', 'zoomIn']));
      expect(roles(applicationMenu(false, platform)), platform).toContain('toggleDevTools');
    }
    expect(roles(applicationMenu(true, 'darwin'))).toContain('quit');
  });

  it('recognises only the app origin (and the dev server while developing) as the app', () => {
    expect(isAppUrl('app://stacklab/index.html')).toBe(true);
    expect(isAppUrl('app://other/index.html')).toBe(false);
    expect(isAppUrl('https://evil.example/')).toBe(false);
    expect(isAppUrl('http://localhost:5173/', 'http://localhost:5173')).toBe(true);
    expect(isAppUrl('http://localhost:5174/', 'http://localhost:5173')).toBe(false);
    expect(isAppUrl('http://localhost:5173/')).toBe(false);
  });
});

describe('Content-Security-Policy', () => {
  it('allows only the app itself', () => {
    expect(CSP_META).toContain("default-src 'self'");
    expect(CSP_META).toContain("script-src 'self'");
    expect(CSP_META).toContain("object-src 'none'");
    expect(CSP_META).not.toMatch(/unsafe-eval|unsafe-inline|\*/);
    expect(CSP_HEADER).toBe(`${CSP_META}; frame-ancestors 'none'`);
  });
});

describe('static file resolution', () => {
  const root = path.resolve('/srv/renderer');
  it('maps paths inside the root and falls back to index.html for routes', () => {
    expect(resolveStaticPath(root, '/assets/a.js')).toBe(path.join(root, 'assets/a.js'));
    expect(resolveStaticPath(root, '/')).toBe(path.join(root, 'index.html'));
    expect(resolveStaticPath(root, '/compare')).toBe(path.join(root, 'index.html'));
  });
  it('refuses anything that escapes the root', () => {
    for (const p of [
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/a%00.js',
      '/..\\secret.txt',
      '/%E0%A4%A.js',
    ]) {
      const r = resolveStaticPath(root, p);
      expect(r === null || r === path.join(root, 'index.html'), p).toBe(true);
    }
  });
  it('types the files it serves', () => {
    expect(contentType('a.js')).toMatch(/javascript/);
    expect(contentType('a.CSS')).toMatch(/text\/css/);
    expect(contentType('a.bin')).toBe('application/octet-stream');
  });
});
