import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/engine/cli';
import type { SystemInfo } from '../../src/shared/system';
import { CHROMIUM_ARGS, CHROMIUM_PATH, ROOT, startServe } from './serve';

const SHOTS = path.join(ROOT, 'test-results', 'e2e');

describe('the server-mode UI in Chromium', () => {
  let serve: Awaited<ReturnType<typeof startServe>>;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    serve = await startServe();
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
  });

  afterAll(async () => {
    await browser?.close();
    await serve?.stop();
  });

  it('refuses to load without the token', async () => {
    const res = await page.goto(serve.url.replace(/\?token=.*/, ''));
    expect(res?.status()).toBe(401);
    expect(await page.textContent('body')).toMatch(/needs the access token/);
  });

  it('shows the compute device that system.info reports', async () => {
    await page.goto(serve.url);
    const badge = page.getByTestId('device-badge');
    await badge.filter({ hasText: /^Device: / }).waitFor({ timeout: 60_000 });
    const lines: string[] = [];
    await runCli(['doctor', '--json', '--quick'], { out: (l) => lines.push(l), err: () => undefined });
    const info = JSON.parse(lines.at(-1)!) as SystemInfo;
    expect(await badge.textContent()).toBe(`Device: auto → ${info.defaultProvider}`);
    expect(await page.getByTestId('provider-cpu').textContent()).toContain('✓');
    expect(await page.locator('.status').textContent()).toContain('server');
  });

  it('walks through the five steps, each with its empty state', async () => {
    const titles = ['Import plant data', 'Choose training variants', 'Train', 'Compare', 'Export'];
    for (const [i, title] of titles.entries()) {
      await expect.poll(() => page.locator('main h2').textContent()).toBe(title);
      expect(await page.locator('[aria-current="step"]').textContent()).toContain(
        ['Import', 'Variants', 'Train', 'Compare', 'Export'][i],
      );
      expect(await page.getByTestId('empty-state').locator('.next').textContent()).toMatch(/^Next: /);
      await page.screenshot({ path: path.join(SHOTS, `${i + 1}-${title.split(' ')[0]!.toLowerCase()}.png`) });
      if (i < titles.length - 1) await page.getByTestId('next').click();
    }
    expect(await page.getByTestId('next').isDisabled()).toBe(true);
  });

  it('is keyboard navigable and has a dark theme', async () => {
    await page.locator('[data-step="import"]').focus();
    await page.keyboard.press('Enter');
    await page.keyboard.press('ArrowRight');
    expect(await page.locator('main h2').textContent()).toBe('Choose training variants');
    await page.emulateMedia({ colorScheme: 'dark' });
    const bg = await page.evaluate('getComputedStyle(document.documentElement).backgroundColor');
    expect(bg).toBe('rgb(15, 20, 25)');
    await page.screenshot({ path: path.join(SHOTS, '6-dark-theme.png') });
  });

  it('loaded without page errors or CSP violations', () => {
    // The only allowed console error is the 401 of the token-less request above.
    expect(problems.filter((p) => !/401/.test(p))).toEqual([]);
  });
});
