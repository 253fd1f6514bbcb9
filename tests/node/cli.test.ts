import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import pkg from '../../package.json';
import { runCli } from '../../src/engine/cli';
import { resumeCommand, trainCommand } from '../../src/engine/cli/train';
import type { SelfTestResult, SystemInfo } from '../../src/shared/system';
import { capture } from '../helpers/cli';

describe('stacklab CLI', () => {
  it('doctor --json prints system.info and the self-test as the last line of stdout', async () => {
    const c = capture();
    expect(await runCli(['doctor', '--json'], c.io)).toBe(0);
    const info = JSON.parse(c.out.at(-1)!) as SystemInfo & { selfTest: SelfTestResult[] };
    expect(info.host).toBe('cli');
    expect(info.providers.find((p) => p.name === 'cpu')).toMatchObject({ available: true });
    const cpu = info.selfTest.find((t) => t.provider === 'cpu')!;
    expect(cpu).toMatchObject({ ok: true, steps: 24 });
    expect(cpu.lastLoss!).toBeLessThan(cpu.firstLoss!);
    expect(cpu.msPerStep!).toBeGreaterThan(0);
    for (const p of info.providers) {
      const t = info.selfTest.find((s) => s.provider === p.name)!;
      if (!p.available)
        expect(t).toMatchObject({ ok: false, skipped: true, reason: expect.stringMatching(/^not run: /) });
      else expect(t.ok, t.reason).toBe(true);
    }
  });

  it('doctor prints a readable report with every provider', async () => {
    const c = capture();
    expect(await runCli(['doctor', '--quick'], c.io)).toBe(0);
    const text = c.out.join('\n');
    expect(text).toMatch(/^StackLab \d+\.\d+\.\d+ \(cli\)/);
    expect(text).toMatch(/cpu\s+available/);
    expect(text).toMatch(/webgpu\s+(available|unavailable - .+)/);
    expect(text).toMatch(/cuda\s+(available|unavailable - .+)/);
    expect(text).toMatch(/device auto\s+(cpu|webgpu|cuda)/);
    expect(text).not.toMatch(/self-test/);
  });

  it.each([
    [['doctor', '--jsn'], /stacklab doctor: Unknown option '--jsn'/],
    [['doctor', 'extra'], /unexpected argument "extra"/],
    [['trian'], /unknown command "trian"/],
    [['serve', '--port', '99999'], /--port must be an integer from 0 to 65535, got "99999"/],
    [['train', '--sample', 'plantt'], /stacklab train: --sample must be plant or multi-run, got "plantt"/],
    [['train', '--sample', '--data', 'x.csv'], /give --data or --sample, not both/],
    [['train', '--sample', '--normalize', 'global'], /--normalize must be per-series or pooled, got "global"/],
    [['train', '--sample', '--threshold', 'each'], /--threshold must be per-series or pooled, got "each"/],
    [['train', '--sample', '--combine', 'sum'], /--combine must be mean or max, got "sum"/],
    [['train', '--sample', '--train-rows', '0'], /--train-rows must be a positive integer, got "0"/],
    [['train', '--sample', '--seeds', '50'], /the number of seeds must be a whole number from 1 to 20, got 50/],
    [
      ['train', '--sample', '--seeds', '--out', '/tmp/x'],
      /--seeds needs a value \(it is followed by the option --out\)/,
    ],
    [
      ['train', '--sample', '--train-rows', '100', '--train-fraction', '0.5'],
      /give --train-rows or --train-fraction, not both/,
    ],
    [
      ['train', '--sample', '--train-fraction', '0'],
      /the training fraction must be a number from 0\.01 to 0\.99, got 0/,
    ],
    // A negative number is a value, checked by the option itself (not "write --smooth=-3").
    [['train', '--sample', '--smooth', '-3'], /--smooth must be a positive integer, got "-3"/],
    [['train', '--sample', '--parallel', '-1'], /--parallel must be auto or a whole number from 1 to 16, got "-1"/],
    [['train', '--sample', '--stepz', '30'], /Unknown option '--stepz'; did you mean --steps\?/],
    [['train', '--sample', '--steps'], /^stacklab train: --steps needs a value$/m],
    [
      ['train', '--sample', '--seed-batch', 'auto', '--parallel', '2'],
      /--seed-batch and --parallel above 1 are two ways of training runs together/,
    ],
    [['doctor', '--jsno'], /Unknown option '--jsno'; did you mean --json\?/],
    [['trian'], /unknown command "trian"; did you mean train\?/],
    [['help', 'trian'], /stacklab help: unknown command "trian"; did you mean train\?/],
    [
      ['train', '--sample', 'multi-run', '--train-rows', '5000'],
      /run-01\.csv \(5000 rows\).*5000 training rows per series leave no test part \(a series needs at least 5001 rows\)/,
    ],
    [['import', '--sample', 'many'], /stacklab import: --sample must be plant or multi-run, got "many"/],
    [['train', '--sample', '--precision', 'fp8'], /--precision must be fp32 or tf32 or bf16 or fp16, got "fp8"/],
    [
      ['train', '--sample', '--precision', 'bf16', '--device', 'cpu'],
      /precision bf16 runs on cuda, not on cpu: pick fp32 on cpu, or train on cuda/,
    ],
  ])('%j is a usage error (exit 2) that names the problem and where the options are', async (argv, message) => {
    const c = capture();
    expect(await runCli(argv, c.io)).toBe(2);
    const err = c.err.join('\n');
    expect(err).toMatch(message);
    // The message stays on screen: no usage after it, a pointer to the command's own.
    expect(err.split('\n')).toHaveLength(2);
    expect(err).toMatch(
      ['doctor', 'serve', 'train', 'import'].includes(argv[0]!)
        ? new RegExp(`\\(stacklab ${argv[0]} --help shows its options; stacklab help lists every command\\)$`)
        : /^\(stacklab help lists every command\)$/m,
    );
  });

  it.each([
    [['train', '--help'], /^stacklab train --data/],
    [['help', 'train'], /^stacklab train --data/],
    [['import', '-h'], /^stacklab import <file\|folder>/],
    [['help', 'score'], /^stacklab export --run/],
    [['doctor', '--help'], /^stacklab doctor \[--json\]/],
    [['serve', '--port', '1', '--help'], /^stacklab serve \[--host H\]/],
    [['help'], /^usage: stacklab <command>/],
  ])('%j prints that usage and exits 0, fitted to the terminal', async (argv, start) => {
    for (const columns of [60, 80, 120]) {
      const c = capture(columns);
      expect(await runCli(argv, c.io)).toBe(0);
      const text = c.out.join('\n');
      expect(text).toMatch(start);
      const lines = text.split('\n');
      expect(
        lines.filter((l) => l.length > columns),
        `at ${columns} columns`,
      ).toEqual([]);
      // Nothing lost: every option of the usage is still there.
      if (argv.includes('train'))
        for (const o of ['--sample', '--parallel', '--resume', '--json']) expect(text).toContain(o);
    }
  });

  it('imports the multi-run sample as twelve series, each its own file', async () => {
    const c = capture();
    expect(await runCli(['import', '--sample', 'multi-run', '--json'], c.io), c.err.join('\n')).toBe(0);
    const profile = JSON.parse(c.out.at(-1)!) as {
      files: { path: string; rows: number }[];
      dataset: { files: number; rows: number; events: number };
    };
    expect(profile.dataset).toMatchObject({ files: 12, rows: 60_000, events: 12 });
    expect(profile.files[0]!.path).toBe('run-01.csv (built-in, generated)');
    expect(await runCli(['import', '--sample'], c.io)).toBe(0);
    expect(c.out.join('\n')).toMatch(/sample-plant\.csv \(built-in, generated\)/);
    // --write keeps the sample's files, e.g. to score one run with an exported model.
    const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'stacklab-write-')), 'rig');
    expect(await runCli(['import', '--sample', 'multi-run', '--write', out], c.io)).toBe(0);
    expect(readdirSync(out)).toHaveLength(12);
    expect(readFileSync(path.join(out, 'run-03.csv'), 'utf8').split('\n')[0]).toBe(
      'timestamp,feed_flow,pump_speed,valve_position,outlet_flow,tank_level,pump_power,motor_temp,pressure,label,fault_kind',
    );
    expect(c.err.join('\n')).toMatch(/the sample's CSV files are in .*rig/);
  });

  it('fits the import profile to the terminal: long channel lists wrap under their label', async () => {
    const c = capture(60);
    expect(await runCli(['import', '--sample', 'multi-run'], c.io)).toBe(0);
    const lines = c.out.join('\n').split('\n');
    expect(lines.filter((l) => l.length > 60)).toEqual([]);
    // run-01's eight channels, every range kept, continued under "channels: ".
    const at = lines.findIndex((l) => l.startsWith('  channels: feed_flow'));
    expect(at).toBeGreaterThan(0);
    expect(lines[at + 1]).toMatch(/^ {12}\S/);
    expect(
      lines
        .slice(at, at + 6)
        .join(' ')
        .replace(/\s+/g, ' '),
    ).toMatch(/pressure \[-?[\d.]+\.\.[\d.]+\]/);
  });

  it('stops `stacklab train` on SIGTERM like Ctrl+C: a checkpoint, a cancelled report, exit 143', async () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'stacklab-sigterm-'));
    const child = spawn(
      process.execPath,
      [
        'bin/stacklab.js',
        'train',
        '--sample',
        '--variants',
        'baseline',
        '--steps',
        '5000',
        '--seeds',
        '1',
        '--device',
        'cpu',
        '--out',
        out,
      ],
      { cwd: process.cwd() },
    );
    let err = '';
    const training = new Promise<void>((resolve) => {
      child.stderr.on('data', (d: Buffer) => {
        err += d.toString();
        if (/baseline s1 +step \d+\/5000/.test(err)) resolve();
      });
    });
    await training;
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code, err).toBe(143);
    const report = JSON.parse(readFileSync(path.join(out, 'baseline-s1', 'report.json'), 'utf8')) as {
      status: string;
      stages: { steps: number }[];
    };
    expect(report.status).toBe('cancelled');
    expect(readdirSync(path.join(out, 'baseline-s1', 'checkpoints')).length).toBeGreaterThan(0);
    expect(existsSync(path.join(out, 'baseline-s1', 'run.lock'))).toBe(false);
    expect(err).toMatch(/SIGTERM: stopping after the current step and writing a checkpoint/);
    expect(err).toMatch(
      /stopped: the runs keep their checkpoints; continue with:\n {2}stacklab train --sample --variants baseline --steps 5000 --seeds 1 --device cpu --out \S+ --resume$/m,
    );
  }, 60_000);

  it('begins no run folder when stopped before training starts', async () => {
    const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'stacklab-stopped-')), 'job');
    const abort = new AbortController();
    abort.abort();
    const c = capture();
    expect(
      await trainCommand(
        ['--sample', '--variants', 'baseline', '--steps', '10', '--seeds', '1', '--device', 'cpu', '--out', out],
        c.io,
        abort.signal,
      ),
    ).toBe(130);
    expect(existsSync(out)).toBe(false);
  });

  it('shows one updating progress line per run in a terminal, fitted to its width', async () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'stacklab-progress-'));
    const c = capture();
    const shown: string[] = [];
    const io = { ...c.io, columns: 80, progress: { columns: 72, show: (l: string) => shown.push(l) } };
    expect(
      await trainCommand(
        [
          '--sample',
          '--variants',
          'midas',
          '--layers',
          '2',
          '--block',
          '1',
          '--steps',
          '20',
          '--seeds',
          '1',
          '--device',
          'cpu',
          '--out',
          out,
        ],
        io,
      ),
      c.err.join('\n'),
    ).toBe(0);
    expect(shown.length).toBeGreaterThan(0);
    // Within the terminal (its last column left free), whole parts left out: never a number cut.
    for (const l of shown) expect(l.length, l).toBeLessThanOrEqual(71);
    expect(
      shown.every((l) =>
        /^ {2}midas s1 +step \d+\/20 {2}stage \d \((1 layer|2 layers)\)( {2}loss \d\.\d{4})?( {2}\d+ tok\/s)? {2}ETA \d+ s$/.test(
          l,
        ),
      ),
      shown.join('\n'),
    ).toBe(true);
    expect(shown.some((l) => l.includes('stage 1 (1 layer)'))).toBe(true);
    // stderr keeps no step line: the progress line becomes the run's report.
    const err = c.err.join('\n');
    expect(err).not.toMatch(/ step \d+\/20/);
    expect(err).toMatch(/^ {2}midas s1 +finished in [\d.]+ s, val loss \d\.\d{4}$/m);
    // Sentences on stderr wrap at spaces to the terminal; the table on stdout fits its columns.
    expect(err.split('\n').filter((l) => l.length > 72)).toEqual([]);
    // Without a terminal (a pipe, a log) the lines fit $COLUMNS (here io.columns) as well.
    const piped = capture(60);
    expect(
      await trainCommand(
        ['--sample', '--layers', '2', '--steps', '20', '--seeds', '1', '--out', out, '--resume'],
        piped.io,
      ),
    ).toBe(0);
    expect(
      [...piped.err, ...piped.out]
        .join('\n')
        .split('\n')
        .filter((l) => l.length > 60),
    ).toEqual([]);
    expect(err.replace(/\s+/g, ' ')).toContain(
      'training 1 run of the tiny preset (2 layers, blocks of 1, Prop-1, 20 steps)',
    );
    expect(err).not.toMatch(/\(s\)|\b1 layers\b/);
    expect(
      c.out
        .join('\n')
        .split('\n')
        .filter((l) => l.length > 80),
    ).toEqual([]);
  });

  it('refuses a folder as the exported model’s file', async () => {
    const c = capture();
    const folder = mkdtempSync(path.join(os.tmpdir(), 'stacklab-out-'));
    expect(await runCli(['export', '--run', folder, '--out', folder], c.io)).toBe(2);
    expect(c.err.join('\n')).toMatch(/--out .* is a folder: give the model's file name/);
    expect(readdirSync(folder)).toEqual([]);
  });

  it('prints its version and help', async () => {
    const c = capture();
    expect(await runCli(['--version'], c.io)).toBe(0);
    expect(c.out).toEqual([pkg.version]);
    expect(await runCli(['help'], c.io)).toBe(0);
    expect(c.out.join('\n')).toMatch(/doctor \[--json\]/);
  });

  it('runs as a command: `npm run cli -- doctor --json` reports cpu available', async () => {
    const { stdout } = await promisify(execFile)('npm', ['run', '-s', 'cli', '--', 'doctor', '--json', '--quick'], {
      cwd: process.cwd(),
    });
    const info = JSON.parse(stdout.trim().split('\n').at(-1)!) as SystemInfo;
    expect(info.providers.find((p) => p.name === 'cpu')?.available).toBe(true);
  });
});

describe('the command that continues a stopped job', () => {
  it('repeats the options as given, quoted for a shell, with the job folder and --resume', () => {
    expect(
      resumeCommand(['--data', "Line 3's export.csv", '--out=old', '--steps', '60', '--resume'], '/runs/job 1'),
    ).toBe(`stacklab train --data 'Line 3'\\''s export.csv' --steps 60 --out '/runs/job 1' --resume`);
    expect(resumeCommand(['--sample', '--queue', 'redis://:s3cret@q:6379/2', '--out', 'x'], '/runs/j')).toBe(
      "stacklab train --sample --queue 'redis://:<password>@q:6379/2' --out /runs/j --resume",
    );
    expect(resumeCommand(['--sample', '--queue=rediss://user:s3cret@q:6380'], '/r')).toBe(
      "stacklab train --sample '--queue=rediss://user:<password>@q:6380' --out /r --resume",
    );
  });
});
