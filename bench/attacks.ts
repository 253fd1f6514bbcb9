/**
 * `npm run bench -- attacks [--root DIR]`: the hostile-input attacks of issue 21 (previews, run
 * folders, job.json and settings.json, checkpoints, the queue), run against the StackLab tree at
 * DIR (default: this checkout), one line per attack saying what happened. To see the "before" of a
 * fix, check an older commit out beside this one and give it as --root:
 *
 *   git worktree add /tmp/before <commit> && ln -s "$PWD/node_modules" /tmp/before/node_modules
 *   npm run bench -- attacks --root /tmp/before
 *
 * Only the tree's own services, run loop and CLI are called, so older trees run the same attacks.
 * Needs redis-server (scripts/install-test-deps.sh) and mkfifo; an attack that hangs is stopped
 * and reported as such.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import {
  closeSync,
  constants,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Queue, QueueEvents } from 'bullmq';
import { startRedis, stopProcesses } from '../tests/helpers/redis';

type Handle = (channel: string, params: unknown) => Promise<unknown>;
interface Services {
  handle: Handle;
}

const tmp = (name: string) => mkdtempSync(path.join(os.tmpdir(), `stacklab-attack-${name}-`));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const short = (s: string, n = 140) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** `p`, or `hung` after `ms`. */
function within<T>(p: Promise<T>, ms: number): Promise<T | 'hung'> {
  return Promise.race([p, sleep(ms).then(() => 'hung' as const)]);
}

