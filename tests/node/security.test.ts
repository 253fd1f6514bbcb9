import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { contentType, resolveStaticPath } from '../../src/engine/host/static-files';
import { isAppUrl, isSafeExternalUrl, secureWebPreferences } from '../../src/main/security';
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

  it('opens only http(s) URLs externally', () => {
    expect(isSafeExternalUrl('https://example.com/docs')).toBe(true);
    expect(isSafeExternalUrl('http://localhost:3000')).toBe(true);
    for (const bad of ['file:///etc/passwd', 'javascript:alert(1)', 'smb://host/share', 'app://stacklab/x', 'not a url', 'https://user:pw@example.com']) {
      expect(isSafeExternalUrl(bad), bad).toBe(false);
    }
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
    for (const p of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt', '/a%00.js', '/..\\secret.txt', '/%E0%A4%A.js']) {
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
