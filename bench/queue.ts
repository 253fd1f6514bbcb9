/**
 * `npm run bench -- queue [--workers 1,2] [--preset P] [--steps T] [--variants a,b,c] [--seeds N]
 *  [--device D] [--gpus N] [--threads N] [--cli FILE] [--json]`
 *
 * A grid (variants × seeds) trained through the job queue by 1, 2, … workers on this machine:
 * Debian's redis-server on a free loopback port, the workers as `stacklab worker` processes (the
 * CPU threads split between them on the CPU), the submitter `stacklab train --queue`. Reports the
 * grid's wall-clock from submit to comparison and the speed-up over one worker.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runCli } from '../src/engine/cli/run';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function waitFor(check: () => boolean | Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function benchQueue(argv: string[]): Promise<string> {
  const { values } = parseArgs({
    args: argv,
    options: {
      workers: { type: 'string', default: '1,2' },
      preset: { type: 'string', default: 'tiny' },
      steps: { type: 'string', default: '300' },
      variants: { type: 'string', default: 'baseline,gradstack,midas' },
      seeds: { type: 'string', default: '4' },
      device: { type: 'string', default: 'cpu' },
      threads: { type: 'string' },
      /** With --device cuda: spread the workers over this many GPUs (worker i on cuda:i mod N). */
      gpus: { type: 'string', default: '1' },
      /** The CLI the workers run (the bundled out/device/cli.mjs on a machine without the sources). */
      cli: { type: 'string', default: 'bin/stacklab.js' },
      json: { type: 'boolean', default: false },
    },
  });
  const redisBin =
    process.env.REDIS_SERVER || execFileSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).trim();
  const root = mkdtempSync(path.join(os.tmpdir(), 'stacklab-bench-queue-'));
  const port = await freePort();
  const redis = spawn(
    redisBin,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', root],
    { stdio: 'ignore' },
  );
  await waitFor(
    () =>
      new Promise<boolean>((resolve) => {
        const c = net.connect(port, '127.0.0.1', () => (c.end(), resolve(true)));
        c.on('error', () => resolve(false));
      }),
    'redis-server',
  );
  const url = `redis://127.0.0.1:${port}`;
  const rows: { workers: number; seconds: number }[] = [];
  try {
    for (const n of values.workers.split(',').map(Number)) {
      const runsDir = path.join(root, `runs-${n}`);
      mkdirSync(runsDir, { recursive: true });
      // On the CPU the cores are split between the workers; on a GPU each takes what it needs.
      const threads = values.threads
        ? Number(values.threads)
        : values.device === 'cpu'
          ? Math.max(1, Math.floor(os.availableParallelism() / n))
          : undefined;
      const procs: { proc: ChildProcess; ready: boolean }[] = [];
      for (let i = 0; i < n; i++) {
        const gpus = Number(values.gpus);
        const device = values.device === 'cuda' && gpus > 1 ? `cuda:${i % gpus}` : values.device;
        const proc = spawn(
          process.execPath,
          [
            values.cli,
            'worker',
            '--queue',
            url,
            '--runs-dir',
            runsDir,
            '--device',
            device,
            '--name',
            `w${i + 1}`,
            ...(threads ? ['--threads', String(threads)] : []),
          ],
          {
            stdio: ['ignore', 'ignore', 'pipe'],
            env: { ...process.env, STACKLAB_CONFIG_DIR: path.join(root, `config-${n}-${i}`) },
          },
        );
        const p = { proc, ready: false };
        proc.stderr!.on('data', (b: Buffer) => b.toString().includes('takes runs from') && (p.ready = true));
        procs.push(p);
      }
      await waitFor(() => procs.every((p) => p.ready), `${n} workers`, 60_000);
      const t0 = performance.now();
      const quiet = { out: () => undefined, err: () => undefined, columns: 120 };
      const code = await runCli(
        [
          'train',
          '--sample',
          '--preset',
          values.preset,
          '--variants',
          values.variants,
          '--steps',
          values.steps,
          '--seeds',
          values.seeds,
          '--device',
          values.device,
          '--queue',
          url,
          '--runs-dir',
          runsDir,
          '--out',
          path.join(runsDir, 'grid'),
          '--json',
        ],
        quiet,
      );
      const seconds = (performance.now() - t0) / 1000;
      for (const p of procs) p.proc.kill('SIGTERM');
      await Promise.all(
        procs.map((p) => new Promise((r) => (p.proc.exitCode !== null ? r(null) : p.proc.once('exit', r)))),
      );
      if (code !== 0) throw new Error(`the grid with ${n} worker(s) failed (exit ${code})`);
      rows.push({ workers: n, seconds });
      // As it goes: a run cut short still leaves the rows measured.
      console.error(`queue bench: ${n} worker(s) ${seconds.toFixed(1)} s`);
    }
  } finally {
    redis.kill();
  }
  if (values.json) return JSON.stringify(rows);
  const one = rows.find((r) => r.workers === 1)?.seconds ?? rows[0]!.seconds;
  const grid = `${values.variants.split(',').length} variants × ${values.seeds} seeds`;
  return [
    `queue bench: ${grid} of ${values.preset}, ${values.steps} steps, device ${values.device}${Number(values.gpus) > 1 ? ` over ${values.gpus} GPUs` : ''}, on ${os.availableParallelism()} CPU threads`,
    ...rows.map(
      (r) =>
        `  ${String(r.workers).padStart(2)} worker(s)  ${r.seconds.toFixed(1).padStart(7)} s  speed-up ×${(one / r.seconds).toFixed(2)}`,
    ),
  ].join('\n');
}