export async function benchAttacks(argv: string[]): Promise<string> {
  const at = argv.indexOf('--root');
  const root = path.resolve(at >= 0 ? argv[at + 1]! : '.');
  const load = async <T>(file: string): Promise<T> => (await import(path.join(root, file))) as T;
  const { createServices } = await load<{ createServices: (ctx: object) => Services }>('src/engine/services/index.ts');
  const { createSettingsService } = await load<{
    createSettingsService: (
      dir: string,
      runs: string,
    ) => { set: (c: object) => Promise<unknown>; get: () => Promise<{ threads: number }> };
  }>('src/engine/services/settings.ts');
  const procs: ChildProcess[] = [];
  const rows: [string, string][] = [];
  const say = (attack: string, outcome: string) => {
    rows.push([attack, outcome]);
    console.error(`${attack}: ${outcome}`);
  };
  /** The tree's CLI in a child process; killed after `ms`. */
  const cli = (args: string[], ms: number) => {
    const t0 = Date.now();
    const proc = spawn(process.execPath, [path.join(root, 'bin/stacklab.js'), ...args], {
      cwd: root,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    procs.push(proc);
    let err = '';
    proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const exit = new Promise<{ code: number | null | 'killed'; ms: number }>((resolve) => {
      const timer = setTimeout(() => (proc.kill('SIGKILL'), resolve({ code: 'killed', ms: Date.now() - t0 })), ms);
      proc.on('exit', (code) => (clearTimeout(timer), resolve({ code, ms: Date.now() - t0 })));
    });
    return { proc, exit, err: () => err, last: () => short(err.trim().split('\n').at(-1) ?? '') };
  };
  const answer = (s: Services, channel: string, params: unknown) =>
    s.handle(channel, params).then(
      (r) => JSON.stringify(r),
      (e: Error) => `error: ${e.message}`,
    );

  try {
    // 2. Previews.
    {
      const base = tmp('preview');
      const dataRoot = path.join(base, 'root');
      mkdirSync(dataRoot);
      const good = path.join(dataRoot, 'good.csv');
      writeFileSync(
        good,
        'timestamp,x\n' +
          Array.from({ length: 60 }, (_, i) => `2024-01-01 00:${String(i).padStart(2, '0')}:00,${Math.sin(i)}`).join(
            '\n',
          ) +
          '\n',
      );
      const key = path.join(dataRoot, 'id_ed25519');
      writeFileSync(key, 'SECRET-KEY,1\nSECRET-KEY,2\n');
      const s = createServices({
        host: 'server',
        runsDir: path.join(base, 'runs'),
        configDir: path.join(base, 'config'),
        root: dataRoot,
      });
      const open = createServices({
        host: 'server',
        runsDir: path.join(base, 'runs'),
        configDir: path.join(base, 'config'),
      });
      const passwd = await answer(open, 'data.inspect', { source: { kind: 'path', path: '/etc/passwd' } });
      say('data.inspect of /etc/passwd', passwd.includes('root:') ? 'its first lines shown' : short(passwd));
      const environ = await answer(open, 'data.inspect', { source: { kind: 'path', path: '/proc/self/environ' } });
      say('data.inspect of /proc/self/environ', /PATH=|HOME=/.test(environ) ? 'the environment shown' : short(environ));
      const fifo = path.join(dataRoot, 'a.csv');
      execFileSync('mkfifo', [fifo]);
      const t0 = Date.now();
      const r = await within(
        Promise.all(
          Array.from({ length: 6 }, () => answer(s, 'data.inspect', { source: { kind: 'path', path: fifo } })),
        ),
        20_000,
      );
      const list = await within(s.handle('jobs.list', {}), 10_000);
      // A tree that blocked on the FIFO holds its file-I/O threads until a writer comes: one comes and goes, so the rest can run.
      if (r === 'hung') {
        try {
          closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
        } catch {
          // No reader left waiting.
        }
        await sleep(1000);
      }
      say(
        '6 previews of a FIFO named .csv in --root, then jobs.list',
        r === 'hung'
          ? `hung (no answer in 20 s; jobs.list ${list === 'hung' ? 'hung too' : 'answered'})`
          : `each answered in ${Date.now() - t0} ms: ${short(r[0]!, 90)}; jobs.list ${list === 'hung' ? 'hung' : 'answered'}`,
      );
      const link = path.join(dataRoot, 'swapped.csv');
      symlinkSync(good, link);
      const swapper = spawn(
        process.execPath,
        [
          '-e',
          "const fs=require('node:fs');const [l,...t]=process.argv.slice(1);for(let i=0;;i++){try{fs.rmSync(l+'.new',{force:true});fs.symlinkSync(t[i%t.length],l+'.new');fs.renameSync(l+'.new',l)}catch{}}",
          link,
          good,
          key,
        ],
        { stdio: 'ignore' },
      );
      procs.push(swapper);
      let leaked = 0;
      for (let i = 0; i < 400; i++)
        if ((await answer(s, 'data.inspect', { source: { kind: 'path', path: link } })).includes('SECRET-KEY'))
          leaked++;
      swapper.kill('SIGKILL');
      say(
        '400 previews (--root) of a link swapped between a CSV file and a key file',
        `${leaked} of 400 showed the key file`,
      );
    }

    // 7. A labels file of 1,000,000 windows (48 MB) while another request waits.
    {
      const base = tmp('labels');
      const csv = path.join(base, 'nab.csv');
      const t = (i: number) =>
        new Date(Date.UTC(2024, 0, 1) + i * 300_000).toISOString().replace('T', ' ').slice(0, 19);
      writeFileSync(
        csv,
        'timestamp,value\n' +
          Array.from({ length: 22_695 }, (_, i) => `${t(i)},${Math.sin(i / 50).toFixed(4)}`).join('\n') +
          '\n',
      );
      const windows = Array.from({ length: 1_000_000 }, (_, i) => [t(i % 22_000), t((i % 22_000) + 2)]);
      const labels = path.join(base, 'windows.json');
      writeFileSync(labels, JSON.stringify({ 'nab.csv': windows }));
      const s = createServices({
        host: 'server',
        runsDir: path.join(base, 'runs'),
        configDir: path.join(base, 'config'),
      });
      // The longest the engine's event loop stood still: every other request waits at least that long.
      const lag = monitorEventLoopDelay({ resolution: 20 });
      lag.enable();
      const t0 = Date.now();
      const result = await answer(s, 'data.import', { source: { kind: 'path', path: csv, labels } });
      lag.disable();
      say(
        `an import with a labels file of 1,000,000 windows (${Math.round(readFileSync(labels).length / 2 ** 20)} MiB)`,
        `${result.startsWith('error') ? short(result.replace(base, 'DIR'), 100) : 'imported'} after ${((Date.now() - t0) / 1000).toFixed(1)} s; every other request blocked for up to ${(lag.max / 1e9).toFixed(1)} s`,
      );
    }

    // 3. A process paused past its heartbeat, its run taken over.
    {
      const out = tmp('fence');
      const run = cli(
        [
          'train',
          '--sample',
          '--variants',
          'baseline',
          '--seeds',
          '1',
          '--preset',
          'tiny',
          '--steps',
          '3000',
          '--device',
          'cpu',
          '--out',
          out,
        ],
        120_000,
      );
      const dir = path.join(out, 'baseline-s1');
      const cks = () =>
        existsSync(path.join(dir, 'checkpoints'))
          ? readdirSync(path.join(dir, 'checkpoints')).filter((f) => f.endsWith('.safetensors')).length
          : 0;
      while (cks() === 0) await sleep(50);
      run.proc.kill('SIGSTOP');
      writeFileSync(
        path.join(dir, 'run.lock'),
        JSON.stringify({ pid: 4242, host: 'other-host', started: new Date().toISOString(), token: 'f0f0' }),
      );
      const lines = readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').split('\n').filter(Boolean).length;
      const before = cks();
      run.proc.kill('SIGCONT');
      const { code } = await run.exit;
      const after = readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').split('\n').filter(Boolean).length;
      say(
        'a training process SIGSTOPped, its run taken over, then SIGCONT',
        `exit ${code}; after the takeover ${after - lines} metrics lines, ${cks() - before} checkpoints, ${existsSync(path.join(dir, 'report.json')) ? 'a report' : 'no report'}`,
      );
    }

    // 4. Concurrent writes, damaged files; 6. job.json leading outside --root.
    {
      const runs = tmp('writes');
      const s = createServices({ host: 'server', runsDir: runs, configDir: tmp('writes-config') });
      const job = {
        id: 'j1',
        name: 'x',
        createdAt: '2026-12-07T00:00:00.000Z',
        plan: { variants: ['baseline'], preset: 'tiny', seeds: 1 },
        import: { source: { kind: 'sample' } },
        source: 'sample (built-in synthetic plant)',
        device: 'cpu',
        runs: [{ name: 'baseline', variant: 'baseline', seed: 1, dir: 'baseline-s1', steps: 10 }],
      };
      let failed = 0;
      let corrupted = 0;
      for (let t = 0; t < 20; t++) {
        const dir = path.join(runs, `job${t}`);
        mkdirSync(dir);
        writeFileSync(path.join(dir, 'job.json'), JSON.stringify(job));
        const r = await Promise.allSettled([
          s.handle('jobs.rename', { dir, name: `a${t}` }),
          s.handle('jobs.rename', { dir, name: `b${t}` }),
        ]);
        failed += r.filter((x) => x.status === 'rejected').length;
        try {
          JSON.parse(readFileSync(path.join(dir, 'job.json'), 'utf8'));
        } catch {
          corrupted++;
        }
      }
      say(
        'two renames of one job at once, 20 trials',
        `${failed} of 40 renames failed, ${corrupted} of 20 job.json corrupted`,
      );
      const cfg = tmp('settings');
      const settings = createSettingsService(cfg, '/tmp/r');
      const r = await Promise.allSettled(Array.from({ length: 30 }, (_, i) => settings.set({ threads: i + 1 })));
      const back = await createSettingsService(cfg, '/tmp/r')
        .get()
        .then(
          (x) => `threads ${x.threads}`,
          (e: Error) => short(e.message, 60),
        );
      say(
        '30 settings changes at once',
        `${r.filter((x) => x.status === 'rejected').length} of 30 failed; read back: ${back}`,
      );
      const dir = path.join(runs, 'damaged');
      mkdirSync(dir);
      writeFileSync(path.join(dir, 'job.json'), '{"id": "j1", "name": "half');
      say('jobs.resume of a cut-short job.json', short((await answer(s, 'jobs.resume', { dir })).replace(dir, 'DIR')));
      writeFileSync(path.join(cfg, 'settings.json'), '{"threads": ');
      const fresh = createServices({ host: 'server', runsDir: runs, configDir: cfg });
      say(
        'settings.get of a cut-short settings.json',
        short((await answer(fresh, 'settings.get', {})).replace(cfg, 'CFG')),
      );
      const base = tmp('root');
      const dataRoot = path.join(base, 'root');
      const jobDir = path.join(dataRoot, 'runs', 'job');
      mkdirSync(jobDir, { recursive: true });
      mkdirSync(path.join(base, 'outside'));
      writeFileSync(
        path.join(base, 'outside', 'metrics.jsonl'),
        `${JSON.stringify({ type: 'train', step: 1, loss: 0.777, flops: 1, elapsedMs: 1 })}\n`,
      );
      writeFileSync(
        path.join(jobDir, 'job.json'),
        JSON.stringify({ ...job, runs: [{ ...job.runs[0], dir: '../../../outside' }] }),
      );
      const confined = createServices({
        host: 'server',
        runsDir: path.join(dataRoot, 'runs'),
        configDir: path.join(base, 'config'),
        root: dataRoot,
      });
      const history = await answer(confined, 'jobs.history', { dir: jobDir });
      say(
        'jobs.history of a job.json with runs[].dir "../../../outside" under --root',
        history.includes('0.777') ? 'read the metrics outside the root' : short(history.replace(jobDir, 'DIR')),
      );
    }

    // 8. A runs folder turning read-only (needs a bind mount: root).
    {
      const base = tmp('ro');
      const src = path.join(base, 'src');
      const ro = path.join(base, 'ro');
      mkdirSync(src);
      mkdirSync(ro);
      let mounted = false;
      try {
        execFileSync('mount', ['--bind', src, ro], { stdio: 'ignore' });
        mounted = true;
        const run = cli(
          [
            'train',
            '--sample',
            '--variants',
            'baseline',
            '--seeds',
            '1',
            '--preset',
            'tiny',
            '--steps',
            '3000',
            '--device',
            'cpu',
            '--out',
            path.join(ro, 'job'),
          ],
          120_000,
        );
        const cks = path.join(ro, 'job', 'baseline-s1', 'checkpoints');
        while (!(existsSync(cks) && readdirSync(cks).length)) await sleep(50);
        execFileSync('mount', ['-o', 'remount,bind,ro', ro]);
        await run.exit;
        say('a runs folder remounted read-only while a job trains', run.last().replace(ro, 'RO'));
      } catch (err) {
        say(
          'a runs folder remounted read-only while a job trains',
          `not measured: ${short((err as Error).message, 80)}`,
        );
      } finally {
        if (mounted) execFileSync('umount', [ro]);
      }
    }

    // 5. The queue.
    {
      const base = tmp('queue');
      const silent = net.createServer((sock) => sock.on('error', () => undefined)).listen(0, '127.0.0.1');
      await new Promise((r) => silent.once('listening', r));
      const w = cli(
        [
          'worker',
          '--queue',
          `redis://127.0.0.1:${(silent.address() as net.AddressInfo).port}`,
          '--runs-dir',
          base,
          '--device',
          'cpu',
        ],
        40_000,
      );
      const { code, ms } = await w.exit;
      silent.close();
      say(
        '`stacklab worker` on a Redis that accepts and never answers',
        code === 'killed'
          ? 'no answer in 40 s (killed)'
          : `exit ${code} after ${(ms / 1000).toFixed(1)} s: ${w.last()}`,
      );
      const red = await startRedis('attack', base);
      procs.push(red.proc);
      const runs = path.join(base, 'runs');
      mkdirSync(runs);
      // Ctrl+C while no worker serves the queue.
      const waiting = cli(
        [
          'train',
          '--sample',
          '--preset',
          'tiny',
          '--steps',
          '50',
          '--seeds',
          '2',
          '--device',
          'cpu',
          '--queue',
          red.url,
          '--runs-dir',
          runs,
          '--out',
          path.join(runs, 'job-wait'),
        ],
        60_000,
      );
      while (!waiting.err().includes('runs go to the queue')) await sleep(50);
      await sleep(500);
      const t0 = Date.now();
      waiting.proc.kill('SIGINT');
      const stopped = await waiting.exit;
      say(
        "the submitter's first Ctrl+C, no worker serving the queue",
        stopped.code === 'killed'
          ? `still waiting ${Math.round((Date.now() - t0) / 1000)} s later (killed)`
          : `exit ${stopped.code} ${((Date.now() - t0) / 1000).toFixed(1)} s after Ctrl+C`,
      );
      const worker = cli(
        ['worker', '--queue', red.url, '--runs-dir', runs, '--device', 'cpu', '--threads', '1', '--name', 'attacked'],
        600_000,
      );
      while (!worker.err().includes('takes runs from')) await sleep(100);
      // A real run first: its task is the template of a crafted one.
      await cli(
        [
          'train',
          '--sample',
          '--preset',
          'tiny',
          '--variants',
          'baseline',
          '--layers',
          '1',
          '--steps',
          '20',
          '--seeds',
          '1',
          '--device',
          'cpu',
          '--queue',
          red.url,
          '--runs-dir',
          runs,
          '--out',
          path.join(runs, 'job-ok'),
        ],
        120_000,
      ).exit;
      const { parseQueueUrl } = await load<{ parseQueueUrl: (u: string) => { connection: object } }>(
        'src/engine/queue/url.ts',
      );
      const { connection } = parseQueueUrl(red.url);
      const queue = new Queue('stacklab-runs', { connection });
      const events = new QueueEvents('stacklab-runs', { connection });
      await events.waitUntilReady();
      const template = (await queue.getJobs(['completed']))[0]!.data as Record<string, unknown>;
      const victim = path.join(base, 'victim');
      mkdirSync(victim);
      const crafted = await queue.add(
        'run',
        { ...template, jobDir: '../victim', runDir: 'x' },
        { attempts: 3, backoff: { type: 'fixed', delay: 200 } },
      );
      const outcome = await crafted.waitUntilFinished(events, 120_000).then(
        () => 'trained',
        (e: Error) => `failed after ${crafted.attemptsMade || 1} attempt(s): ${short(e.message, 90)}`,
      );
      say(
        'a task in Redis with jobDir "../victim"',
        `${outcome}; written outside the runs folder: ${readdirSync(victim).length ? readdirSync(path.join(victim, 'x')).join(', ') : 'nothing'}`,
      );
      const old = await queue.add('run', { ...template, version: '0.0.9' }, { attempts: 3 });
      say(
        'a task from another version',
        await old.waitUntilFinished(events, 120_000).then(
          () => 'trained',
          (e: Error) => short(e.message),
        ),
      );
      await Promise.allSettled([queue.close(), events.close()]);
      // A run whose folder a local train holds.
      const shared = path.join(runs, 'job-shared');
      const args = [
        'train',
        '--sample',
        '--preset',
        'tiny',
        '--variants',
        'baseline',
        '--layers',
        '2',
        '--steps',
        '1200',
        '--seeds',
        '1',
        '--device',
        'cpu',
        '--out',
        shared,
      ];
      const local = cli(args, 120_000);
      while (!existsSync(path.join(shared, 'baseline-s1', 'run.lock'))) await sleep(50);
      const queued = cli([...args, '--queue', red.url, '--runs-dir', runs, '--resume'], 120_000);
      const q = await queued.exit;
      await local.exit;
      say('a run submitted to the queue while a local `train` holds its folder', `exit ${q.code}: ${queued.last()}`);
      // Redis restarted empty mid-job.
      const out = path.join(runs, 'job-restart');
      const run = cli(
        [
          'train',
          '--sample',
          '--preset',
          'tiny',
          '--variants',
          'baseline',
          '--steps',
          '3000',
          '--seeds',
          '1',
          '--device',
          'cpu',
          '--queue',
          red.url,
          '--runs-dir',
          runs,
          '--out',
          out,
        ],
        60_000,
      );
      const cks = path.join(out, 'baseline-s1', 'checkpoints');
      while (!(existsSync(cks) && readdirSync(cks).some((f) => f.endsWith('.safetensors')))) await sleep(50);
      await stopProcesses([red.proc], 'SIGKILL');
      procs.push((await startRedis('attack', base, red.port)).proc);
      const t1 = Date.now();
      const r = await run.exit;
      say(
        'Redis restarted empty mid-job',
        r.code === 'killed'
          ? `submitter still waiting ${Math.round((Date.now() - t1) / 1000)} s later (killed)`
          : `exit ${r.code} ${((Date.now() - t1) / 1000).toFixed(1)} s after the restart: ${run.last()}`,
      );
    }
  } finally {
    for (const p of procs) p.kill('SIGKILL');
  }
  return ['| attack | outcome |', '|---|---|', ...rows.map(([a, o]) => `| ${a} | ${o.replace(/\|/g, '\\|')} |`)].join(
    '\n',
  );
}
