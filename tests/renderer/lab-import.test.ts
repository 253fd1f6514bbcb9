/** The Import step's reasoning lab: the source form's corpus options, and the corpus shown by its documents and items. */
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia } from 'pinia';
import { describe, expect, it } from 'vitest';
import SourceForm from '../../src/renderer/src/components/import/SourceForm.vue';
import LabPreview from '../../src/renderer/src/components/import/LabPreview.vue';
import { API_KEY } from '../../src/renderer/src/api';
import { useSystemStore } from '../../src/renderer/src/stores/system';
import type { StackLabApi } from '../../src/shared/ipc';

const api = { invoke: async () => ({ path: null }), on: () => () => undefined } as unknown as StackLabApi;
const mountForm = () =>
  mount(SourceForm, {
    props: { busy: false, last: null },
    global: { plugins: [createPinia()], provide: { [API_KEY as symbol]: api } },
  });

describe('the reasoning lab as a source', () => {
  it('proposes the corpus size the default job for this machine was measured with, until the user sets one', async () => {
    const w = mountForm();
    const size = () => (w.find('[data-testid="lab-size"]').element as HTMLInputElement).value;
    expect(size()).toBe('4');
    const system = useSystemStore();
    system.info = { defaultProvider: 'cuda' } as unknown as typeof system.info;
    await flushPromises();
    expect(size()).toBe('32');
    await w.find('[data-testid="lab-size"]').setValue(8);
    system.info = { defaultProvider: 'cpu' } as unknown as typeof system.info;
    await flushPromises();
    expect(size()).toBe('8');
  });

  it("generates the corpus from a seed and a size, or reads the user's text, with the user's items", async () => {
    const w = mountForm();
    await w.find('[data-testid="lab-seed"]').setValue(7);
    await w.find('[data-testid="lab-size"]').setValue(2);
    await w.find('[data-testid="lab-items"]').setValue(' "/plant/items.jsonl" ');
    await w.find('[data-testid="lab-form"]').trigger('submit');
    await w.find('[data-testid="lab-text"]').setValue('/plant/shift-logs');
    await w.find('[data-testid="lab-form"]').trigger('submit');
    expect(w.emitted('import')).toEqual([
      [{ kind: 'lab', seed: 7, bytes: 2 * 2 ** 20, items: '/plant/items.jsonl' }],
      [{ kind: 'text', path: '/plant/shift-logs', items: '/plant/items.jsonl' }],
    ]);
  });

  it('says what is wrong with a seed or a size, and imports nothing', async () => {
    const w = mountForm();
    await w.find('[data-testid="lab-seed"]').setValue(1.5);
    await w.find('[data-testid="lab-form"]').trigger('submit');
    expect(w.find('[data-testid="lab-problem"]').text()).toMatch(/seed must be a whole number from 1/);
    await w.find('[data-testid="lab-seed"]').setValue(1);
    await w.find('[data-testid="lab-size"]').setValue(1000);
    await w.find('[data-testid="lab-form"]').trigger('submit');
    expect(w.find('[data-testid="lab-problem"]').text()).toMatch(/size must be from 0.0625 to 256 MiB/);
    expect(w.emitted('import')).toBeUndefined();
  });

  it('shows the first documents and one item per primitive with what it tests', () => {
    const w = mount(LabPreview, {
      props: {
        lab: {
          bytes: 65_600,
          documents: ['the boiler runs at full load.', 'a=3,b=7,c=a,c=?3'],
          items: [
            {
              primitive: 'assign-math-1',
              label: 'variable assignment, depth 1 (math)',
              tests: 'Follow one alias.',
              prompt: 'a=3,b=7,c=a,c=?',
              answer: '3',
              chance: 0.2,
            },
            {
              primitive: 'copy',
              label: 'induction copying',
              tests: 'Continue a sequence.',
              prompt: 'copy abcdefgh abcd',
              answer: 'efgh',
              chance: 26 ** -4,
            },
          ],
        },
      },
    });
    expect(w.findAll('[data-testid="lab-document"]').map((d) => d.text())).toEqual([
      'the boiler runs at full load.',
      'a=3,b=7,c=a,c=?3',
    ]);
    const item = w.find('[data-testid="lab-item-assign-math-1"]');
    expect(item.find('th').text()).toBe('variable assignment, depth 1 (math)Follow one alias.');
    expect(item.findAll('td').map((t) => t.text().replace(/\s+/g, ' '))).toEqual(['a=3,b=7,c=a,c=? → 3', '0.20']);
    expect(w.find('[data-testid="lab-item-copy"]').text()).toContain('2e-6');
  });
});
