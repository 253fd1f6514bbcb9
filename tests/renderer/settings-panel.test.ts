import { flushPromises } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import { CompareFakeApi } from './fakes/compare';
import { compareSpecHooks, mountApp } from './fakes/compare-steps';

compareSpecHooks();

describe('settings', () => {
  it('opens from the gear, loads the settings, saves a change, and closes with Esc', async () => {
    const api = new CompareFakeApi();
    const w = mountApp(api);
    await flushPromises();
    await w.find('[data-testid="open-settings"]').trigger('click');
    expect(w.find('[data-testid="settings-panel"]').exists()).toBe(true);
    expect(w.find('[data-testid="next"]').exists()).toBe(false);
    await flushPromises();
    expect(api.paramsOf('settings.get')).toEqual([{}]);
    expect((w.find('[data-testid="runs-dir"]').element as HTMLInputElement).value).toBe('/home/eng/StackLab/runs');
    const devices = w.findAll('[data-testid="default-device"] option');
    expect(devices.map((o) => o.attributes('value'))).toEqual(['auto', 'cuda', 'webgpu', 'cpu']);
    expect(devices[0]!.text()).toBe('Automatic (here: webgpu)');
    expect(devices[1]!.attributes('disabled')).toBeDefined();
    expect(devices[1]!.text()).toBe('cuda (unavailable: see below)');
    // The reason under the field, where it wraps: inside the option it widened the card past the window.
    expect(w.find('[data-testid="device-reasons"]').text()).toContain('not installed');

    await w.find('[data-testid="runs-dir"]').setValue('/data/stacklab');
    await w.find('[data-testid="default-device"]').setValue('cpu');
    await w.find('[data-testid="threads"]').setValue('4');
    // Runs at once: out of range is said and not saved; 2 is.
    await w.find('[data-testid="parallel-runs"]').setValue('17');
    await w.find('[data-testid="settings-form"]').trigger('submit');
    await flushPromises();
    expect(w.text()).toContain('Runs at once must be a whole number from 0 (automatic) to 16.');
    expect(api.paramsOf('settings.set')).toEqual([]);
    await w.find('[data-testid="parallel-runs"]').setValue('2');
    // Seeds together: likewise.
    await w.find('[data-testid="seed-batch"]').setValue('-1');
    await w.find('[data-testid="settings-form"]').trigger('submit');
    await flushPromises();
    expect(w.text()).toContain('Seeds together must be a whole number from 0 (automatic) to 16 (1: each run alone).');
    expect(api.paramsOf('settings.set')).toEqual([]);
    expect(w.find('[data-testid="seed-batch"]').attributes('aria-invalid')).toBe('true');
    await w.find('[data-testid="seed-batch"]').setValue('0');
    expect(w.find('[data-testid="seed-batch"]').attributes('aria-invalid')).toBeUndefined();
    // Seeds together with runs at once above 1: refused, as `train` refuses the pair.
    await w.find('[data-testid="settings-form"]').trigger('submit');
    await flushPromises();
    expect(w.find('[data-testid="settings-invalid"]').text()).toMatch(
      /^Seeds together and Runs at once above 1 are two ways of training runs together/,
    );
    expect(api.paramsOf('settings.set')).toEqual([]);
    await w.find('[data-testid="parallel-runs"]').setValue('0');
    await w.find('[data-testid="settings-form"]').trigger('submit');
    await flushPromises();
    expect(api.paramsOf('settings.set')).toEqual([
      { runsDir: '/data/stacklab', defaultDevice: 'cpu', threads: 4, parallelRuns: 0, seedBatch: 0, queue: null },
    ]);
    expect(w.find('[data-testid="settings-saved"]').text()).toBe('Saved.');
    // The status bar's runs folder comes from system.info: asked again after a move.
    expect(api.paramsOf('system.info')).toHaveLength(2);

    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape' }));
    await flushPromises();
    expect(w.find('[data-testid="settings-panel"]').exists()).toBe(false);
    expect(w.find('h2').text()).toBe('Import plant data');
    expect(document.activeElement?.getAttribute('data-testid')).toBe('open-settings');
    w.unmount();
  });

  it('shows why the engine refused a change and checks the threads field', async () => {
    const api = new CompareFakeApi();
    const w = mountApp(api);
    await w.find('[data-testid="open-settings"]').trigger('click');
    await flushPromises();
    await w.find('[data-testid="threads"]').setValue('2.5');
    expect(w.find('[data-testid="settings-invalid"]').text()).toMatch(/whole number/);
    // The field itself is marked, not only the message under the form.
    expect(w.find('[data-testid="threads"]').attributes('aria-invalid')).toBe('true');
    expect(w.find('[data-testid="save-settings"]').attributes('disabled')).toBeDefined();
    // An empty field is not a value either.
    await w.find('[data-testid="threads"]').setValue('');
    expect(w.find('[data-testid="settings-invalid"]').text()).toMatch(/^CPU threads must be a whole number/);
    expect(w.find('[data-testid="threads"]').attributes('aria-invalid')).toBe('true');
    await w.find('[data-testid="threads"]').setValue('2');
    await w.find('[data-testid="runs-dir"]').setValue('relative/runs');
    api.fail['settings.set'] = 'the runs folder must be an absolute path, got "relative/runs"';
    await w.find('[data-testid="settings-form"]').trigger('submit');
    await flushPromises();
    expect(w.find('[data-testid="settings-error"]').text()).toBe(
      'Could not save the settings: the runs folder must be an absolute path, got "relative/runs"',
    );
    w.unmount();
  });
});

describe('settings: training on a queue', () => {
  it('saves a queue URL for "workers on a queue", refuses another scheme, and lists the workers', async () => {
    const api = new CompareFakeApi();
    api.handlers['queue.workers'] = () => [
      { name: 'gpu1', busy: 1, device: 'cuda:0', host: 'rig-a' },
      { name: 'gpu2', busy: 0 },
    ];
    const w = mountApp(api);
    await flushPromises();
    await w.find('[data-testid="open-settings"]').trigger('click');
    await flushPromises();
    expect(w.find('[data-testid="queue-url"]').exists()).toBe(false);
    await w.find('[data-testid="train-queue"]').setValue(true);
    await w.find('[data-testid="queue-url"]').setValue('http://queue-host:6379');
    expect(w.find('[data-testid="settings-invalid"]').text()).toMatch(/redis:\/\//);
    await w.find('[data-testid="queue-url"]').setValue('redis://:pw@queue-host:6379');
    await w.find('[data-testid="settings-form"]').trigger('submit');
    await flushPromises();
    expect(api.paramsOf('settings.set').at(-1)).toMatchObject({ queue: 'redis://:pw@queue-host:6379' });
    expect(w.findAll('[data-testid="queue-worker"]').map((li) => li.text())).toEqual([
      'gpu1 (cuda:0 on rig-a): training 1 run',
      'gpu2: idle',
    ]);
    w.unmount();
  });
});
