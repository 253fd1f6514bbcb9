/**
 * The services behind the IPC contract: one handler per request channel, each fed parameters
 * that have passed the channel's validator, and an event hub for streams.
 * Hosts (Electron main via the engine worker, the server mode, the CLI) all go through `handle`.
 */
import { validateRequest, type ParamsOf, type RequestChannel, type ResultOf, type StackLabApi } from '../../shared/ipc';
import { EventHub } from '../../shared/rpc';
import { createSystemInfoService, type HostContext } from './system';

type Handlers = { readonly [C in RequestChannel]: (params: ParamsOf<C>) => Promise<ResultOf<C>> };

export interface Services {
  /** Validates `params` for `channel` and runs its handler. Throws `InvalidParamsError` on bad input. */
  handle(channel: unknown, params: unknown): Promise<unknown>;
  readonly events: EventHub;
}

export type { HostContext };

export function createServices(ctx: HostContext): Services {
  const events = new EventHub();
  const systemInfo = createSystemInfoService(ctx);
  const handlers: Handlers = {
    'system.info': (params) => systemInfo(params, (status) => events.emit('system.providerProbed', status)),
  };
  return {
    events,
    async handle(channel, params) {
      const req = validateRequest(channel, params);
      const handler = handlers[req.channel] as (p: unknown) => Promise<unknown>;
      return handler(req.params);
    },
  };
}

/** The services as a `StackLabApi`, in this process (the CLI, tests). */
export function servicesAsApi(services: Services): StackLabApi {
  return {
    invoke: (channel, params) => services.handle(channel, params) as Promise<never>,
    on: (event, listener) => services.events.on(event, listener),
  };
}
