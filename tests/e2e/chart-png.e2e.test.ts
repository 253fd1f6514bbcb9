/**
 * The Export step's PNG of a chart, with the real Chart.js on a real canvas in Debian's Chromium:
 * twice the size on screen and at least 1200 pixels wide, and the chart on screen as it was after.
 * The renderer's own chart-png.ts is bundled (esbuild, which Vite brings) into a blank page.
 */
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, CHROMIUM_PATH, ROOT } from './serve';

const ENTRY = `
import { Chart, registerables } from 'chart.js';
import { chartPng } from './src/renderer/src/chart-png';
Chart.register(...registerables);
/** A line chart in a box \`width\` CSS pixels wide: the PNG's size, and the canvas's before and after. */
window.savePng = (width) => {
  const box = document.createElement('div');
  box.style.cssText = 'position: relative; height: 240px; width: ' + width + 'px';
  const canvas = document.createElement('canvas');
  box.append(canvas);
  document.body.append(box);
  const chart = new Chart(canvas, { type: 'line', data: { labels: [1, 2, 3], datasets: [{ label: 'loss', data: [3, 1, 2] }] }, options: { animation: false, responsive: true, maintainAspectRatio: false } });
  const before = [canvas.width, canvas.height];
  const png = atob(chartPng(chart).split(',')[1]);
  const int = (at) => ((png.charCodeAt(at) << 24) | (png.charCodeAt(at + 1) << 16) | (png.charCodeAt(at + 2) << 8) | png.charCodeAt(at + 3)) >>> 0;
  const after = [canvas.width, canvas.height, canvas.style.width];
  chart.destroy();
  box.remove();
  return { signature: png.slice(1, 4), png: [int(16), int(20)], before, after };
};
`;

describe('a chart saved as PNG', () => {
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    const bundle = await build({
      stdin: { contents: ENTRY, resolveDir: ROOT, loader: 'ts', sourcefile: 'chart-png-entry.ts' },
      bundle: true,
      format: 'iife',
      write: false,
      logLevel: 'silent',
    });
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
    await page.setContent('<!doctype html><html><body style="margin:0"></body></html>');
    await page.addScriptTag({ content: bundle.outputFiles[0]!.text });
  });

  afterAll(async () => {
    await browser?.close();
  });

  it.each([
    { width: 800, png: [1600, 480] },
    { width: 600, png: [1200, 480] },
    // Narrower than 600 on screen: still 1200 wide for a slide.
    { width: 400, png: [1200, 720] },
  ])(
    'of a chart $width px wide is $png.0 × $png.1 pixels, and the chart on screen is drawn as before',
    async ({ width, png }) => {
      const r = (await page.evaluate(`window.savePng(${width})`)) as {
        signature: string;
        png: number[];
        before: number[];
        after: [number, number, string];
      };
      expect(r.signature).toBe('PNG');
      expect(r.png).toEqual(png);
      expect(r.before).toEqual([width, 240]);
      expect(r.after).toEqual([width, 240, `${width}px`]);
    },
  );
});
