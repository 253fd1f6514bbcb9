/** Command-line parsing with errors that say which option was wrong and what to do. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { SAMPLE_KINDS, type SampleKind } from '../../shared/import';

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
    // "--smooth -3": Node reads -3 as an option; say how to write such a value.
    const ambiguous = /^Option '(--[\w-]+)[^']*' argument is ambiguous/.exec(msg);
    if (ambiguous) {
      const i = argv.indexOf(ambiguous[1]!);
      // "--seeds --out x": the value is missing, not negative.
      const next = argv[i + 1] ?? '';
      if (next.startsWith('--') && Object.hasOwn(options, next.slice(2).split('=')[0]!))
        throw new UsageError(
          `stacklab ${command}: ${ambiguous[1]} needs a value (it is followed by the option ${next.split('=')[0]})`,
        );
      throw new UsageError(
        `stacklab ${command}: ${ambiguous[1]}: a value that starts with "-" is written ${ambiguous[1]}=${argv[i + 1] ?? '…'}`,
      );
    }
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

/**
 * Lets a string option be given without a value (`--sample` alone, or before another option):
 * it then takes the empty string, which the command reads as its default.
 */
export function withOptionalValue(argv: readonly string[], option: string): string[] {
  const out: string[] = [];
  argv.forEach((a, i) => {
    out.push(a);
    const next = argv[i + 1];
    if (a === option && (next === undefined || next.startsWith('--'))) out.push('');
  });
  return out;
}

/** An option that must be one of a few words (undefined when not given). */
export function oneOf<T extends string>(
  command: string,
  name: string,
  raw: string | undefined,
  allowed: readonly T[],
): T | undefined {
  if (raw === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(raw))
    throw new UsageError(`stacklab ${command}: ${name} must be ${allowed.join(' or ')}, got "${raw}"`);
  return raw as T;
}

/** The sample a --sample option names (given without a value: the plant). */
export function sampleKind(command: string, raw: string): SampleKind {
  return oneOf(command, '--sample', raw === '' ? 'plant' : raw, SAMPLE_KINDS)!;
}
