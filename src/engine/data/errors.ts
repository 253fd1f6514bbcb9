/** Import errors that say which file, where, what was wrong and what to do. */

export interface ImportErrorWhere {
  readonly file: string;
  /** 1-based line number in the file. */
  readonly line?: number;
  /** Column name (or 1-based number when the file has no header). */
  readonly column?: string;
}

export class ImportError extends Error {
  override readonly name = 'ImportError';
  constructor(
    readonly where: ImportErrorWhere,
    readonly problem: string,
    readonly hint: string,
  ) {
    const at = [
      where.file,
      where.line !== undefined ? `line ${where.line}` : '',
      where.column !== undefined ? `column "${where.column}"` : '',
    ]
      .filter(Boolean)
      .join(', ');
    super(`${at}: ${problem}. ${hint}`);
  }
}

/** A piece of a file's content inside a message: at most `max` characters, one line. */
export function excerpt(text: string, max = 32): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

/** Column names inside a message: the first few, each short (a few characters of the file), and how many there are. */
export function columnList(names: readonly string[], max = 4): string {
  const shown = names.slice(0, max).map((n) => excerpt(n, 16));
  return names.length > max ? `${shown.join(', ')}, … (${names.length} in all)` : shown.join(', ');
}

/** File names of CSV text; Excel workbooks and Parquet files, read by their own readers. */
export const CSV_NAME = /\.(csv|tsv|txt|dat)$/i;
export const XLSX_NAME = /\.xlsx$/i;
export const PARQUET_NAME = /\.parquet$/i;
/** Every data file the importer reads: anything else is refused before a byte is read (nothing of it reaches a message). */
export const DATA_NAME = /\.(csv|tsv|txt|dat|xlsx|parquet)$/i;

/** Warnings listed one per channel up to this many, then counted: a 5,000-column file must not print 5,000 lines. */
export const MAX_LISTED = 8;

/** The first MAX_LISTED lines, then one line counting the rest (`… 4990 more <more>`). */
export function capped(lines: readonly string[], more: string): string[] {
  return lines.length <= MAX_LISTED
    ? [...lines]
    : [...lines.slice(0, MAX_LISTED), `… ${lines.length - MAX_LISTED} more ${more}`];
}

/** A label cell that is neither a number nor a known word, with the two ways out (CSV and the other formats alike). */
export function unknownLabelError(file: string, line: number, column: string, raw: string): ImportError {
  return new ImportError(
    { file, line, column },
    `the label value "${excerpt(raw)}" is neither a number nor a known word`,
    `Map it with --label-map "${excerpt(raw)}=1" (abnormal) or "${excerpt(raw)}=0" (normal), or ignore the column with --ignore "${excerpt(column, 40)}".`,
  );
}

/**
 * Why a file could not be opened, in words (with the system's code, which searches well):
 * "does not exist (ENOENT)", "cannot be read: permission denied (EACCES)", else "cannot be read (CODE)".
 */
export function unreadable(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return `does not exist (${code})`;
  if (code === 'EACCES' || code === 'EPERM') return `cannot be read: permission denied (${code})`;
  return `cannot be read (${code ?? (err instanceof Error ? err.message : String(err))})`;
}
