import { describe, expect, it } from 'vitest';
import { THEME_KEY } from '../../src/renderer/src/stores/settings';
import { CompareFakeApi } from './fakes/compare';
import { compareSpecHooks, mountApp, storesWith } from './fakes/compare-steps';

compareSpecHooks();

describe('settings store', () => {
  it('applies the theme as data-theme on <html> and remembers it', async () => {
    localStorage.setItem(THEME_KEY, 'dark');
    const w = mountApp();
    expect(document.documentElement.dataset.theme).toBe('dark');
    await w.find('[data-testid="open-settings"]').trigger('click');
    await w.find('[data-testid="theme-light"]').setValue(true);
    expect(document.documentElement.dataset.theme).toBe('light');
    expect(localStorage.getItem(THEME_KEY)).toBe('light');
    await w.find('[data-testid="theme-toggle"]').trigger('click');
    expect(document.documentElement.dataset.theme).toBe('dark');
    await w.find('[data-testid="theme-toggle"]').trigger('click');
    expect(document.documentElement.dataset.theme).toBe('system');
    expect(localStorage.getItem(THEME_KEY)).toBe('system');
    w.unmount();
  });

  it('store: reads and writes through settings.get and settings.set, with the error in words', async () => {
    const api = new CompareFakeApi();
    const { settings } = storesWith(api);
    await settings.load();
    expect(settings.settings).toEqual({
      runsDir: '/home/eng/StackLab/runs',
      defaultDevice: 'auto',
      threads: 0,
      parallelRuns: 0,
      seedBatch: 1,
      queue: null,
    });
    expect(await settings.save({ threads: 8 })).toBe(true);
    expect(settings.settings?.threads).toBe(8);
    api.fail['settings.get'] = 'settings.json is not valid JSON (line 3)';
    await settings.load();
    expect(settings.error).toBe('Could not read the settings: settings.json is not valid JSON (line 3)');
  });
});
