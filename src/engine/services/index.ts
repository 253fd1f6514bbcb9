/**
 * The services behind the IPC contract: one handler per request channel, each fed parameters
 * that have passed the channel's validator, and an event hub for streams.
 * Hosts (Electron main via the engine worker, the server mode, the CLI) all go through `handle`.
 */
import { validateRequest, type ParamsOf, type RequestChannel, type ResultOf, type StackLabApi } from '../../shared/ipc';
import { EventHub } from '../../shared/rpc';
import { defaultConfigDir } from '../paths';
import { comparisonOf, exportFile, timelineOf } from './compare';
import { createDataService } from './data';
import { createJobService, type JobService } from './jobs/index';
import { queueWorkers } from '../queue/executor';
import { parseQueueUrl } from '../queue/url';
import { createSessionService } from './session';
import { createSettingsService } from './settings';
import { createSystemInfoService, type HostContext } from './system';
import { pathGuard } from './folders';
import path from 'node:path';

type Handlers = { readonly [C in RequestChannel]: (params: ParamsOf<C>) => Promise<ResultOf<C>> };

export interface Services {
  /** Validates `params` for `channel` and runs its handler. Throws `InvalidParamsError` on bad input. */
  handle(channel: unknown, params: unknown): Promise<unknown>;
  readonly events: EventHub;
  /** The training jobs (to wait for them or stop them at shutdown). */
  readonly jobs: JobService;
}

export type { HostContext };

export function createServices(ctx: HostContext): Services {
  const events = new EventHub();
  const systemInfo = createSystemInfoService(ctx);
  const inside = pathGuard(ctx.root);
  // With a root, runs go inside it unless the runs folder given already is.
  const runsDir =
    ctx.root && path.relative(path.resolve(ctx.root), path.resolve(ctx.runsDir)).startsWith('..')
      ? path.join(path.resolve(ctx.root), 'runs')
      : ctx.runsDir;
  // A runs folder stored in settings.json outside the root (chosen before --root was given) gives way to DIR/runs.
  const settings = createSettingsService(
    ctx.configDir ?? defaultConfigDir(),
    runsDir,
    ctx.root
      ? (d) =>
          inside(d, 'the runs folder').then(
            () => true,
            () => false,
          )
      : undefined,
  );
  const session = createSessionService(ctx.configDir ?? defaultConfigDir());
  const data = createDataService(ctx.root ? inside : undefined);
  const jobs = createJobService({
    data,
    settings,
    events,
    ...(ctx.root ? { inside: (dir: string) => inside(dir, 'the job folder') } : {}),
  });
  /** The runs folder in use, inside the root. */
  const runsFolder = async () => inside((await settings.get()).runsDir, 'the runs folder');
  const job = (dir: string) => inside(dir, 'the job folder');
  const handlers: Handlers = {
    'system.info': async (params) => ({
      ...(await systemInfo(params, (status) => events.emit('system.providerProbed', status))),
      runsDir: (await settings.get()).runsDir,
    }),
    'system.pickPath': async () => {
      throw new Error(
        'choosing a path with a dialog needs the desktop app: type the path (on the machine running the engine) instead',
      );
    },
    'settings.get': () => settings.get(),
    'settings.set': async (p) => {
      if (p.runsDir !== undefined) await inside(p.runsDir, 'the runs folder');
      return settings.set(p);
    },
    // The data service confines every path it reads, those of a resumed job's job.json included.
    'data.import': (p) => data.import(p),
    'data.inspect': (p) => data.inspect(p),
    'session.get': () => session.get(),
    'session.set': async (p) => {
      if (p.jobDir) await job(p.jobDir);
      return session.set(p);
    },
    'train.estimate': (p) => jobs.estimate(p),
    'jobs.start': async (p) => {
      await runsFolder();
      return jobs.start(p);
    },
    'jobs.cancel': (p) => jobs.cancel(p.jobId),
    'jobs.list': async () => {
      await runsFolder();
      return jobs.list();
    },
    'jobs.resume': async (p) => jobs.resume(await job(p.dir)),
    'jobs.history': async (p) => jobs.history(await job(p.dir)),
    'jobs.rename': async (p) => jobs.rename(await job(p.dir), p.name),
    'queue.workers': async () => {
      const url = (await settings.get()).queue;
      return url ? queueWorkers(parseQueueUrl(url)) : [];
    },
    'compare.get': async (p) => comparisonOf(await job(p.dir)),
    'compare.timeline': async (p) => timelineOf(await inside(p.runDir, 'the run folder')),
    'export.file': async (p) => exportFile(p.kind, await job(p.dir)),
  };
  return {
    events,
    jobs,
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
