import { flushPromises } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import type { JobInfo } from '../../src/shared/jobs';
import { jobInfo, storesWith, TrainingFakeApi, trainingSpecHooks } from './fakes/training';

trainingSpecHooks();

describe('library store', () => {
  it('lists the library newest first and resumes an interrupted job', async () => {
    const api = new TrainingFakeApi();
    const older = jobInfo({ id: 'a', dir: '/runs/a', createdAt: '2025-01-01T00:00:00.000Z', status: 'interrupted' });
    const newer = jobInfo({ id: 'b', dir: '/runs/b', createdAt: '2025-02-01T00:00:00.000Z', status: 'finished' });
    api.library = [older, newer];
    const { job, library, wizard } = storesWith(api);
    await library.refresh();
    expect(library.jobs.map((j) => j.id)).toEqual(['b', 'a']);
    await job.resume('/runs/a');
    expect(api.paramsOf('jobs.resume')).toEqual([{ dir: '/runs/a' }]);
    expect(job.job?.id).toBe('a');
    expect(job.job?.status).toBe('running');
    expect(wizard.jobDir).toBe('/runs/a');
    expect(wizard.current.id).toBe('train');
    job.open(newer);
    expect(job.job?.id).toBe('b');
    expect(wizard.jobDir).toBe('/runs/b');
  });

  it('says when the library cannot be read', async () => {
    const api = new TrainingFakeApi();
    api.handlers['jobs.list'] = () => {
      throw new Error('EACCES /runs');
    };
    const { library } = storesWith(api);
    await library.refresh();
    expect(library.error).toMatch(/run library: EACCES/);
  });

  it('replaces a job it lists, and adds one it does not list only when asked', () => {
    const { library } = storesWith();
    library.jobs = [jobInfo({ id: 'a', dir: '/runs/a' }), jobInfo({ id: 'b', dir: '/runs/b' })];
    library.update(jobInfo({ id: 'b', dir: '/runs/b', status: 'finished' }), false);
    expect(library.jobs.map((j) => [j.id, j.status])).toEqual([
      ['a', 'running'],
      ['b', 'finished'],
    ]);
    library.update(jobInfo({ id: 'c', dir: '/runs/c' }), false);
    expect(library.jobs.map((j) => j.id)).toEqual(['a', 'b']);
    library.update(jobInfo({ id: 'c', dir: '/runs/c' }), true);
    expect(library.jobs.map((j) => j.id)).toEqual(['c', 'a', 'b']);
  });

  it('says when the engine answers something other than a list', async () => {
    const api = new TrainingFakeApi();
    api.handlers['jobs.list'] = () => ({}) as unknown as JobInfo[];
    const { library } = storesWith(api);
    await library.refresh();
    expect(library.error).toBe(
      'Could not read the run library: the engine answered something other than a list of jobs',
    );
    expect(library.loading).toBe(false);
  });

  it('says which job could not be resumed, and keeps showing none', async () => {
    const api = new TrainingFakeApi();
    api.handlers['jobs.resume'] = ({ dir }) => {
      throw new Error(`${dir} holds no checkpoint to resume from`);
    };
    const { job, library } = storesWith(api);
    await flushPromises();
    await job.resume('/runs/a');
    expect(library.error).toBe('Could not resume /runs/a: /runs/a holds no checkpoint to resume from');
    expect(job.job).toBeNull();
    expect(job.resuming).toBeNull();
  });
});
