/**
 * Timestamp formats of plant exports, detected from sample values and parsed fast from a string
 * range: ISO 8601 (T or space, optional seconds, fraction and zone), day-first or month-first
 * dates with 2- or 4-digit years (dd/mm/yy HH), and epoch seconds or milliseconds.
 * Times without a zone are read in the zone given by `utcOffsetMinutes` (UTC by default).
 */

export type TimestampFormat =
  | { readonly kind: 'iso' }
  | { readonly kind: 'dmy' | 'mdy'; readonly separator: string }
  | { readonly kind: 'epoch-s' | 'epoch-ms' };

export function describeFormat(f: TimestampFormat): string {
  switch (f.kind) {
    case 'iso':
      return 'ISO 8601 (YYYY-MM-DD hh:mm:ss)';
    case 'dmy':
      return `dd${f.separator}mm${f.separator}yy hh:mm`;
    case 'mdy':
      return `mm${f.separator}dd${f.separator}yy hh:mm`;
    case 'epoch-s':
      return 'epoch seconds';
    case 'epoch-ms':
      return 'epoch milliseconds';
  }
}

/** Up to 8 integer groups of a range, the fraction digits of the seconds, and the zone, if any. */
interface Parts {
  n: number;
  groups: number[];
  lens: number[];
  fracMs: number;
  /** Minutes east of UTC, or null when the text has no zone. */
  zone: number | null;
}

const parts: Parts = { n: 0, groups: [0, 0, 0, 0, 0, 0, 0, 0], lens: [0, 0, 0, 0, 0, 0, 0, 0], fracMs: 0, zone: null };

/** Splits text[start, end) into digit groups; false when it holds letters other than T/Z. */
function scan(text: string, start: number, end: number): boolean {
  parts.n = 0;
  parts.fracMs = 0;
  parts.zone = null;
  let i = start;
  while (i < end && text.charCodeAt(i) === 32) i++;
  while (end > i && text.charCodeAt(end - 1) === 32) end--;
  let afterTime = false;
  while (i < end) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      let v = 0;
      const s = i;
      while (i < end && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) v = v * 10 + (text.charCodeAt(i++) - 48);
      if (parts.n >= 8) return false;
      parts.groups[parts.n] = v;
      parts.lens[parts.n++] = i - s;
      continue;
    }
    if (c === 46 /* . */ && parts.n >= 6 && !afterTime) {
      // Fraction of a second: keep milliseconds.
      i++;
      let ms = 0;
      let k = 0;
      while (i < end && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) {
        if (k < 3) ms = ms * 10 + (text.charCodeAt(i) - 48);
        k++;
        i++;
      }
      while (k < 3) {
        ms *= 10;
        k++;
      }
      parts.fracMs = ms;
      afterTime = true;
      continue;
    }
    if ((c === 43 || c === 45) && parts.n >= 5) {
      // +hh:mm, +hhmm or +hh after the time.
      const sign = c === 43 ? 1 : -1;
      i++;
      let digits = '';
      while (i < end && ((text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) || text.charCodeAt(i) === 58))
        digits += text[i++];
      const d = digits.replace(':', '');
      if (d.length !== 2 && d.length !== 4) return false;
      parts.zone = sign * (Number(d.slice(0, 2)) * 60 + Number(d.slice(2) || 0));
      break;
    }
    if (c === 90 /* Z */ || c === 122) {
      parts.zone = 0;
      i++;
      continue;
    }
    if (c === 84 /* T */ || c === 32 || c === 58 || c === 45 || c === 47 || c === 46 || c === 44) {
      i++;
      continue;
    }
    return false;
  }
  return parts.n > 0;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Epoch milliseconds of a UTC date and time, NaN for impossible ones (31 February, hour 25). */
function utc(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number): number {
  if (mo < 1 || mo > 12 || d < 1 || h > 24 || mi > 59 || s > 60) return NaN;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  if (d > MONTH_DAYS[mo - 1]! + (mo === 2 && leap ? 1 : 0)) return NaN;
  return daysFromCivil(y, mo, d) * 86_400_000 + h * 3_600_000 + mi * 60_000 + s * 1000 + ms;
}

