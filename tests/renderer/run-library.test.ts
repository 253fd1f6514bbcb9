import { flushPromises } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import TrainStep from '../../src/renderer/src/steps/TrainStep.vue';
import { jobInfo, mountStep, TrainingFakeApi, trainingSpecHooks } from './fakes/training';

trainingSpecHooks();

describe('run library', () => {
  it('lists the library with Resume for interrupted jobs and Open for finished ones', async () => {
    const api = new TrainingFakeApi();
    api.library = [
      jobInfo({
        id: 'old',
        dir: '/runs/old',
        name: 'old job',
        createdAt: '2025-01-01T00:00:00.000Z',
        status: 'interrupted',
      }),
      jobInfo({
        id: 'new',
        dir: '/runs/new',
        name: 'new job',
        createdAt: '2025-02-01T00:00:00.000Z',
        status: 'finished',
      }),
    ];
    const { w, wizard } = mountStep(TrainStep, api);
    await flushPromises();
    const rows = w.findAll('[data-testid="library-row"]');
    expect(rows.map((r) => r.find('[data-testid="library-status"]').text())).toEqual(['finished', 'interrupted']);
    expect(rows[0]!.find('[data-testid="resume-job"]').exists()).toBe(false);
    await rows[1]!.find('[data-testid="resume-job"]').trigger('click');
    await flushPromises();
    expect(api.paramsOf('jobs.resume')).toEqual([{ dir: '/runs/old' }]);
    expect(w.find('[data-testid="job-name"]').text()).toBe('old job');
    expect(w.find('[data-testid="cancel-training"]').exists()).toBe(true);
    await w.find('[data-testid="open-job"]').trigger('click');
    expect(wizard.jobDir).toBe('/runs/new');
    expect(wizard.current.id).toBe('compare');
  });
});
