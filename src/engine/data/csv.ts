/**
 * CSV dialects and a streaming tokenizer. The tokenizer works on decoded text chunks and reports
 * each record as field offsets into the text (no substring per field), which is what makes a
 * 1 GB import fast; quoted fields are unescaped on demand.
 */
import { DELIMITERS, type DecimalMark, type Delimiter } from '../../shared/import';
import { ImportError } from './errors';

const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

export interface Dialect {
  readonly delimiter: Delimiter;
  /** Decimal separator of numbers. */
  readonly decimal: DecimalMark;
  readonly quote: '"';
  readonly header: boolean;
  /** CR: lines ended by a carriage return alone (classic Mac exports). */
  readonly lineEnding: 'LF' | 'CRLF' | 'CR';
  /** windows-1252 (a superset of Latin-1) for a file that is not valid UTF-8. */
  readonly encoding: 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252';
  readonly bom: boolean;
}

export type DialectOverrides = Partial<Pick<Dialect, 'delimiter' | 'decimal' | 'header' | 'encoding'>>;

/** Encoding from the first bytes: a BOM, or the NUL pattern of UTF-16 without one. */
export function detectEncoding(head: Uint8Array): {
  encoding: Dialect['encoding'] | 'utf-32';
  bom: boolean;
  bomLength: number;
} {
  if (
    (head[0] === 0xff && head[1] === 0xfe && head[2] === 0 && head[3] === 0) ||
    (head[0] === 0 && head[1] === 0 && head[2] === 0xfe && head[3] === 0xff)
  )
    return { encoding: 'utf-32', bom: true, bomLength: 4 };
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return { encoding: 'utf-8', bom: true, bomLength: 3 };
  if (head[0] === 0xff && head[1] === 0xfe) return { encoding: 'utf-16le', bom: true, bomLength: 2 };
  if (head[0] === 0xfe && head[1] === 0xff) return { encoding: 'utf-16be', bom: true, bomLength: 2 };
  const n = Math.min(head.length, 512);
  let evenNul = 0;
  let oddNul = 0;
  for (let i = 0; i < n; i++) {
    if (head[i] !== 0) continue;
    if (i % 2 === 0) evenNul++;
    else oddNul++;
  }
  // UTF-32 without a BOM: the characters in one byte of every four, NULs in the other three
  // (a file of NULs only, as a power cut leaves, is binary, not UTF-32).
  if (n >= 8) {
    const filled = [0, 0, 0, 0];
    for (let i = 0; i < n; i++) if (head[i] !== 0) filled[i % 4]!++;
    const quarter = Math.floor(n / 4);
    const only = (k: number) => filled[k]! > quarter / 2 && filled.every((c, j) => j === k || c === 0);
    if (only(0) || only(3)) return { encoding: 'utf-32', bom: false, bomLength: 0 };
  }
  if (oddNul > n / 4 && evenNul === 0) return { encoding: 'utf-16le', bom: false, bomLength: 0 };
  if (evenNul > n / 4 && oddNul === 0) return { encoding: 'utf-16be', bom: false, bomLength: 0 };
  // Not valid UTF-8 (a Latin-1 / Windows export): read as windows-1252 instead of turning é into �.
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true });
  } catch {
    return { encoding: 'windows-1252', bom: false, bomLength: 0 };
  }
  return { encoding: 'utf-8', bom: false, bomLength: 0 };
}

/** True when the bytes look binary (NULs or many control characters in UTF-8 text). */
export function looksBinary(head: Uint8Array): boolean {
  const n = Math.min(head.length, 4096);
  let bad = 0;
  for (let i = 0; i < n; i++) {
    const b = head[i]!;
    if (b === 0) return true;
    if (b < 9 || (b > 13 && b < 32)) bad++;
  }
  return n > 0 && bad / n > 0.05;
}

