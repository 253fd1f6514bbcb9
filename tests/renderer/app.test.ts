import { flushPromises, mount } from '@vue/test-utils';
import { createPinia } from 'pinia';
import { describe, expect, it } from 'vitest';
import { ref } from 'vue';
import App from '../../src/renderer/src/App.vue';
import { API_KEY, CONNECTION_KEY } from '../../src/renderer/src/api';
import type { ConnectionState } from '../../src/renderer/src/api/ws-client';
import { FakeApi, sampleInfo } from './fake-api';

function mountApp(api = new FakeApi(), connection = ref<ConnectionState>('open')) {
  return mount(App, {
    attachTo: document.body,
    global: { plugins: [createPinia()], provide: { [API_KEY as symbol]: api, [CONNECTION_KEY as symbol]: connection } },
  });
}

describe('wizard shell', () => {
  it('shows the five steps, starting at Import', () => {
    const w = mountApp();
    expect(w.findAll('.step .label').map((s) => s.text())).toEqual([
      'Import',
      'Variants',
      'Train',
      'Compare',
      'Export',
    ]);
    expect(w.find('[aria-current="step"]').text()).toContain('Import');
    expect(w.find('h2').text()).toBe('Import plant data');
    w.unmount();
  });

  it('walks through every step with Next and back with Back, each with an empty state that says what is next', async () => {
    const w = mountApp();
    const headings: string[] = [];
    for (let i = 0; i < 5; i++) {
      headings.push(w.find('h2').text());
      expect(w.find('[data-testid="empty-state"] .next').text()).toMatch(/^Next: .{10,}/);
      if (i < 4) await w.find('[data-testid="next"]').trigger('click');
    }
    expect(headings).toEqual(['Import plant data', 'Choose training variants', 'Train', 'Compare', 'Export']);
    expect(w.find('[data-testid="next"]').attributes('disabled')).toBeDefined();
    await w.find('[data-testid="back"]').trigger('click');
    expect(w.find('h2').text()).toBe('Compare');
    w.unmount();
  });

  it('jumps to a step from the step list and moves with the arrow keys', async () => {
    const w = mountApp();
    await w.find('[data-step="train"]').trigger('click');
    expect(w.find('h2').text()).toBe('Train');
    await w.find('.steps').trigger('keydown', { key: 'ArrowRight' });
    expect(w.find('h2').text()).toBe('Compare');
    expect(document.activeElement?.getAttribute('data-step')).toBe('compare');
    await w.find('.steps').trigger('keydown', { key: 'ArrowLeft' });
    await w.find('.steps').trigger('keydown', { key: 'ArrowLeft' });
    expect(w.find('h2').text()).toBe('Choose training variants');
    w.unmount();
  });

  it('shows the compute device from system.info in the status bar', async () => {
    const w = mountApp();
    expect(w.find('[data-testid="device-badge"]').text()).toBe('Probing devices…');
    await flushPromises();
    expect(w.find('[data-testid="device-badge"]').text()).toBe('Device: auto → webgpu');
    expect(w.find('[data-testid="provider-cuda"]').classes()).toContain('off');
    expect(w.find('[data-testid="provider-cuda"]').attributes('title')).toMatch(/not installed/);
    expect(w.find('.status').text()).toContain(sampleInfo.runsDir);
    w.unmount();
  });

  it('says when the device is unknown and why', async () => {
    const api = new FakeApi();
    api.failWith = 'the engine process exited (SIGKILL)';
    const w = mountApp(api);
    await flushPromises();
    expect(w.find('[data-testid="device-badge"]').text()).toBe('Device unknown');
    expect(w.find('[data-testid="status-error"]').text()).toContain('SIGKILL');
    w.unmount();
  });

  it('shows a lost connection to the server', async () => {
    const connection = ref<ConnectionState>('open');
    const w = mountApp(new FakeApi(), connection);
    expect(w.find('[data-testid="connection"]').exists()).toBe(false);
    connection.value = 'closed';
    await flushPromises();
    expect(w.find('[data-testid="connection"]').text()).toMatch(/Disconnected/);
    w.unmount();
  });
});
