/**
 * A plant file with many channels (52, as the Tennessee Eastman process has) in a 1280 px window:
 * every wizard step fits the window (no horizontal scroll of the page, the Next button and every
 * chart caption on screen), in Debian's Chromium against server mode.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, CHROMIUM_PATH, ROOT, startServe } from './serve';

const SHOTS = path.join(ROOT, 'test-results', 'e2e');
const WIDTH = 1280;
const CHANNELS = 52;

/** What reaches past the window: the page's scroll width and the first elements beyond its right edge. */
const OVERFLOW = `(() => {
  const w = document.documentElement.clientWidth;
  const wide = [...document.querySelectorAll('body *')]
    .filter((e) => e.getClientRects().length && e.getBoundingClientRect().right > w + 0.5)
    .filter((e) => !e.closest('.scroll, .table-scroll, [data-scroll]'));
  return { scrollWidth: document.documentElement.scrollWidth, clientWidth: w,
    wide: wide.slice(0, 6).map((e) => e.tagName.toLowerCase() + (e.className ? '.' + String(e.className).replace(/ /g, '.') : '') + (e.dataset.testid ? '[' + e.dataset.testid + ']' : '')) };
})()`;

describe(`a ${CHANNELS}-channel file at ${WIDTH} px`, () => {
  let serve: Awaited<ReturnType<typeof startServe>>;
  let browser: Browser;
  let page: Page;
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'stacklab-e2e-wide-')), 'reactor-52.csv');

  const fits = async (name: string) => {
    await page.screenshot({ path: path.join(SHOTS, `wide-${name}.png`), fullPage: true });
    const m = (await page.evaluate(OVERFLOW)) as { scrollWidth: number; clientWidth: number; wide: string[] };
    expect(m.clientWidth, name).toBe(WIDTH);
    expect(m.wide, name).toEqual([]);
    expect(m.scrollWidth, name).toBeLessThanOrEqual(WIDTH);
  };
  const onScreen = async (testid: string) => {
    const box = (await page.getByTestId(testid).first().boundingBox())!;
    expect(box, testid).not.toBeNull();
    expect(box.x + box.width, testid).toBeLessThanOrEqual(WIDTH);
  };

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    // Long channel names (as historians write tags) and a labelled fault in the last fifth.
    const names = Array.from(
      { length: CHANNELS },
      (_, c) => `reactor_unit_${String(c + 1).padStart(2, '0')}_measurement`,
    );
    const rows = [`timestamp,${names.join(',')},label`];
    for (let i = 0; i < 1500; i++) {
      const t = new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString().slice(0, 19).replace('T', ' ');
      const fault = i >= 1250 && i < 1300;
      const v = names.map((_, c) => (Math.sin(i / (5 + c)) + (fault && c % 5 === 0 ? 3 : 0) + c).toFixed(3));
      rows.push(`${t},${v.join(',')},${fault ? 1 : 0}`);
    }
    writeFileSync(file, `${rows.join('\n')}\n`);
    serve = await startServe();
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: WIDTH, height: 800 } });
    await page.goto(serve.url);
  });

  afterAll(async () => {
    await browser?.close();
    await serve?.stop();
  });

  it('Import: the profile, roles, preview and plot fit, the Next button on screen', async () => {
    await page.getByTestId('path').fill(file);
    await page.getByTestId('import').click();
    await page.getByTestId('import-success').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('roles').locator('select').count()).toBe(CHANNELS + 2);
    await fits('1-import');
    await onScreen('next');
    await onScreen('plot-summary');
  });

  it('Variants, Train, Compare and Export fit as well', async () => {
    await page.getByTestId('next').click();
    await page.getByTestId('preset').selectOption('tiny');
    await page.getByTestId('layers').fill('2');
    await page.getByTestId('block').fill('1');
    await page.getByTestId('steps').fill('20');
    await page.getByTestId('seeds').fill('1');
    await fits('2-variants');
    await page.getByTestId('start-training').click();
    await page.getByTestId('go-compare').waitFor({ timeout: 240_000 });
    await fits('3-train');
    await page.getByTestId('go-compare').click();
    await page.getByTestId('compare-table').waitFor({ timeout: 60_000 });
    await fits('4-compare');
    await onScreen('next');
    await page.getByTestId('next').click();
    await page.getByTestId('run-folder').waitFor();
    await fits('5-export');
  }, 300_000);
});
