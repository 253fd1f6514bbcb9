/** Command-line parsing with errors that say which option was wrong and what to do. */
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A mistake in how the CLI was called: printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

type Options = NonNullable<ParseArgsConfig['options']>;

export function parseCommandArgs<O extends Options>(command: string, argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: true });
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    throw new UsageError(`stacklab ${command}: ${msg.replace(/\. To specify a positional argument.*$/s, '')}`);
  }
}

/** Parses a TCP port option: an integer in 0..65535 (0 picks a free port). */
export function parsePort(command: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    throw new UsageError(`stacklab ${command}: --port must be an integer from 0 to 65535, got "${raw}"`);
  }
  return n;
}
