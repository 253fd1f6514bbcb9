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
    return parseArgs({ args: withNegativeValues(argv, options), options, strict: true, allowPositionals: true });
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
    // "--steps" last, with nothing after it.
    const missing = /^Option '(-{1,2}[\w-]+)[^']*' argument missing/.exec(msg);
    if (missing) throw new UsageError(`stacklab ${command}: ${missing[1]} needs a value`);
    const unknown = /^Unknown option '(-{1,2}[^']+)'/.exec(msg);
    const near = unknown ? closest(unknown[1]!.replace(/^-+/, '').split('=')[0]!, Object.keys(options)) : null;
    const hint = near ? `; did you mean --${near}?` : '';
    throw new UsageError(`stacklab ${command}: ${msg.replace(/\. To specify a positional argument.*$/s, '')}${hint}`);
  }
}

/** Edit distance (insertions, deletions, substitutions and swaps of neighbours) between a and b. */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  return d[a.length]![b.length]!;
}

/**
 * The candidate nearest to `word` (a mistyped option or command), or null when none is near: within
 * two edits (one for words of up to four letters), or a candidate that `word` begins.
 */
export function closest(word: string, candidates: readonly string[]): string | null {
  const w = word.toLowerCase();
  const most = w.length <= 4 ? 1 : 2;
  let best: { c: string; d: number } | null = null;
  for (const c of candidates) {
    const d = distance(w, c.toLowerCase());
    if (d <= most && (!best || d < best.d)) best = { c, d };
  }
  if (best) return best.c;
  const prefixed = candidates.filter((c) => w.length >= 3 && c.startsWith(w));
  return prefixed.length === 1 ? prefixed[0]! : null;
}

/**
 * `--smooth -3`, `--utc-offset -05:00`: a value option followed by a negative number is given that
 * value (Node's parser would take "-3" for an option), so the option's own check can say what it
 * accepts. No option of the CLI is a dash and a digit.
 */
function withNegativeValues(argv: readonly string[], options: Options): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = argv[i + 1];
    const name = a.startsWith('--') ? a.slice(2) : null;
    if (name && options[name]?.type === 'string' && next !== undefined && /^-\.?\d/.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
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
