/** The desktop app's Browse buttons: the native dialog fills the path; a browser has none. */
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia } from 'pinia';
import { afterEach, describe, expect, it } from 'vitest';
import SourceForm from '../../src/renderer/src/components/import/SourceForm.vue';
import { API_KEY } from '../../src/renderer/src/api';
import type { StackLabApi } from '../../src/shared/ipc';

function fakeApi(answers: (string | null)[]) {
  const calls: unknown[] = [];
  const api = {
    invoke: async (channel: string, params: unknown) => {
      calls.push([channel, params]);
      return { path: answers.shift() ?? null };
    },
    on: () => () => undefined,
  } as unknown as StackLabApi;
  return { api, calls };
}

const mountForm = (api: StackLabApi) =>
  mount(SourceForm, {
    props: { busy: false, last: null },
    global: { plugins: [createPinia()], provide: { [API_KEY as symbol]: api } },
  });

describe('Browse in the desktop app', () => {
  afterEach(() => {
    delete (window as { stacklab?: unknown }).stacklab;
  });

  it('fills the path and the labels file from the native dialog, and imports that path', async () => {
    (window as { stacklab?: unknown }).stacklab = {};
    const { api, calls } = fakeApi(['/plant/line3', null, '/plant/labels.json']);
    const w = mountForm(api);
    await w.find('[data-testid="browse-folder"]').trigger('click');
    await flushPromises();
    expect((w.find('[data-testid="path"]').element as HTMLInputElement).value).toBe('/plant/line3');
    // A cancelled dialog changes nothing.
    await w.find('[data-testid="browse-file"]').trigger('click');
    await flushPromises();
    expect((w.find('[data-testid="path"]').element as HTMLInputElement).value).toBe('/plant/line3');
    await w.find('[data-testid="browse-labels"]').trigger('click');
    await flushPromises();
    expect(calls).toEqual([
      ['system.pickPath', { kind: 'folder' }],
      ['system.pickPath', { kind: 'file' }],
      ['system.pickPath', { kind: 'labels' }],
    ]);
    await w.find('form').trigger('submit');
    expect(w.emitted('import')).toEqual([[{ kind: 'path', path: '/plant/line3', labels: '/plant/labels.json' }]]);
    w.unmount();
  });

  it('offers no dialog in a browser (server mode): the path is typed', () => {
    const w = mountForm(fakeApi([]).api);
    expect(w.find('[data-testid="browse-file"]').exists()).toBe(false);
    expect(w.find('[data-testid="path"]').exists()).toBe(true);
    w.unmount();
  });
});
