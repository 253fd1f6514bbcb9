/**
 * A real Redis for the queue tests (Debian's redis-server, installed by
 * scripts/install-test-deps.sh), started on a free loopback port with a password and without
 * persistence, and `stacklab worker` processes that train from it.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';

export const redisBin =
  process.env.REDIS_SERVER ||
  (() => {
    try {
      return execFileSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).trim();
    } catch {
      return '';
    }
  })();

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function answers(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const c = net.connect(port, '127.0.0.1', () => (c.end(), resolve(true)));
    c.on('error', () => resolve(false));
  });
}

/** A redis-server on `port` (a free one when absent), ready when this resolves; `dir` for its files. */
export async function startRedis(
  password: string,
  dir: string,
  port?: number,
): Promise<{ proc: ChildProcess; port: number; url: string }> {
  if (!redisBin)
    throw new Error('redis-server is missing: scripts/install-test-deps.sh installs it (apt-get install redis-server)');
  const p = port ?? (await freePort());
  const proc = spawn(
    redisBin,
    [
      '--port',
      String(p),
      '--bind',
      '127.0.0.1',
      '--requirepass',
      password,
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
    ],
    { stdio: 'ignore' },
  );
  for (let i = 0; i < 50 && !(await answers(p)); i++) await new Promise((r) => setTimeout(r, 100));
  return { proc, port: p, url: `redis://:${password}@127.0.0.1:${p}` };
}

export interface TestWorker {
  readonly proc: ChildProcess;
  readonly log: string[];
}

/** `stacklab worker` on `runsDir` (cpu, one thread), its stderr lines in `log`. */
export function startWorker(url: string, runsDir: string, name: string, configDir: string): TestWorker {
  const log: string[] = [];
  const proc = spawn(
    process.execPath,
    [
      'bin/stacklab.js',
      'worker',
      '--queue',
      url,
      '--runs-dir',
      runsDir,
      '--device',
      'cpu',
      '--threads',
      '1',
      '--name',
      name,
    ],
    {
      cwd: process.cwd(),
      env: { ...process.env, STACKLAB_CONFIG_DIR: path.join(configDir, `config-${name}`) },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  proc.stderr!.on('data', (b: Buffer) => log.push(...b.toString().split('\n').filter(Boolean)));
  return { proc, log };
}

/** Waits until a worker says it takes runs. */
export async function waitReady(w: TestWorker): Promise<void> {
  for (let i = 0; i < 300 && !w.log.some((l) => l.includes('takes runs from')); i++)
    await new Promise((r) => setTimeout(r, 100));
}

export async function stopProcesses(procs: readonly ChildProcess[], signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  for (const p of procs) p.kill(signal);
  await Promise.all(
    procs.map((p) => new Promise((r) => (p.exitCode !== null || p.signalCode !== null ? r(null) : p.once('exit', r)))),
  );
}
