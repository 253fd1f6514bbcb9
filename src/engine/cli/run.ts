/**
 * The `stacklab` command line: the same services as the desktop app, headless.
 *   stacklab doctor [--json]                 what this machine can run
 *   stacklab serve [--host H] [--port P]     the UI in a browser (server mode)
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { APP_VERSION } from '../app-meta';
import { EngineWorker } from '../host/worker-client';
import { defaultRunsDir } from '../paths';
import { startServer } from '../server/server';
import { createServices } from '../services';
import type { SystemInfo } from '../../shared/system';
import { closest, parseCommandArgs, parsePort, UsageError } from './args';
import { fitUsage } from './fit';
import { formatDoctor } from './doctor';
import { DEFAULT_COLUMNS, processIo, type CliIo } from './io';
import { describeCudaLibraries, findCudaLibraries } from '../runtime/cuda-libs';
import { cudaProviderInstalled } from '../runtime/providers';
import { IMPORT_USAGE, importCommand } from './import';
import { TRAIN_USAGE, trainCommand } from './train';
import { EXPORT_USAGE, exportCommand, scoreCommand } from './score';
import { COMPARE_USAGE, compareCommand } from './compare';
import { keepVerdicts, selfTest } from '../runtime/selftest';

import { WORKER_USAGE, workerCommand } from './worker';
export type { CliIo } from './io';

const DOCTOR_USAGE = `stacklab doctor [--json] [--quick]
  versions, a live probe of each execution provider (cpu, webgpu, cuda) and a self-test of a few train
  steps on each; exit 1 when the CPU is unusable or an available provider fails its self-test
  --json                  the report as one JSON object
  --quick                 skip the self-test`;

const SERVE_USAGE = `stacklab serve [--host H] [--port P] [--root DIR]
  the UI in a browser: prints a URL with a token; Ctrl+C stops it
  --host H                the address to listen on (default 127.0.0.1: this machine only)
  --port P                the port (default: a free one)
  --root DIR              confine data, runs and job paths to DIR`;

const USAGE = `usage: stacklab <command> [options]

commands:
  doctor [--json] [--quick]         versions, a live probe of each execution provider (cpu, webgpu, cuda)
                                    and a self-test of a few train steps on each (--quick skips it)
  serve [--host H] [--port P] [--root DIR]
                                    serve the UI on http://127.0.0.1 (token in the printed URL); --root
                                    confines data, runs and job paths to DIR
  import <file|folder> [--json]     read plant CSVs and print their profile (see below)
  train --data D --out DIR [...]    train variants (baseline, gradstack, midas, …), evaluate, compare
  compare <run-dir>… [--html F]     the side-by-side comparison of finished runs (table, verdict, report)
  worker --queue URL [...]          train runs submitted with \`train --queue URL\` (BullMQ on Redis)
  export / score                    a trained model as ONNX; anomaly scores of new data (see below)
  help [command]                    this text, or a command's usage (also: stacklab <command> --help)
  --version                         the version

${IMPORT_USAGE}

${TRAIN_USAGE}

${COMPARE_USAGE}

${WORKER_USAGE}

${EXPORT_USAGE}

Runs are stored in ${defaultRunsDir()} (set STACKLAB_RUNS_DIR to change it).`;

async function doctor(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('doctor', argv, {
    json: { type: 'boolean', default: false },
    quick: { type: 'boolean', default: false },
  });
  if (positionals.length) throw new UsageError(`stacklab doctor: unexpected argument "${positionals[0]}"`);
  const services = createServices({ host: 'cli', runsDir: defaultRunsDir() });
  const info = (await services.handle('system.info', {})) as SystemInfo;
  const tests = values.quick ? undefined : await selfTest(info.providers);
  // What `auto` trusts from now on (runtime/resolve.ts).
  if (tests) await keepVerdicts(tests);
  // Where the CUDA provider's libraries are (Linux, provider installed): the first thing to check when cuda is unavailable.
  const libs = process.platform === 'linux' && cudaProviderInstalled() ? findCudaLibraries() : null;
  const cuda = libs
    ? {
        cudaLibraries: {
          found: libs.found.map((f) => ({ name: f.library.name, file: path.join(f.dir, f.library.file) })),
          missing: libs.missing.map((m) => ({ name: m.name, file: m.file, get: m.get })),
        },
      }
    : {};
  io.out(
    values.json
      ? JSON.stringify({ ...info, ...cuda, ...(tests ? { selfTest: tests } : {}) })
      : formatDoctor(info, tests, libs ? describeCudaLibraries(libs) : undefined),
  );
  const cpuWorks = info.providers.some((p) => p.name === 'cpu' && p.available);
  // Exit 1 when the CPU is unusable or an available provider fails its self-test.
  return cpuWorks && (tests ?? []).every((t) => t.ok || t.skipped) ? 0 : 1;
}

function builtRendererDir(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../out/renderer');
}

async function serve(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('serve', argv, {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string' },
    root: { type: 'string' },
  });
  if (positionals.length) throw new UsageError(`stacklab serve: unexpected argument "${positionals[0]}"`);
  const port = parsePort('serve', values.port, 0);
  const root =
    values.root === undefined
      ? undefined
      : await stat(values.root).then(
          (s) =>
            s.isDirectory()
              ? path.resolve(values.root!)
              : Promise.reject(new UsageError(`stacklab serve: --root ${values.root} is not a folder`)),
          () =>
            Promise.reject(
              new UsageError(
                `stacklab serve: --root ${values.root} does not exist: give a folder that holds the data and the runs`,
              ),
            ),
        );
  const worker = new EngineWorker({
    ...(root ? { env: { STACKLAB_ROOT: root } } : {}),
    onExit: (reason) => io.err(`stacklab serve: ${reason}; it restarts on the next request`),
  });
  const server = await startServer({ host: values.host, port, staticDir: builtRendererDir(), api: worker });
  if (!['127.0.0.1', 'localhost', '::1'].includes(values.host)) {
    io.err(
      `stacklab serve: listening on ${values.host}: anyone who can reach this address and has the token can use StackLab.`,
    );
  }
  io.out(`StackLab is running at ${server.url}`);
  if (root) io.out(`Data, runs and job folders are confined to ${root}.`);
  io.out('Open that URL in a browser. Press Ctrl+C to stop.');
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await server.close();
  await worker.stop();
  return 0;
}

/** Each command's own usage, for `<command> --help`, `help <command>` and its usage errors. */
const COMMAND_USAGE: Record<string, string> = {
  doctor: DOCTOR_USAGE,
  serve: SERVE_USAGE,
  import: IMPORT_USAGE,
  train: TRAIN_USAGE,
  compare: COMPARE_USAGE,
  worker: WORKER_USAGE,
  export: EXPORT_USAGE,
  score: EXPORT_USAGE,
};

