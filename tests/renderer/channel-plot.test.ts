import { flushPromises } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import { chartConfig, imported } from './fakes/import';

describe('channel plot theme', () => {
  it("redraws the shading in the dark theme's red when the app switches theme", async () => {
    const style = document.createElement('style');
    style.textContent = ":root[data-theme='dark'] { --bad: #f85149; }";
    document.head.append(style);
    const { w } = await imported();
    expect(chartConfig(w).options?.plugins?.anomalyShading?.color).toBe('#c62828');
    document.documentElement.dataset.theme = 'dark';
    await flushPromises();
    expect(chartConfig(w).options?.plugins?.anomalyShading?.color).toBe('#f85149');
    w.unmount();
    delete document.documentElement.dataset.theme;
    style.remove();
  });
});
