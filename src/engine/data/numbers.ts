/**
 * Fast number parsing straight from a range of a string (no substring per field), with the
 * decimal separator of the file's dialect. Missing values (empty, NaN, null, NA, N/A, -, ?) are NaN;
 * text that is not a number returns undefined so the caller can report it.
 */

const MISSING = new Set(['', 'nan', 'null', 'na', 'n/a', 'none', '-', '?', '#n/a', 'nil']);

export function isMissingToken(s: string): boolean {
  return MISSING.has(s.trim().toLowerCase());
}

const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

/**
 * Parses text[start, end) as a decimal number with `decimal` ('.' or ',') as the separator.
 * Returns NaN for a missing-value token and undefined for anything else that is not a number.
 */
export function parseNumberRange(text: string, start: number, end: number, decimal: 46 | 44): number | undefined {
  // Trim spaces.
  while (start < end && text.charCodeAt(start) === 32) start++;
  while (end > start && text.charCodeAt(end - 1) === 32) end--;
  if (start === end) return NaN;
  let i = start;
  let sign = 1;
  let c = text.charCodeAt(i);
  if (c === 45 /* - */ || c === 43 /* + */) {
    if (c === 45) sign = -1;
    i++;
  }
  let mant = 0;
  let digits = 0;
  let scale = 0;
  let seenDot = false;
  for (; i < end; i++) {
    c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      mant = mant * 10 + (c - 48);
      if (seenDot) scale++;
      digits++;
    } else if (c === decimal && !seenDot) {
      seenDot = true;
    } else {
      break;
    }
  }
  // Up to 15 significant digits the fast result is within one double ulp (values are stored as float32).
  if (i === end && digits > 0 && digits <= 15) return (sign * mant) / POW10[scale]!;
  // Exponents, thousands marks, missing-value words, text: the slow, exact path.
  const s = text.slice(start, end);
  if (isMissingToken(s)) return NaN;
  const normal = decimal === 44 ? s.replace(',', '.') : s;
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(normal)) return Number(normal);
  if (/^[+-]?inf(inity)?$/i.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
  return undefined;
}