/** `--help` or `-h` among a command's arguments (before a `--` that ends the options). */
function asksHelp(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  return (end < 0 ? args : args.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

/** Prints `help [command]`: the general usage, or one command's. */
function help(args: readonly string[], io: CliIo): number {
  const [topic, ...more] = args;
  if (more.length) throw new UsageError(`stacklab help: one command at most, got "${args.join(' ')}"`);
  if (topic !== undefined && !Object.hasOwn(COMMAND_USAGE, topic)) throw unknownCommand(topic, 'help');
  io.out(fitUsage(topic === undefined ? USAGE : COMMAND_USAGE[topic]!, io.columns ?? DEFAULT_COLUMNS));
  return 0;
}

function unknownCommand(command: string, where = ''): UsageError {
  const near = closest(command, Object.keys(COMMAND_USAGE));
  return new UsageError(
    `stacklab${where ? ` ${where}` : ''}: unknown command "${command}"${near ? `; did you mean ${near}?` : ''} (commands: ${Object.keys(COMMAND_USAGE).join(', ')}, help)`,
  );
}

/** Runs one CLI invocation and returns its exit code (2 for a usage error). */
export async function runCli(argv: string[], io: CliIo = processIo()): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command !== undefined && Object.hasOwn(COMMAND_USAGE, command) && asksHelp(rest)) return help([command], io);
    switch (command) {
      case 'doctor':
        return await doctor(rest, io);
      case 'serve':
        return await serve(rest, io);
      case 'import':
        return await importCommand(rest, io);
      case 'export':
        return await exportCommand(rest, io);
      case 'score':
        return await scoreCommand(rest, io);
      case 'compare':
        return await compareCommand(rest, io);
      case 'train': {
        // Ctrl+C and SIGTERM stop the current run cleanly (its checkpoint and a "cancelled" report
        // are written) instead of killing it; exit 130 for SIGINT, 143 for SIGTERM, as a shell would.
        // A second signal while that stop is under way exits at once: the run keeps its last checkpoint.
        const abort = new AbortController();
        let by: NodeJS.Signals | null = null;
        const stop = (signal: NodeJS.Signals) => {
          if (abort.signal.aborted) {
            io.err(
              `stacklab train: ${signal} again: exiting now without a checkpoint; --resume continues from the last one.`,
            );
            process.exit(signal === 'SIGTERM' ? 143 : 130);
          }
          by ??= signal;
          io.err(
            `stacklab train: ${signal}: stopping after the current step and writing a checkpoint (send it again to exit at once).`,
          );
          abort.abort();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
        try {
          const code = await trainCommand(rest, io, abort.signal);
          return code === 130 && by === 'SIGTERM' ? 143 : code;
        } finally {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
        }
      }
      case 'worker': {
        const abort = new AbortController();
        const stop = () => abort.abort();
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
        try {
          return await workerCommand(rest, io, abort.signal);
        } finally {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
        }
      }
      case '--version':
      case 'version':
        io.out(APP_VERSION);
        return 0;
      case 'help':
        return help(rest, io);
      case undefined:
      case '--help':
      case '-h':
        return help([], io);
      default:
        throw unknownCommand(command);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      // The message alone, and where the options are: a whole usage would push it off the screen.
      const own = command !== undefined && Object.hasOwn(COMMAND_USAGE, command);
      io.err(
        `${err.message}\n(${own ? `stacklab ${command} --help shows its options; ` : ''}stacklab help lists every command)`,
      );
      return 2;
    }
    io.err(`stacklab ${command}: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}