/**
 * Epoch milliseconds of text[start, end) in `format`, or NaN when it does not parse.
 */
export function parseTimestampRange(
  text: string,
  start: number,
  end: number,
  format: TimestampFormat,
  utcOffsetMinutes = 0,
): number {
  if (format.kind === 'epoch-s' || format.kind === 'epoch-ms') {
    // Decimal digits only: Number('') is 0 (1970) and Number('0x65') is 101.
    const raw = text.slice(start, end).trim();
    if (!/^\d+(\.\d+)?$/.test(raw)) return NaN;
    const v = Number(raw);
    if (!Number.isFinite(v)) return NaN;
    return format.kind === 'epoch-s' ? v * 1000 : v;
  }
  if (!scan(text, start, end)) return NaN;
  const g = parts.groups;
  const n = parts.n;
  let t: number;
  if (format.kind === 'iso') {
    if (n < 3 || parts.lens[0] !== 4) return NaN;
    t = utc(g[0]!, g[1]!, g[2]!, n > 3 ? g[3]! : 0, n > 4 ? g[4]! : 0, n > 5 ? g[5]! : 0, parts.fracMs);
  } else {
    if (n < 3) return NaN;
    const [day, month] = format.kind === 'dmy' ? [g[0]!, g[1]!] : [g[1]!, g[0]!];
    const year = parts.lens[2] === 2 ? 2000 + g[2]! - (g[2]! >= 70 ? 100 : 0) : g[2]!;
    t = utc(year, month, day, n > 3 ? g[3]! : 0, n > 4 ? g[4]! : 0, n > 5 ? g[5]! : 0, parts.fracMs);
  }
  const zone = parts.zone ?? utcOffsetMinutes;
  return t - zone * 60_000;
}

const EPOCH_S = [1e8, 1e10] as const; // 1973 .. 2286
const EPOCH_MS = [1e11, 1e13] as const;

/**
 * The format that parses (at least 80% of) the sample values, or null; a value it fails on is
 * then reported with its line by the import. Slash/dot dates are day-first unless a
 * value's second field exceeds 12 (then month-first); a first field above 12 confirms day-first.
 */
export function detectTimestampFormat(samples: readonly string[]): TimestampFormat | null {
  const vals = samples.map((s) => s.trim()).filter((s) => s !== '');
  if (vals.length === 0) return null;
  // Epoch numbers: most values plain digits (a stray 0x65 or ERR is then reported with its line).
  const digits = vals.filter((v) => /^\d+(\.\d+)?$/.test(v));
  if (digits.length >= 0.8 * vals.length) {
    const nums = digits.map(Number);
    if (nums.every((x) => x >= EPOCH_S[0] && x < EPOCH_S[1])) return { kind: 'epoch-s' };
    if (nums.every((x) => x >= EPOCH_MS[0] && x < EPOCH_MS[1])) return { kind: 'epoch-ms' };
    return null;
  }
  const tryAll = (f: TimestampFormat) =>
    vals.filter((v) => Number.isFinite(parseTimestampRange(v, 0, v.length, f))).length >= 0.8 * vals.length;
  if (/^\d{4}-\d{1,2}-\d{1,2}/.test(vals[0]!) && tryAll({ kind: 'iso' })) return { kind: 'iso' };
  const m = /^\d{1,2}([/.-])\d{1,2}\1\d{2,4}/.exec(vals[0]!);
  if (m) {
    const separator = m[1]!;
    const firsts = vals.map((v) => Number(v.split(separator)[0]));
    const seconds = vals.map((v) => Number(v.split(separator)[1]));
    const monthFirst = seconds.some((x) => x > 12) && !firsts.some((x) => x > 12);
    const f: TimestampFormat = { kind: monthFirst ? 'mdy' : 'dmy', separator };
    if (tryAll(f)) return f;
  }
  return null;
}
