/** Number, time and dialect wording for the Import step (English, UTC as the file's clock). */
import type { ChannelProfile, FileProfile } from '../../../shared/profile';

const count = new Intl.NumberFormat('en-US');

/** 20160 → "20,160". */
export function formatCount(n: number): string {
  return count.format(n);
}

/** 0.0705 → "7.0%"; small ratios keep two decimals so they do not read as zero. */
export function formatPercent(ratio: number): string {
  const pct = ratio * 100;
  return `${pct > 0 && pct < 0.1 ? pct.toFixed(2) : pct.toFixed(1)}%`;
}

/** A value with at most 4 significant digits, without exponent for everyday magnitudes. */
export function formatValue(v: number): string {
  if (!Number.isFinite(v)) return '–';
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(2);
  return String(Number(v.toPrecision(4)));
}

function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

/** A sampling interval: 60 → "1 minute", 0.5 → "500 ms", 90 → "1.5 minutes". */
export function formatSamplingInterval(seconds: number): string {
  if (seconds < 1) return `${Number((seconds * 1000).toPrecision(3))} ms`;
  const steps: [number, string][] = [
    [86_400, 'day'],
    [3_600, 'hour'],
    [60, 'minute'],
    [1, 'second'],
  ];
  for (const [size, unit] of steps) {
    if (seconds >= size) {
      const n = Number((seconds / size).toPrecision(3));
      return n === 1 ? `1 ${unit}` : `${n} ${unit}s`;
    }
  }
  return `${seconds} seconds`;
}

/** A span of time in its two largest units: 1_209_540 → "13 days 23 hours". */
export function formatTimeSpan(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const parts: [number, string][] = [
    [Math.floor(s / 86_400), 'day'],
    [Math.floor((s % 86_400) / 3_600), 'hour'],
    [Math.floor((s % 3_600) / 60), 'minute'],
    [s % 60, 'second'],
  ];
  const first = parts.findIndex(([n]) => n > 0);
  if (first < 0) return '0 seconds';
  return parts
    .slice(first, first + 2)
    .filter(([n]) => n > 0)
    .map(([n, u]) => plural(n, u))
    .join(' ');
}

/** An instant as the file shows it: "2026-01-05 06:00" (UTC, seconds only when not zero). */
export function formatTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  const seconds = iso.slice(17, 19);
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)}${seconds === '00' ? '' : `:${seconds}`}`;
}

/**
 * A span of time with both ends in the same format: seconds on both when either has them, the
 * date once when both are on the same day ("2026-01-05 06:00:00 → 06:08:19").
 */
export function formatTimeRange(startMs: number, endMs: number): string {
  const [a, b] = [new Date(startMs).toISOString(), new Date(endMs).toISOString()];
  const seconds = a.slice(17, 19) !== '00' || b.slice(17, 19) !== '00';
  const time = (iso: string) => iso.slice(11, seconds ? 19 : 16);
  const end = a.slice(0, 10) === b.slice(0, 10) ? time(b) : `${b.slice(0, 10)} ${time(b)}`;
  return `${a.slice(0, 10)} ${time(a)} → ${end}`;
}

/** What a delimiter is called, with the character where it is visible. */
export function delimiterName(d: string): string {
  const names: Record<string, string> = {
    ',': 'Comma ( , )',
    ';': 'Semicolon ( ; )',
    '\t': 'Tab',
    '|': 'Pipe ( | )',
    ' ': 'Space',
  };
  return names[d] ?? `"${d}"`;
}

export function decimalName(d: string): string {
  const names: Record<string, string> = { '.': 'Point ( 3.14 )', ',': 'Comma ( 3,14 )' };
  return names[d] ?? `"${d}"`;
}

/**
 * Each channel's profile over every file of a folder (the Import step's column table): the
 * smallest minimum and largest maximum, the mean and standard deviation of all present values
 * (each file weighted by its present cells), and the missing cells summed. A channel absent from
 * a file is pooled over the files that have it.
 */
export function poolChannels(files: readonly FileProfile[]): ChannelProfile[] {
  const names = [...new Set(files.flatMap((f) => f.channels.map((c) => c.name)))];
  return names.map((name) => {
    const parts = files.flatMap((f) => {
      const c = f.channels.find((x) => x.name === name);
      // A file where the channel holds no value (its statistics NaN) adds nothing.
      const n = c ? Math.max(0, f.rows - c.missing) : 0;
      return c && n > 0 && Number.isFinite(c.mean) ? [{ c, n }] : [];
    });
    const n = parts.reduce((a, p) => a + p.n, 0);
    const mean = n ? parts.reduce((a, p) => a + p.n * p.c.mean, 0) / n : NaN;
    const variance = n ? parts.reduce((a, p) => a + p.n * (p.c.std ** 2 + (p.c.mean - mean) ** 2), 0) / n : NaN;
    const all = files.flatMap((f) => f.channels.filter((x) => x.name === name));
    const sum = (k: 'missing' | 'filled' | 'unfilled') => all.reduce((a, c) => a + c[k], 0);
    const text = parts.filter((p) => p.c.textCells);
    return {
      name,
      min: parts.length ? Math.min(...parts.map((p) => p.c.min)) : NaN,
      max: parts.length ? Math.max(...parts.map((p) => p.c.max)) : NaN,
      mean,
      std: Math.sqrt(variance),
      missing: sum('missing'),
      filled: sum('filled'),
      unfilled: sum('unfilled'),
      ...(text.length
        ? {
            textCells: {
              count: text.reduce((a, p) => a + p.c.textCells!.count, 0),
              ...(text.find((p) => p.c.textCells!.example)
                ? { example: text.find((p) => p.c.textCells!.example)!.c.textCells!.example! }
                : {}),
            },
          }
        : {}),
    };
  });
}
