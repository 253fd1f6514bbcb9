/**
 * The HTML report of a small real comparison fits its page in Debian's Chromium: a 1280×800
 * window, and an A4 sheet in portrait (print media at the sheet's width, 794 px, and at the width
 * inside the report's page margins). Measured in the page: no horizontal overflow, and no table
 * that needs its scroll box.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/engine/cli';
import { exportFile } from '../../src/engine/services/compare';
import { CHROMIUM_ARGS, CHROMIUM_PATH, ROOT } from './serve';

const SHOTS = path.join(ROOT, 'test-results', 'e2e');
/** A4 at 96 px per inch, and inside the report's 12 mm page margins. */
const A4 = 794;
const A4_INSIDE = Math.floor(((210 - 2 * 12) / 25.4) * 96);

/** What sticks out: the page's scroll width, and the first elements reaching past the window. */
const OVERFLOW = `(() => {
  const w = document.documentElement.clientWidth;
  const wide = [...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > w + 0.5);
  return { scrollWidth: document.documentElement.scrollWidth, clientWidth: w, wide: wide.slice(0, 5).map((e) => e.tagName + '.' + e.className) };
})()`;

describe('the HTML report fits a 1280 px window and an A4 page', () => {
  let browser: Browser;
  let url: string;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    // Every variant and a FLOP-matched baseline: the widest tables the report draws.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'stacklab-report-fit-'));
    const err: string[] = [];
    const code = await runCli(
      [
        'train',
        '--data',
        'sample',
        '--variants',
        'baseline,gradstack,midas,gstack,progressive',
        '--flop-matched',
        'midas',
        '--preset',
        'tiny',
        '--steps',
        '20',
        '--seeds',
        '2',
        '--device',
        'cpu',
        '--out',
        dir,
      ],
      { out: () => undefined, err: (l) => err.push(l) },
    );
    expect(code, err.join('\n')).toBe(0);
    url = pathToFileURL((await exportFile('report', dir)).savedTo).href;
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  });

  afterAll(async () => {
    await browser?.close();
  });

  it.each([
    { name: 'screen-1280', width: 1280, media: 'screen' as const },
    { name: 'print-a4', width: A4, media: 'print' as const },
    { name: 'print-a4-inside-margins', width: A4_INSIDE, media: 'print' as const },
  ])('$name: nothing wider than the page', async ({ name, width, media }) => {
    const page = await browser.newPage({ viewport: { width, height: 800 } });
    await page.emulateMedia({ media });
    await page.goto(url);
    const m = (await page.evaluate(OVERFLOW)) as { scrollWidth: number; clientWidth: number; wide: string[] };
    await page.screenshot({ path: path.join(SHOTS, `report-${name}.png`), fullPage: true });
    expect(m.clientWidth).toBe(width);
    expect(m.wide).toEqual([]);
    expect(m.scrollWidth).toBeLessThanOrEqual(width);
    // No table relies on its scroll box (print has none): each fits as it is.
    expect(
      await page.evaluate(
        `[...document.querySelectorAll('.table-wrap')].filter((t) => t.scrollWidth > t.clientWidth).length`,
      ),
    ).toBe(0);
    await page.close();
  });

  it("draws the best variant's anomaly scores against time", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(url);
    expect(await page.locator('figure.chart.wide figcaption').textContent()).toMatch(
      /^Anomaly scores of .+ \(seed \d+, the best VUS-PR\) on the test part$/,
    );
    expect(await page.locator('figure.chart.wide svg text.axis').first().textContent()).toMatch(
      /^(seconds|minutes|hours|days) since \d{4}-\d\d-\d\d \d\d:\d\d \(UTC[+−]\d\d:\d\d\)$/,
    );
    await page.close();
  });

  it('keeps each printed heading with its note and what follows (no heading alone at a page foot)', async () => {
    const page = await browser.newPage({ viewport: { width: A4_INSIDE, height: 800 } });
    await page.emulateMedia({ media: 'print' });
    await page.goto(url);
    const headings = (await page.evaluate(`[...document.querySelectorAll('h2')].map((h) => {
      const after = getComputedStyle(h, '::after');
      const note = h.nextElementSibling?.matches('p.muted') ? getComputedStyle(h.nextElementSibling) : null;
      return { text: h.textContent, breakAfter: getComputedStyle(h).breakAfter, reserve: parseFloat(after.height),
        overlap: parseFloat(after.marginBottom), noteBreak: note ? note.breakAfter : 'none' };
    })`)) as { text: string; breakAfter: string; reserve: number; overlap: number; noteBreak: string }[];
    const training = headings.find((h) => h.text === 'Training')!;
    expect(training).toBeDefined();
    for (const h of headings) {
      expect(h.breakAfter, h.text).toBe('avoid');
      // Room reserved below it on its page (8 lines or more), taken back so the layout is unchanged.
      expect(h.reserve, h.text).toBeGreaterThanOrEqual(100);
      expect(h.overlap, h.text).toBe(-h.reserve);
    }
    expect(training.noteBreak).toBe('avoid');
    await page.close();
  });
});