/** Splits one line into fields (quotes respected); for sniffing only. */
export function splitLine(line: string, delimiter: string): string[] {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"') {
        if (line[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += c;
    } else if (c === '"') quoted = true;
    else if (c === delimiter) {
      out.push(field);
      field = '';
    } else field += c;
  }
  out.push(field);
  return out;
}

function mostCommon<T>(xs: T[]): T | undefined {
  const counts = new Map<T, number>();
  for (const x of xs) counts.set(x, (counts.get(x) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1])[0]?.[0];
}

const NUMBER_DOT = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;
const NUMBER_COMMA = /^\s*[+-]?(\d+,?\d*|,\d+)([eE][+-]?\d+)?\s*$/;

/**
 * Guesses the dialect from the first lines of decoded text: the delimiter that splits every line
 * into the same number (> 1) of fields; a decimal comma when values like 12,5 appear and the
 * delimiter is not a comma; a header when the first row has a non-numeric field where later rows
 * are numeric (or all later rows are numeric and the first is not).
 */
export function sniffDialect(
  text: string,
  enc: { encoding: Dialect['encoding']; bom: boolean },
  overrides: DialectOverrides = {},
): Dialect {
  const rawLines = text.split('\n').slice(0, 50);
  // The last line of a sample may be cut off.
  if (rawLines.length > 2) rawLines.pop();
  const lineEnding: Dialect['lineEnding'] = rawLines[0]?.endsWith('\r') ? 'CRLF' : 'LF';
  const lines = rawLines.map((l) => l.replace(/\r$/, '')).filter((l) => l.trim() !== '');
  let delimiter = overrides.delimiter;
  if (!delimiter) {
    let best: { d: Delimiter; score: number } | undefined;
    for (const d of DELIMITERS) {
      const counts = lines.map((l) => splitLine(l, d).length);
      const mode = mostCommon(counts) ?? 1;
      if (mode < 2) continue;
      const agree = counts.filter((c) => c === mode).length / counts.length;
      const score = agree * 100 + Math.min(mode, 50);
      if (!best || score > best.score) best = { d, score };
    }
    delimiter = best?.d ?? ',';
  }
  const rows = lines.map((l) => splitLine(l, delimiter!));
  let decimal = overrides.decimal;
  if (!decimal) {
    const fields = rows.slice(1).flat();
    const commaNums = fields.filter((f) => /^\s*[+-]?\d+,\d+\s*$/.test(f)).length;
    const dotNums = fields.filter((f) => /^\s*[+-]?\d+\.\d+\s*$/.test(f)).length;
    decimal = delimiter !== ',' && commaNums > dotNums ? ',' : '.';
  }
  let header = overrides.header;
  if (header === undefined) {
    const numeric = (f: string) => (decimal === ',' ? NUMBER_COMMA : NUMBER_DOT).test(f);
    const first = rows[0] ?? [];
    const rest = rows.slice(1);
    // A column that is numeric below the first row but not in it marks a header.
    header = first.some(
      (f, c) =>
        !numeric(f) &&
        f.trim() !== '' &&
        rest.length > 0 &&
        rest.every((r) => r[c] === undefined || numeric(r[c]!) || r[c]!.trim() === ''),
    );
    if (!header && rest.length > 0) {
      // No numeric column to judge by (all text): a first row whose values never recur below is a header.
      header = first.every((f, c) => rest.every((r) => r[c] !== f)) && first.every((f) => /[A-Za-z_]/.test(f));
    }
    // One line of names and nothing below: a header without data (the importer says so).
    if (!header && rest.length === 0)
      header = first.length > 0 && first.every((f) => !numeric(f) && /[A-Za-z_]/.test(f));
  }
  return {
    delimiter,
    decimal,
    quote: '"',
    header,
    lineEnding,
    encoding: overrides.encoding ?? enc.encoding,
    bom: enc.bom,
  };
}

