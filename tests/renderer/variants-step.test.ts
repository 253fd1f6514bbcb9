import { flushPromises } from '@vue/test-utils';
import { describe, expect, it, vi } from 'vitest';
import VariantsStep from '../../src/renderer/src/steps/VariantsStep.vue';
import { ESTIMATE_DELAY_MS, usePlanStore } from '../../src/renderer/src/stores/plan';
import { mountStep, TrainingFakeApi, trainingSpecHooks } from './fakes/training';
import { useDataStore } from '../../src/renderer/src/stores/data';
import type { ImportResult } from '../../src/shared/import';

trainingSpecHooks();

describe('Variants step', () => {
  it('keeps its title and toggles variants with the cards', async () => {
    const { w, plan: store } = mountStep(VariantsStep);
    expect(w.find('h2').text()).toBe('Choose training variants');
    expect(
      w.findAll('[data-testid^="variant-"] input[type="checkbox"]').map((i) => (i.element as HTMLInputElement).checked),
    ).toEqual([true, true, true, false, false]);
    await w.find('[data-testid="variant-gstack"] input').setValue(true);
    await w.find('[data-testid="variant-baseline"] input').setValue(false);
    expect(store.variants).toEqual(['gradstack', 'midas', 'gstack']);
    expect(w.find('[data-testid="variant-midas"] .line').text()).toMatch(/middle block/);
    expect(w.find('[data-testid="variant-gstack"]').classes()).toContain('selected');
  });

  it('draws each variant’s depth per stage: MIDAS with 4 layers in blocks of 1 grows 1→2→3→4', async () => {
    const { w } = mountStep(VariantsStep);
    await w.find('[data-testid="layers"]').setValue('4');
    await w.find('[data-testid="block"]').setValue('1');
    const depths = (v: string) => w.find(`[data-testid="variant-${v}"] svg`).attributes('data-depths');
    expect(depths('midas')).toBe('1,2,3,4');
    expect(w.find('[data-testid="variant-midas"] [data-testid="depths"]').text()).toBe('1 → 2 → 3 → 4 layers');
    expect(depths('gradstack')).toBe('1,2,3,4');
    expect(depths('baseline')).toBe('4');
    expect(depths('progressive')).toBe('1,2,4');
    expect(depths('gstack')).toBe('1,4');
    expect(w.find('[data-testid="variant-midas"] svg').attributes('aria-label')).toMatch(/1, 2, 3, 4 layers/);
    expect(w.findAll('[data-testid="variant-midas"] rect.fresh')).toHaveLength(3);
  });

  it('says which variant these settings cannot train and blocks Start', async () => {
    const { w, wizard } = mountStep(VariantsStep);
    wizard.datasetId = 'ds-1';
    await w.find('[data-testid="layers"]').setValue('6');
    await w.find('[data-testid="variant-progressive"] input').setValue(true);
    await w.find('[data-testid="block"]').setValue('1');
    expect(w.find('[data-testid="variant-progressive"] [data-testid="variant-problem"]').text()).toMatch(/power of 2/);
    expect(w.find('[data-testid="start-training"]').attributes('disabled')).toBeDefined();
    expect(w.find('[data-testid="start-blocker"]').text()).toMatch(/^progressive: /);
    // Not ticked, the same card only says it is not possible here: no error for a variant nobody chose.
    await w.find('[data-testid="variant-progressive"] input').setValue(false);
    expect(w.find('[data-testid="variant-progressive"] [data-testid="variant-problem"]').exists()).toBe(false);
    expect(w.find('[data-testid="variant-progressive"] [data-testid="variant-unavailable"]').text()).toMatch(
      /Not possible/,
    );
    expect(w.find('[data-testid="start-training"]').attributes('disabled')).toBeUndefined();
  });

  it('disables Start without a data set and says why', async () => {
    const { w } = mountStep(VariantsStep);
    await flushPromises();
    expect(w.find('[data-testid="start-training"]').attributes('disabled')).toBeDefined();
    expect(w.find('[data-testid="start-blocker"]').text()).toBe('Import a data set first (step 1).');
    expect(w.find('[data-testid="empty-state"] .next').text()).toMatch(/^Next: /);
    expect(w.find('[data-testid="estimate-note"]').text()).toMatch(/need a data set/);
    expect(w.find('[data-testid="local-table"]').text()).toContain('MIDAS');
  });

  it('says when two chosen variants would train the same schedule', async () => {
    const { w } = mountStep(VariantsStep);
    expect(w.find('[data-testid="same-schedule"]').exists()).toBe(false);
    await w.find('[data-testid="layers"]').setValue('2');
    expect(w.find('[data-testid="same-schedule"]').text()).toMatch(
      /^GradStack and MIDAS are the same schedule at 2 layers in blocks of 1/,
    );
    await w.find('[data-testid="variant-midas"] input').setValue(false);
    expect(w.find('[data-testid="same-schedule"]').exists()).toBe(false);
  });

  it('sends the split, normalisation, thresholds and channel combination the user chose', async () => {
    const { w, api, wizard } = mountStep(VariantsStep);
    wizard.datasetId = 'ds-1';
    expect(w.find('[data-testid="train-rows"]').exists()).toBe(false);
    await w.find('[data-testid="split-mode"]').setValue('rows');
    // The rows field is required once chosen.
    expect(w.find('[data-testid="start-blocker"]').text()).toBe(
      'Enter the training rows per series, or choose another split.',
    );
    expect(w.find('[data-testid="train-rows"]').attributes('aria-invalid')).toBe('true');
    await w.find('[data-testid="train-rows"]').setValue('1');
    expect(w.find('[data-testid="start-blocker"]').text()).toBe(
      'Training rows per series must be a whole number from 2 to 1000000000.',
    );
    // Out of range, and a part of a row, mark the field as the blocker says.
    expect(w.find('[data-testid="train-rows"]').attributes('aria-invalid')).toBe('true');
    await w.find('[data-testid="train-rows"]').setValue('400.5');
    expect(w.find('[data-testid="train-rows"]').attributes('aria-invalid')).toBe('true');
    await w.find('[data-testid="train-rows"]').setValue('400');
    await w.find('[data-testid="normalize"]').setValue('pooled');
    await w.find('[data-testid="threshold"]').setValue('per-series');
    await w.find('[data-testid="combine"]').setValue('max');
    await vi.advanceTimersByTimeAsync(ESTIMATE_DELAY_MS);
    await flushPromises();
    expect(api.paramsOf('train.estimate').at(-1)).toMatchObject({
      trainRows: 400,
      normalize: 'pooled',
      threshold: 'per-series',
      combine: 'max',
    });
    await w.find('[data-testid="start-training"]').trigger('click');
    await flushPromises();
    expect(api.paramsOf('jobs.start').at(-1)).toMatchObject({
      trainRows: 400,
      normalize: 'pooled',
      threshold: 'per-series',
      combine: 'max',
    });
    // Back to the defaults: nothing of it is sent.
    const store = usePlanStore();
    store.splitMode = 'fraction';
    store.trainFraction = 0.5;
    expect(store.fields).toMatchObject({ trainFraction: 0.5 });
    expect(store.fields).not.toHaveProperty('trainRows');
    store.splitMode = 'default';
    store.normalize = undefined;
    store.threshold = undefined;
    store.combine = undefined;
    expect(Object.keys(store.fields).sort()).toEqual(['preset', 'seeds', 'variants']);
  });

  it('explains Prop-α and the FLOP-matched baseline with these settings’ numbers', async () => {
    const { w } = mountStep(VariantsStep);
    await w.find('[data-testid="layers"]').setValue('4');
    await w.find('[data-testid="block"]').setValue('1');
    await w.find('[data-testid="alpha"]').setValue('1');
    await w.find('[data-testid="steps"]').setValue('300');
    expect(w.text()).toContain('Here, 4 stages at α = 1: 10% · 20% · 30% · 40% of the steps');
    expect(w.text()).toContain("about 75% of the baseline's layer-steps");
    expect(w.find('[data-testid="flop-matched-hint"]').text()).toContain('here at least 225 steps');
    await w.find('[data-testid="alpha"]').setValue('0');
    expect(w.text()).toContain('Here, 4 stages at α = 0: 25% · 25% · 25% · 25% of the steps');
    expect(w.find('[data-testid="flop-matched-hint"]').text()).toContain('here at least 188 steps');
  });

  it('disables Start when no variant is chosen', async () => {
    const { w, wizard } = mountStep(VariantsStep);
    wizard.datasetId = 'ds-1';
    for (const v of ['baseline', 'gradstack', 'midas'])
      await w.find(`[data-testid="variant-${v}"] input`).setValue(false);
    expect(w.find('[data-testid="start-blocker"]').text()).toBe('Choose at least one variant.');
  });

  it('shows the estimate per variant with the total, uses the engine’s stages, and starts', async () => {
    const { w, api, wizard } = mountStep(VariantsStep);
    wizard.datasetId = 'ds-1';
    await w.find('[data-testid="flop-matched"]').setValue('midas');
    await vi.advanceTimersByTimeAsync(ESTIMATE_DELAY_MS);
    await flushPromises();
    const rows = w.findAll('[data-testid="estimate-row"]');
    expect(rows.map((r) => r.find('th').text())).toEqual(['Baseline', 'GradStack', 'MIDAS']);
    expect(rows[2]!.text()).toContain('1×12 → 2×24 → 3×36 → 4×48');
    expect(rows[2]!.text()).toContain('3.60 GFLOP');
    expect(rows[2]!.text()).toMatch(/0\.75× \(25% less\)/);
    expect(rows[2]!.text()).toContain('9 s');
    expect(w.find('[data-testid="estimate-total"]').text()).toBe('1 min 30 s');
    expect(w.find('[data-testid="variant-midas"] svg').attributes('data-depths')).toBe('1,2,3,4');
    expect(api.paramsOf('train.estimate').at(-1)).toMatchObject({ flopMatched: 'midas' });
    const start = w.find('[data-testid="start-training"]');
    expect(start.attributes('disabled')).toBeUndefined();
    await start.trigger('click');
    await flushPromises();
    expect(api.paramsOf('jobs.start')).toHaveLength(1);
    expect(wizard.current.id).toBe('train');
  });

  it('shows the estimate’s error', async () => {
    const api = new TrainingFakeApi();
    api.handlers['train.estimate'] = () => {
      throw new Error('cuda is not available here: choose another device');
    };
    const { w, wizard } = mountStep(VariantsStep, api);
    wizard.datasetId = 'ds-1';
    await vi.advanceTimersByTimeAsync(ESTIMATE_DELAY_MS);
    await flushPromises();
    expect(w.find('[data-testid="estimate-error"]').text()).toMatch(/choose another device/);
    // Starting would fail the same way: Start waits for settings the engine can train.
    expect(w.find('[data-testid="start-training"]').attributes('disabled')).toBeDefined();
    expect(w.find('[data-testid="start-blocker"]').text()).toBe(
      'The engine cannot train these settings: see the cost table.',
    );
    // Other settings are estimated again, and Start follows.
    api.handlers['train.estimate'] = new TrainingFakeApi().handlers['train.estimate'];
    await w.find('[data-testid="steps"]').setValue('120');
    await vi.advanceTimersByTimeAsync(ESTIMATE_DELAY_MS);
    await flushPromises();
    expect(w.find('[data-testid="start-blocker"]').exists()).toBe(false);
  });

  it('shows the engine’s checks of the data for the chosen split, in the app’s words', async () => {
    const api = new TrainingFakeApi();
    const fit = api.handlers['train.estimate']!;
    api.handlers['train.estimate'] = async (plan) => ({
      ...(await fit(plan)),
      fitness: {
        split:
          'the leading 30% of each series (cut before its first labelled anomaly) train and validate; the rest is test',
        windowRows: 64,
        testRows: 700,
        testAnomalies: 100,
        thresholdRows: 60,
        findings: [
          {
            level: 'warning',
            check: 'few-threshold-rows',
            message:
              'Only 60 normal validation rows to fit the alarm threshold on: a 1% threshold (the 99th percentile of normal scores) needs at least 100, so it is about the largest normal score and the false-alarm rate is not 1%. To raise it to 100, choose a larger training share (--train-fraction) or more training rows (--train-rows); the last 20% of each training part validates.',
          },
        ],
      },
    });
    const { w, wizard } = mountStep(VariantsStep, api);
    wizard.datasetId = 'ds-1';
    await vi.advanceTimersByTimeAsync(ESTIMATE_DELAY_MS);
    await flushPromises();
    const fitness = w.find('[data-testid="fitness"]');
    expect(fitness.find('h3').text()).toBe('Checks before training (with these settings)');
    expect(fitness.find('[data-testid="fitness-verdict"]').text()).toBe(
      '⚠ Fit for a comparison, with a warning on what it can tell.',
    );
    const item = fitness.find('li[data-check="few-threshold-rows"]').text();
    expect(item).toMatch(/^⚠ Warning: Only 60 normal validation rows/);
    expect(item).toContain(
      'choose a larger leading share, or more first rows, under Training part of each series in the Variants step',
    );
    // A warning does not block Start.
    expect(w.find('[data-testid="start-training"]').attributes('disabled')).toBeUndefined();
  });

  it('blocks Start on data the engine refuses, saying what is wrong in the app’s words', async () => {
    const api = new TrainingFakeApi();
    api.handlers['train.estimate'] = () => {
      throw new Error(
        'The test part has no labelled anomaly: none of its 200 rows (normal_train.csv rows 301–500) is labelled abnormal, so detection cannot be scored. Add files with labelled faults, or drop the label column (fault) to compare by validation loss only.',
      );
    };
    const { w, wizard } = mountStep(VariantsStep, api);
    wizard.datasetId = 'ds-1';
    await vi.advanceTimersByTimeAsync(ESTIMATE_DELAY_MS);
    await flushPromises();
    expect(w.find('[data-testid="estimate-error"]').text()).toContain(
      'give the label column fault the role Ignored in the roles table',
    );
    expect(w.find('[data-testid="fitness"]').exists()).toBe(false);
    expect(w.find('[data-testid="start-training"]').attributes('disabled')).toBeDefined();
  });

  it('offers the device choices, with the Settings default and unavailable providers marked', async () => {
    const { w, plan: store } = mountStep(VariantsStep);
    await flushPromises();
    const options = w.findAll('[data-testid="device"] option');
    expect(options[0]!.text()).toBe('Settings default (cpu)');
    await w.find('[data-testid="device"]').setValue('cpu');
    expect(store.device).toBe('cpu');
  });
});

