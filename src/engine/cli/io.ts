/** Where the CLI writes: lines on stdout and stderr, fitted to the terminal's width; a progress line in a terminal. */

/** A line on stderr that is rewritten in place (stderr is a terminal). */
export interface ProgressLine {
  /** The terminal's width: a longer line would wrap, and could no longer be rewritten. */
  readonly columns: number;
  /** Shows `line` instead of the one shown before; the next line written to stdout or stderr replaces it. */
  show(line: string): void;
}

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  /** The width tables and sentences are fitted to (120 where absent). */
  readonly columns?: number;
  /** Present when stderr is a terminal: progress updates in place instead of one line each. */
  readonly progress?: ProgressLine;
}

/** The width the CLI's text is fitted to when nothing says it: a wide terminal. */
export const DEFAULT_COLUMNS = 120;

/** stdout's width when it is a terminal, else $COLUMNS when set (output piped), else 120. */
export function terminalColumns(
  stdout: { isTTY?: boolean; columns?: number } = process.stdout,
  env: NodeJS.ProcessEnv = process.env,
): number {
  if (stdout.isTTY && stdout.columns && stdout.columns > 0) return stdout.columns;
  const columns = Number(env.COLUMNS);
  return Number.isInteger(columns) && columns > 0 ? columns : DEFAULT_COLUMNS;
}

/** ANSI: carriage return, then erase the whole line. */
const CLEAR_LINE = '\r\x1b[2K';

/** The process's stdout and stderr; the width is read at each use, so a resized terminal is followed. */
export function processIo(): CliIo {
  // A progress line is on stderr, without its newline.
  let shown = false;
  const clear = () => {
    if (shown) process.stderr.write(CLEAR_LINE);
    shown = false;
  };
  const progress: ProgressLine = {
    get columns() {
      return process.stderr.columns || DEFAULT_COLUMNS;
    },
    show(line) {
      process.stderr.write(`${CLEAR_LINE}${line}`);
      shown = true;
    },
  };
  return {
    out(line) {
      clear();
      process.stdout.write(`${line}\n`);
    },
    err(line) {
      clear();
      process.stderr.write(`${line}\n`);
    },
    get columns() {
      return terminalColumns();
    },
    ...(process.stderr.isTTY ? { progress } : {}),
  };
}