/**
 * Streaming record tokenizer. `push(text)` reports every complete record of the text seen so far
 * through `onRecord(text, offsets, count, quoted, line)`, where field k spans
 * text[offsets[2k], offsets[2k+1]) and was quoted when quoted[k] is 1; `finish()` flushes a
 * last record without a newline. The arrays are reused: copy what must outlive the call.
 */
/** The longest record (line) the tokenizer accepts, in characters (a 100,000-column row of numbers is ~1 MiB). */
export const MAX_RECORD_CHARS = 16 * 2 ** 20;

/** A record the tokenizer cannot read, with the line it starts on (the importer names the file). */
export class RecordError extends Error {
  constructor(
    readonly line: number,
    readonly problem: string,
  ) {
    super(`line ${line}: ${problem}`);
  }
}

/** A tokenizer's record error as the import's error about `file` (other errors unchanged). */
export function asImportError(err: unknown, file: string): unknown {
  return err instanceof RecordError
    ? new ImportError(
        { file, line: err.line },
        err.problem,
        'Check the quotes and line breaks of that line (a value with a quote inside must double it: "").',
      )
    : err;
}

export class CsvTokenizer {
  private pending = '';
  private line = 1;
  private offsets = new Int32Array(256);
  private quoted = new Uint8Array(128);
  /** Each unquoted field's value when it is a plain decimal number (checked by `isNumber`). */
  private numbers = new Float64Array(128);
  private isNumber = new Uint8Array(128);
  private readonly delim: number;
  private readonly decimal: number;

  constructor(
    delimiter: Delimiter,
    private readonly onRecord: (
      text: string,
      offsets: Int32Array,
      count: number,
      quoted: Uint8Array,
      line: number,
      numbers: Float64Array,
      isNumber: Uint8Array,
    ) => void,
    decimal: '.' | ',' = '.',
  ) {
    this.delim = delimiter.charCodeAt(0);
    this.decimal = decimal.charCodeAt(0);
  }

  /** The 1-based line number the next record starts on. */
  get currentLine(): number {
    return this.line;
  }

  push(chunk: string): void {
    const text = this.pending.length ? this.pending + chunk : chunk;
    const consumed = this.scan(text, false);
    this.pending = consumed < text.length ? text.slice(consumed) : '';
    // One record (line) may not hold more than this: memory stays bounded by the chunk and this cap.
    if (this.pending.length > MAX_RECORD_CHARS) {
      const quote = this.openQuoteLine(this.pending);
      throw new RecordError(
        this.line,
        quote !== null
          ? `a quote opened at line ${quote} is not closed within ${MAX_RECORD_CHARS / 2 ** 20} MiB`
          : `one line is over ${MAX_RECORD_CHARS / 2 ** 20} MiB long without a line break`,
      );
    }
  }

