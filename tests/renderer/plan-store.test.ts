import { flushPromises } from '@vue/test-utils';
import { describe, expect, it, vi } from 'vitest';
import { ESTIMATE_DELAY_MS } from '../../src/renderer/src/stores/plan';
import { storesWith, TrainingFakeApi, trainingSpecHooks } from './fakes/training';

trainingSpecHooks();

describe('plan store', () => {
  it('sends only the settings the user changed, in the variants’ canonical order', async () => {
    const { api, plan: store, job, wizard } = storesWith();
    wizard.datasetId = 'ds-1';
    store.toggleVariant('baseline');
    store.toggleVariant('progressive');
    store.toggleVariant('baseline');
    Object.assign(store, {
      layers: 4,
      block: 1,
      alpha: 0,
      steps: 120,
      seeds: 1,
      device: 'cuda',
      flopMatched: 'midas',
      name: ' pump 3 ',
    });
    await job.start();
    expect(api.paramsOf('jobs.start')[0]).toEqual({
      datasetId: 'ds-1',
      variants: ['baseline', 'gradstack', 'midas', 'progressive'],
      preset: 'tiny',
      layers: 4,
      block: 1,
      alpha: 0,
      steps: 120,
      seeds: 1,
      device: 'cuda',
      flopMatched: 'midas',
      name: 'pump 3',
    });
  });

  it('asks for an estimate once the settings stop changing, and only with a data set', async () => {
    const { api, plan: store, wizard } = storesWith();
    store.steps = 100;
    await vi.advanceTimersByTimeAsync(ESTIMATE_DELAY_MS * 2);
    expect(api.paramsOf('train.estimate')).toEqual([]);
    wizard.datasetId = 'ds-1';
    store.steps = 110;
    await vi.advanceTimersByTimeAsync(100);
    store.steps = 120;
    await vi.advanceTimersByTimeAsync(ESTIMATE_DELAY_MS);
    await flushPromises();
    expect(api.paramsOf('train.estimate')).toEqual([
      { datasetId: 'ds-1', variants: ['baseline', 'gradstack', 'midas'], preset: 'tiny', steps: 120, seeds: 3 },
    ]);
    expect(store.estimate?.variants).toHaveLength(3);
    expect(store.estimateFresh).toBe(true);
    store.seeds = 4;
    expect(store.estimateFresh).toBe(false);
  });

  it('shows why there is no estimate: a local problem or the engine’s error', async () => {
    const api = new TrainingFakeApi();
    api.handlers['train.estimate'] = () => {
      throw new Error('the data set ds-1 is no longer loaded: import it again');
    };
    const { plan: store, wizard } = storesWith(api);
    wizard.datasetId = 'ds-1';
    await vi.advanceTimersByTimeAsync(ESTIMATE_DELAY_MS);
    await flushPromises();
    expect(store.estimateError).toMatch(/import it again/);
    store.layers = 5;
    store.block = 2;
    await vi.advanceTimersByTimeAsync(ESTIMATE_DELAY_MS);
    expect(store.estimateError).toMatch(/not divisible by the block size/);
    expect(api.paramsOf('train.estimate')).toHaveLength(1);
  });
});
