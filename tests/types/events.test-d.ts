/** Type test: events on the RPC hub carry their channel's payload type; an unknown channel or a wrong payload does not compile. */
import { describe, expectTypeOf, it } from 'vitest';
import type { EventMap } from '../../src/shared/ipc';
import type { JobProgress } from '../../src/shared/jobs';
import { EventHub } from '../../src/shared/rpc';

describe('typed events', () => {
  it('emit takes the payload of its channel', () => {
    const hub = new EventHub();
    expectTypeOf(hub.emit<'jobs.progress'>)
      .parameter(1)
      .toEqualTypeOf<JobProgress>();
    expectTypeOf(hub.emit<'jobs.changed'>)
      .parameter(1)
      .toEqualTypeOf<EventMap['jobs.changed']>();
    // @ts-expect-error: not an event channel
    hub.emit('jobs.nope', {});
    // @ts-expect-error: a progress payload is not a provider status
    hub.emit('system.providerProbed', { jobId: 'x' });
  });
});
