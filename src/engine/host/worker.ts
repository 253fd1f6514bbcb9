/**
 * The engine process: runs the services away from the UI's thread (ORT's `session.run` blocks
 * the thread it runs on). Started by the Electron main process as a utilityProcess and by the
 * server mode as a Node child process; speaks the wire protocol of `shared/ipc` to its parent.
 * Host facts arrive in the environment: STACKLAB_HOST, STACKLAB_ELECTRON_VERSION, STACKLAB_RUNS_DIR,
 * STACKLAB_ROOT (`serve --root`).
 */
import { EVENT_CHANNELS, toWireError, type WireMessage } from '../../shared/ipc';
import { createServices } from '../services';
import { defaultRunsDir } from '../paths';

interface ParentPort {
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
}

function connect(): { send: (m: WireMessage) => void; onMessage: (cb: (m: unknown) => void) => void } {
  const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;
  if (parentPort) {
    return {
      send: (m) => parentPort.postMessage(m),
      onMessage: (cb) => parentPort.on('message', (e) => cb(e.data)),
    };
  }
  if (process.send) {
    const send = process.send.bind(process);
    return { send: (m) => send(m), onMessage: (cb) => process.on('message', cb) };
  }
  throw new Error('the engine worker must be started by StackLab (no parent port or IPC channel)');
}

const host = process.env.STACKLAB_HOST === 'electron' ? 'electron' : 'server';
const services = createServices({
  host,
  runsDir: defaultRunsDir(),
  ...(process.env.STACKLAB_ELECTRON_VERSION ? { electronVersion: process.env.STACKLAB_ELECTRON_VERSION } : {}),
  ...(process.env.STACKLAB_ROOT ? { root: process.env.STACKLAB_ROOT } : {}),
});
const port = connect();

for (const event of EVENT_CHANNELS) {
  services.events.on(event, (payload) => port.send({ kind: 'event', event, payload }));
}

port.onMessage((raw) => {
  const msg = raw as Partial<WireMessage>;
  if (msg?.kind !== 'request' || typeof msg.id !== 'number') return;
  const { id, channel, params } = msg as Extract<WireMessage, { kind: 'request' }>;
  services.handle(channel, params).then(
    (result) => port.send({ kind: 'response', id, ok: true, result }),
    (err: unknown) => port.send({ kind: 'response', id, ok: false, error: toWireError(err) }),
  );
});

// Asked to stop (the app quits, the server stops): running jobs end at a checkpoint first, so
// they resume exactly where they were; a hard kill leaves them resumable from the last one.
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    void services.jobs.stopAll().finally(() => process.exit(0));
  });
}
