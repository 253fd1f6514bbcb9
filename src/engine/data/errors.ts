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
    const at = [where.file, where.line !== undefined ? `line ${where.line}` : '', where.column !== undefined ? `column "${where.column}"` : '']
      .filter(Boolean)
      .join(', ');
    super(`${at}: ${problem}. ${hint}`);
  }
}
