/**
 * The `stacklab` entry: runs the CLI when this module is the program (bin/stacklab.js, or the
 * bundled out/device/cli.mjs). Code that only calls the CLI (benchmarks, tests) imports ./run,
 * so that bundling it with other entry points never starts the CLI by accident.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from './run';

export * from './run';

const invokedDirectly =
  process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly || process.env.STACKLAB_CLI_ENTRY === '1') {
  runCli(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
