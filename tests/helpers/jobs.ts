import type { StackLabApi } from '../../src/shared/ipc';
import type { JobInfo } from '../../src/shared/jobs';

/** Resolves with the job's state once `jobs.changed` reports it not running. */
export function settled(api: StackLabApi, jobId: string): Promise<JobInfo> {
  return new Promise((resolve) => {
    const off = api.on('jobs.changed', (j) => {
      if (j.id === jobId && j.status !== 'running') {
        off();
        resolve(j);
      }
    });
  });
}
