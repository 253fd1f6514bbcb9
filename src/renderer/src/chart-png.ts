/**
 * A chart as a PNG for slides: drawn again at twice its size on screen, and at least 1200 pixels
 * wide, then back at the screen's resolution. Chart.js redraws at another device pixel ratio with
 * the same layout, so the PNG looks as the chart does, only sharper.
 */
import type { Chart } from 'chart.js';

/** The least width of a saved PNG, in pixels, and how much larger than on screen it is at least. */
export const PNG_MIN_WIDTH = 1200;
export const PNG_SCALE = 2;

/** The parts of a Chart.js chart the export uses. */
export type PngChart = Pick<Chart, 'width' | 'options' | 'resize' | 'update' | 'toBase64Image'>;

/** The pixel ratio a chart `width` CSS pixels wide is saved at. */
export function pngRatio(width: number): number {
  return Math.max(PNG_SCALE, width > 0 ? PNG_MIN_WIDTH / width : PNG_SCALE);
}

/** The chart as a PNG data URL at `pngRatio`; the chart on screen is drawn as before afterwards. */
export function chartPng(chart: PngChart): string {
  const before = chart.options.devicePixelRatio;
  chart.options.devicePixelRatio = pngRatio(chart.width);
  try {
    chart.resize();
    chart.update('none');
    return chart.toBase64Image('image/png', 1);
  } finally {
    chart.options.devicePixelRatio = before;
    chart.resize();
    chart.update('none');
  }
}