describe('Variants step for a reasoning-lab corpus', () => {
  it('offers the primitives’ scoring instead of the sensor split, says what a CPU can see, and sends it', async () => {
    const { w, wizard, plan: store } = mountStep(VariantsStep);
    expect(w.find('[data-testid="data-plan"]').exists()).toBe(true);
    expect(w.find('[data-testid="lab-plan"]').exists()).toBe(false);
    const data = useDataStore();
    data.result = {
      datasetId: 'lab-1',
      lab: { bytes: 65_536, documents: [], items: [] },
    } as unknown as ImportResult;
    wizard.datasetId = 'lab-1';
    await flushPromises();
    expect(w.find('[data-testid="data-plan"]').exists()).toBe(false);
    expect(w.find('[data-testid="lab-scale"]').text()).toMatch(/On a CPU the lab's models are too small/);
    await w.find('[data-testid="lab-items"]').setValue('32');
    await w.find('[data-testid="lab-shots"]').setValue('3');
    expect(store.fields).toMatchObject({ labItems: 32, shots: 3 });
    // One click sizes the job as measured for the device: the CPU's demonstration here…
    expect(w.find('[data-testid="lab-size"]').text()).toBe('Size the job for the CPU');
    await w.find('[data-testid="lab-size"]').trigger('click');
    expect(store.fields).toMatchObject({ preset: 'tiny', layers: 4, steps: 150, labItems: 32 });
    // … and, with CUDA chosen, the GPU's informative scale.
    store.device = 'cuda';
    await flushPromises();
    await w.find('[data-testid="lab-size"]').trigger('click');
    expect(store.fields).toMatchObject({ preset: 'small', layers: 8, steps: 3000, precision: 'bf16' });
    expect(store.fields.labItems).toBeUndefined();
    // Back to the CPU: no bf16 left behind.
    store.device = 'cpu';
    await flushPromises();
    await w.find('[data-testid="lab-size"]').trigger('click');
    expect(store.fields).toMatchObject({ preset: 'tiny', steps: 150, labItems: 32 });
    expect(store.fields.precision).toBeUndefined();
  });
});
