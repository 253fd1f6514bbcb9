/**
 * The proof of concept as a user does it, in Debian's Chromium against server mode: import the
 * sample plant, train baseline, GradStack and MIDAS (tiny preset), compare, export the report.
 * A screenshot of every step goes to test-results/e2e/flow-*.png.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, CHROMIUM_PATH, ROOT, startServe } from './serve';

const SHOTS = path.join(ROOT, 'test-results', 'e2e');

describe('the proof of concept in the browser', () => {
  let serve: Awaited<ReturnType<typeof startServe>>;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];
  const shot = (name: string) => page.screenshot({ path: path.join(SHOTS, `flow-${name}.png`), fullPage: true });

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    serve = await startServe();
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    await page.goto(serve.url);
  });

  afterAll(async () => {
    await browser?.close();
    await serve?.stop();
  });

  it('imports the built-in sample plant and shows its profile, roles, preview and plot', async () => {
    await page.getByTestId('use-sample').click();
    await page.getByTestId('import-success').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('profile').textContent()).toMatch(/20[,. ]?160/);
    expect(await page.getByTestId('roles').locator('select').count()).toBeGreaterThanOrEqual(10);
    expect(await page.getByTestId('preview').locator('tbody tr').count()).toBeGreaterThan(5);
    expect(await page.getByTestId('plot-summary').textContent()).toMatch(/anomal/i);
    await shot('1-import');
    // A reload keeps the imported data set on screen (the engine keeps the session).
    await page.reload();
    await page.getByTestId('import-success').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('profile').textContent()).toMatch(/20[,. ]?160/);
    expect(await page.locator('main h2').first().textContent()).toBe('Import plant data');
  });

  it('chooses baseline, GradStack and MIDAS with the tiny preset and sees an estimate', async () => {
    await page.getByTestId('next').click();
    for (const v of ['baseline', 'gradstack', 'midas'])
      expect(await page.getByTestId(`variant-${v}`).locator('input[type=checkbox]').isChecked()).toBe(true);
    await page.getByTestId('preset').selectOption('tiny');
    // Four layers in blocks of one: GradStack (copy the top block) and MIDAS (copy the middle) differ.
    await page.getByTestId('layers').fill('4');
    await page.getByTestId('block').fill('1');
    await page.getByTestId('steps').fill('60');
    await page.getByTestId('device').selectOption('cpu');
    await page.getByTestId('estimate-row').first().waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('estimate-row').count()).toBe(3);
    expect(await page.getByTestId('estimate-total').textContent()).toMatch(/\d/);
    await expect
      .poll(() => page.getByTestId('variant-midas').getByTestId('depths').textContent())
      .toMatch(/1.*2.*3.*4/);
    await shot('2-variants');
    // A reload reopens the Variants step with the form as it was, and the data set behind it.
    await page.waitForTimeout(500);
    await page.reload();
    await expect
      .poll(() => page.locator('main h2').first().textContent(), { timeout: 30_000 })
      .toBe('Choose training variants');
    expect(await page.getByTestId('preset').inputValue()).toBe('tiny');
    expect(await page.getByTestId('layers').inputValue()).toBe('4');
    expect(await page.getByTestId('block').inputValue()).toBe('1');
    expect(await page.getByTestId('steps').inputValue()).toBe('60');
    expect(await page.getByTestId('device').inputValue()).toBe('cpu');
    await page.getByTestId('estimate-row').first().waitFor({ timeout: 60_000 });
  });

  it('trains with live progress until every run is finished', async () => {
    await page.getByTestId('start-training').click();
    await expect.poll(() => page.locator('main h2').first().textContent()).toBe('Train');
    await expect.poll(() => page.getByTestId('run-row').count(), { timeout: 30_000 }).toBe(9);
    await page.getByTestId('run-progress').first().waitFor();
    await shot('3-train-live');
    // A reload in the middle of training reopens the Train step with every run, still streaming.
    await page.reload();
    await expect.poll(() => page.locator('main h2').first().textContent(), { timeout: 30_000 }).toBe('Train');
    await expect.poll(() => page.getByTestId('run-row').count(), { timeout: 30_000 }).toBe(9);
    await page.getByTestId('finished-banner').waitFor({ timeout: 300_000 });
    const statuses = await page.getByTestId('run-status').allTextContents();
    expect(statuses).toHaveLength(9);
    for (const s of statuses) expect(s).toMatch(/finished/i);
    await shot('3-train-finished');
  });

  it('compares the three variants side by side with numbers and a verdict', async () => {
    await page.getByTestId('go-compare').click();
    await page.getByTestId('compare-table').waitFor({ timeout: 60_000 });
    const rows = page.getByTestId('compare-row');
    expect(await rows.count()).toBe(3);
    expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-variant')))).toEqual([
      'baseline',
      'gradstack',
      'midas',
    ]);
    for (const text of await rows.allTextContents()) expect(text).toMatch(/0\.\d{3}/);
    // The primary metric first, then the speed-up: worded only when its interval excludes 1, either
    // way given with its interval.
    expect(await page.getByTestId('verdict').textContent()).toMatch(
      /MIDAS (detects anomalies|and the baseline detect anomalies).*?VUS-PR.*?; (it trains [\d.]+x (faster|slower)|no measurable difference in time) \(speed-up [\d.]+x \[/,
    );
    // The bottom line before the details.
    expect(await page.getByTestId('bottom-line').textContent()).toMatch(/\.$/);
    expect(await page.getByTestId('baselines-table').textContent()).toMatch(/Isolation Forest/);
    await shot('4-compare');
  });

  it('exports the self-contained report and shows where the job folder is', async () => {
    await page.getByTestId('next').click();
    const folder = (await page.getByTestId('run-folder').textContent())!;
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-report').click()]);
    // Named after the job (its automatic name: data, variants, preset, start time).
    expect(download.suggestedFilename()).toMatch(/^[\w.-]+-\d{4}-\d\d-\d\d[\w.-]*-report\.html$/);
    const file = await download.path();
    const html = readFileSync(file, 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('midas');
    expect(html).not.toMatch(/<script/i);
    await page.getByTestId('saved-report').waitFor();
    expect(await page.getByTestId('saved-report').textContent()).toContain(download.suggestedFilename());
    expect(folder.length).toBeGreaterThan(5);
    await shot('5-export');
  });

  it('fits 1280 and 1920 px wide on every step and in Settings (no horizontal overflow), screenshots of each', async () => {
    // In the page (a string: this file is type-checked without the DOM library): controls wider than their card, and the page's own overflow.
    const overflow = () =>
      page.evaluate(`(() => {
        const wide = [...document.querySelectorAll('main select, main input, main table')].filter((el) => {
          const box = el.closest('section, .panel, .card, fieldset, form');
          return box && el.getBoundingClientRect().right > box.getBoundingClientRect().right + 1 && !el.closest('.table-scroll, .scroll');
        });
        return { page: document.documentElement.scrollWidth - window.innerWidth, wide: wide.map((el) => el.getAttribute('data-testid') || el.tagName) };
      })()`) as Promise<{ page: number; wide: string[] }>;
    for (const [width, height] of [
      [1280, 800],
      [1920, 1080],
    ] as const) {
      await page.setViewportSize({ width, height });
      for (const [i, step] of ['import', 'variants', 'train', 'compare', 'export'].entries()) {
        await page.locator(`[data-step="${step}"]`).click();
        await page.locator('main h2').first().waitFor();
        expect(await overflow(), `${step} at ${width}`).toEqual({ page: 0, wide: [] });
        await page.screenshot({ path: path.join(SHOTS, `${width}-${i + 1}-${step}.png`), fullPage: true });
      }
      await page.getByTestId('open-settings').click();
      await page.locator('#settings-title').waitFor();
      expect(await overflow(), `settings at ${width}`).toEqual({ page: 0, wide: [] });
      await page.screenshot({ path: path.join(SHOTS, `${width}-settings.png`), fullPage: true });
      await page.getByTestId('open-settings').click();
    }
    // At 1920 the content uses the width: wider than the old 1100 px column.
    expect((await page.locator('main').boundingBox())!.width).toBeGreaterThan(1500);
  });

  it('ran without page errors', () => {
    expect(problems).toEqual([]);
  });
});