  /** The line of a quote that opens in `text` (the start of a record) and is not closed, or null. */
  private openQuoteLine(text: string): number | null {
    let line = this.line;
    let inQuote = false;
    let opened = line;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) line++;
      else if (c === 34) {
        if (inQuote && text.charCodeAt(i + 1) === 34) i++;
        else {
          inQuote = !inQuote;
          if (inQuote) opened = line;
        }
      }
    }
    return inQuote ? opened : null;
  }

  finish(): void {
    if (this.pending.length) this.scan(this.pending, true);
    this.pending = '';
  }

  /** Tokenizes complete records of `text`; returns how many characters were consumed. */
  private scan(text: string, final: boolean): number {
    const delim = this.delim;
    const len = text.length;
    // Locals, not fields, in the hot loop (re-read after growth).
    let offsets = this.offsets;
    let quotedFlags = this.quoted;
    let numbers = this.numbers;
    let isNumber = this.isNumber;
    const decimal = this.decimal;
    let pos = 0;
    while (pos < len) {
      let count = 0;
      let i = pos;
      let newlines = 0;
      let complete = false;
      for (;;) {
        if (count * 2 + 2 > offsets.length) {
          const grown = new Int32Array(offsets.length * 2);
          grown.set(offsets);
          this.offsets = offsets = grown;
          const q = new Uint8Array(offsets.length / 2);
          q.set(quotedFlags);
          this.quoted = quotedFlags = q;
          const nv = new Float64Array(offsets.length / 2);
          nv.set(numbers);
          this.numbers = numbers = nv;
          const nf = new Uint8Array(offsets.length / 2);
          nf.set(isNumber);
          this.isNumber = isNumber = nf;
        }
        let fieldStart = i;
        let fieldEnd: number;
        let q = false;
        if (i < len && text.charCodeAt(i) === 34) {
          // Quoted field: runs to the closing quote; "" is an escaped quote.
          q = true;
          let j = i + 1;
          for (;;) {
            const k = text.indexOf('"', j);
            if (k < 0) {
              j = -1;
              break;
            }
            if (text.charCodeAt(k + 1) === 34) {
              j = k + 2;
              continue;
            }
            j = k;
            break;
          }
          if (j < 0) {
            if (!final) return pos;
            // The file ends inside a quoted field: name the line where the quote opened.
            let at = this.line;
            for (let k = pos; k < i; k++) if (text.charCodeAt(k) === 10) at++;
            throw new RecordError(at, 'a quote opened on this line is never closed');
          }
          for (let k = i; k < j; k++) if (text.charCodeAt(k) === 10) newlines++;
          fieldStart = i + 1;
          fieldEnd = j;
          i = Math.min(j + 1, len);
          // Anything between the closing quote and the delimiter is kept out.
          while (i < len && text.charCodeAt(i) !== delim && text.charCodeAt(i) !== 10) i++;
        } else {
          // Scan to the field's end, reading a plain decimal number on the way (one pass over
          // the text for the common numeric cell; anything else is left to the caller).
          let mant = 0;
          let digits = 0;
          let scale = 0;
          let dot = false;
          let ok = true;
          let neg = false;
          while (i < len) {
            const c = text.charCodeAt(i);
            if (c === delim || c === 10) break;
            const d = c - 48;
            if (d >= 0 && d <= 9) {
              mant = mant * 10 + d;
              digits++;
              if (dot) scale++;
            } else if (c === decimal && !dot) dot = true;
            else if (c === 45 && i === fieldStart) neg = true;
            else if (c !== 13) ok = false;
            i++;
          }
          fieldEnd = i;
          if (fieldEnd > fieldStart && text.charCodeAt(fieldEnd - 1) === 13) fieldEnd--;
          if (ok && digits > 0 && digits <= 15) {
            numbers[count] = (neg ? -mant : mant) / POW10[scale]!;
            isNumber[count] = 1;
          } else isNumber[count] = 0;
        }
        offsets[count * 2] = fieldStart;
        offsets[count * 2 + 1] = fieldEnd;
        quotedFlags[count] = q ? 1 : 0;
        if (q) isNumber[count] = 0;
        count++;
        if (i >= len) {
          if (!final) return pos;
          complete = true;
          break;
        }
        if (text.charCodeAt(i) === 10) {
          i++;
          complete = true;
          break;
        }
        i++; // the delimiter
      }
      if (complete) {
        // A line of nothing but spaces is blank too (not a header, not a row).
        const blank = count === 1 && (offsets[0] === offsets[1] || text.slice(offsets[0], offsets[1]).trim() === '');
        if (!blank) this.onRecord(text, offsets, count, quotedFlags, this.line, numbers, isNumber);
        this.line += 1 + newlines;
        pos = i;
      }
    }
    return pos;
  }
}

/** The text of a field, quotes unescaped. */
export function fieldText(text: string, offsets: Int32Array, k: number, quoted: Uint8Array): string {
  const s = text.slice(offsets[2 * k]!, offsets[2 * k + 1]!);
  return quoted[k] ? s.replace(/""/g, '"') : s;
}
