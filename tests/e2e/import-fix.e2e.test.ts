/**
 * A failed import fixed in the browser, as a user meets it: a `status` column with RUN/STOP is
 * taken for the anomaly label and the import fails; the Import step still shows the file's
 * columns and roles, the advice names the app's controls, and giving the column another role
 * imports the file.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, CHROMIUM_PATH, ROOT, startServe } from './serve';

const SHOTS = path.join(ROOT, 'test-results', 'e2e');

describe('a failed import, fixed through the roles table', () => {
  let serve: Awaited<ReturnType<typeof startServe>>;
  let browser: Browser;
  let page: Page;
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'stacklab-e2e-status-')), 'line3.csv');

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    const rows = ['timestamp,temp,pressure,status'];
    for (let i = 0; i < 600; i++)
      rows.push(
        `2026-01-01T${String(Math.floor(i / 3600)).padStart(2, '0')}:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')},${(20 + Math.sin(i / 10)).toFixed(3)},${(1 + Math.cos(i / 7)).toFixed(3)},${i % 100 < 80 ? 'RUN' : 'STOP'}`,
      );
    writeFileSync(file, `${rows.join('\n')}\n`);
    serve = await startServe();
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(serve.url);
  });

  afterAll(async () => {
    await browser?.close();
    await serve?.stop();
  });

  it('shows the columns of the file that failed, and imports it once the status column is an event marker', async () => {
    await page.getByTestId('path').fill(file);
    await page.getByTestId('import').click();
    await page.getByTestId('import-error').waitFor({ timeout: 30_000 });
    const message = (await page.getByTestId('import-error').textContent())!;
    expect(message).toMatch(/the label value "RUN" is neither a number nor a known word/);
    expect(message).toMatch(/Label values/);
    expect(message).not.toMatch(/--label-map|--ignore/);
    await page.getByTestId('import-fix').waitFor();
    const status = page.getByTestId('import-fix').locator('select[data-column="status"]');
    expect(await status.inputValue()).toBe('label');
    await page.screenshot({ path: path.join(SHOTS, 'import-fix-1-failed.png'), fullPage: true });
    await status.selectOption('event');
    await page.getByTestId('import-success').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('import-error').count()).toBe(0);
    expect(await page.getByTestId('roles').locator('select[data-column="status"]').inputValue()).toBe('event');
    await page.screenshot({ path: path.join(SHOTS, 'import-fix-2-imported.png'), fullPage: true });
  });

  it('maps the label values instead, when STOP is the abnormal state', async () => {
    await page.getByTestId('roles').locator('select[data-column="status"]').selectOption('label');
    await page.getByTestId('import-fix').waitFor({ timeout: 30_000 });
    await page.getByTestId('label-values-input').fill('RUN=normal, STOP=abnormal');
    await page.getByTestId('label-values-apply').click();
    await page.getByTestId('import-success').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('profile').locator('[data-card="labels"]').textContent()).toMatch(/20(\.0)?%/);
  });
});
