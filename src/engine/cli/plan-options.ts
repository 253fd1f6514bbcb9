/**
 * The training plan's command-line options, derived from its fields (src/shared/plan.ts): one
 * option per field, parsed to the field's type here and checked against its range by `resolvePlan`.
 */
import { defaultText, PLAN_FIELDS, PLAN_KEYS, type PlanField, type PlanInput } from '../../shared/plan';
import { wrap } from '../compare/text';
import { oneOf, UsageError } from './args';

/** The options `parseArgs` reads for the plan: `--flag` → string, or boolean for a switch. */
export const PLAN_ARGS = Object.fromEntries(
  PLAN_KEYS.map((key) => {
    const f: PlanField = PLAN_FIELDS[key];
    return [f.flag.slice(2), { type: f.kind === 'switch' ? ('boolean' as const) : ('string' as const) }];
  }),
) as Record<string, { type: 'string' | 'boolean' }>;

/** The width of an option's column in a usage, and the most a usage line takes. */
const USAGE_INDENT = 26;
const USAGE_WIDTH = 110;

/** One usage entry: the option padded to its column, its help wrapped under it. */
export function usageLine(option: string, help: string): string {
  const head = `  ${option}`;
  const [first, ...rest] = wrap(help, USAGE_WIDTH - USAGE_INDENT);
  const under = (l: string) => ' '.repeat(USAGE_INDENT) + l;
  // An option as wide as its column: its help begins on the next line (two spaces at least part them).
  if (head.length + 2 > USAGE_INDENT) return [head, under(first!), ...rest.map(under)].join('\n');
  return [`${head.padEnd(USAGE_INDENT)}${first}`, ...rest.map(under)].join('\n');
}

/** The plan's options in the usage, in the table's order, each with its default. */
export function planUsage(): string {
  return PLAN_KEYS.map((key) => {
    const f: PlanField = PLAN_FIELDS[key];
    const fallback = defaultText(key);
    return usageLine(f.arg ? `${f.flag} ${f.arg}` : f.flag, fallback ? `${f.help}; default: ${fallback}` : f.help);
  }).join('\n');
}

/** The plan the options ask for: the fields given, and the required ones' defaults. */
export function planFromArgs(command: string, values: Readonly<Record<string, unknown>>): PlanInput {
  const plan: Record<string, unknown> = {};
  for (const key of PLAN_KEYS) {
    const f: PlanField = PLAN_FIELDS[key];
    const raw = values[f.flag.slice(2)];
    if (raw === undefined) {
      if (f.required) plan[key] = f.default;
    } else plan[key] = typeof raw === 'boolean' ? raw : parseValue(command, f, String(raw));
  }
  return plan as PlanInput;
}

function parseValue(command: string, f: PlanField, raw: string): unknown {
  switch (f.kind) {
    case 'choice':
      return oneOf(command, f.flag, raw, f.values);
    case 'list': {
      const items = raw.split(',').map((v) => v.trim());
      const unknown = items.find((v) => !f.values.includes(v));
      if (unknown !== undefined)
        throw new UsageError(
          `stacklab ${command}: ${f.flag}: unknown ${f.item} "${unknown}" (known: ${f.values.join(', ')})`,
        );
      return items;
    }
    case 'number': {
      const n = Number(raw);
      if (f.range.integer && f.range.min >= 1 && (!Number.isInteger(n) || n < 1))
        throw new UsageError(`stacklab ${command}: ${f.flag} must be a positive integer, got "${raw}"`);
      if (raw.trim() === '' || !Number.isFinite(n))
        throw new UsageError(`stacklab ${command}: ${f.flag} must be a number, got "${raw}"`);
      return n;
    }
    case 'switch':
    case 'text':
      return raw;
  }
}
