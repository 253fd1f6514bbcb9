import { describe, expect, it } from 'vitest';
import { sortRows } from '../../src/renderer/src/model/compare-columns';
import { CompareFakeApi, comparison, JOB_DIR } from './fakes/compare';
import { compareSpecHooks, storesWith } from './fakes/compare-steps';

compareSpecHooks();

describe('compare store', () => {
  it('loads a job: the comparison, every variant selected, and the best variant’s timeline', async () => {
    const api = new CompareFakeApi();
    const { compare } = storesWith(api);
    const loading = compare.load(JOB_DIR);
    expect(compare.busy).toBe(true);
    await loading;
    expect(compare.busy).toBe(false);
    expect(compare.error).toBeNull();
    expect(compare.comparison?.variants.map((v) => v.variant)).toEqual(['baseline', 'gradstack', 'midas']);
    expect(compare.selected).toEqual(['baseline', 'gradstack', 'midas']);
    expect(api.paramsOf('compare.get')).toEqual([{ dir: JOB_DIR }]);
    // midas has the best VUS-PR: its first seed's run is the timeline and the default model.
    expect(compare.timelineVariant).toBe('midas');
    expect(api.paramsOf('compare.timeline')).toEqual([{ runDir: `${JOB_DIR}/midas-s1` }]);
    expect(compare.timeline?.threshold).toBe(0.9);
    expect(compare.modelRun).toBe(`${JOB_DIR}/midas-s1`);
  });

  it('keeps a loaded job (ensure) and says what failed', async () => {
    const api = new CompareFakeApi();
    const { compare } = storesWith(api);
    await compare.ensure(JOB_DIR);
    await compare.ensure(JOB_DIR);
    expect(api.paramsOf('compare.get')).toHaveLength(1);
    api.fail['compare.get'] = `${JOB_DIR} holds no finished run`;
    await compare.load(JOB_DIR);
    expect(compare.error).toBe(`Could not compare the runs in ${JOB_DIR}: ${JOB_DIR} holds no finished run`);
    expect(compare.busy).toBe(false);
  });

  it('sorts best first on the first click, reverses on the second, and puts missing values last', async () => {
    const { compare } = storesWith(new CompareFakeApi());
    await compare.load(JOB_DIR);
    expect(compare.rows.map((v) => v.variant)).toEqual(['baseline', 'gradstack', 'midas']);
    compare.sortBy('vusPr');
    expect(compare.sortDir).toBe('desc');
    expect(compare.rows.map((v) => v.variant)).toEqual(['midas', 'baseline', 'gradstack']);
    compare.sortBy('vusPr');
    expect(compare.rows.map((v) => v.variant)).toEqual(['gradstack', 'baseline', 'midas']);
    compare.sortBy('wallMs');
    expect(compare.sortDir).toBe('asc');
    expect(compare.rows.map((v) => v.variant)).toEqual(['gradstack', 'midas', 'baseline']);
    const noSpeed = { ...comparison.variants[1]!, variant: 'orphan', speedup: null };
    for (const dir of ['asc', 'desc'] as const)
      expect(sortRows([noSpeed, ...comparison.variants], 'speedup', dir).at(-1)?.variant).toBe('orphan');
  });
});
