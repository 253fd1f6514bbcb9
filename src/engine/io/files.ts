/**
 * Reading a file that must be a regular file, without ever hanging on one that is not (a FIFO, a
 * device, a socket) and without trusting a path that changes underneath: it is opened without
 * blocking, judged by fstat on the opened descriptor, matched against the file its real path
 * names (a link swapped between the check and the read is caught), within a time limit and, for
 * whole reads, a size limit.
 */
import { constants, type Stats } from 'node:fs';
import { open, realpath, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { withTimeLimit } from '../time-limit';

/** Kernel file systems: nothing a user imports or StackLab writes lives there. */
export const VIRTUAL_DIRS = ['/proc', '/sys', '/dev'];

/** Whether `p` is `root` or lies inside it (plain path comparison; resolve links first). */
export const isUnder = (p: string, root: string): boolean =>
  p === root || p.startsWith(root.endsWith(path.sep) ? root : root + path.sep);

/** Whether a real path lies in the kernel's virtual file systems (never on Windows). */
export const inVirtualFs = (real: string): boolean =>
  process.platform !== 'win32' && VIRTUAL_DIRS.some((v) => isUnder(real, v));

export type RefusedReason = 'not-regular' | 'changed' | 'timeout' | 'too-large';

/** A file refused by the checks here; `message` says which file and why (callers add what to do). */
export class FileRefusedError extends Error {
  override readonly name = 'FileRefusedError';
  constructor(
    readonly file: string,
    readonly reason: RefusedReason,
    readonly problem: string,
  ) {
    super(`${file} ${problem}`);
  }
}

/** What a non-regular file is, in words. */
function kindOf(s: Stats): string {
  if (s.isDirectory()) return 'a folder';
  if (s.isFIFO()) return 'a named pipe (FIFO)';
  if (s.isSocket()) return 'a socket';
  if (s.isCharacterDevice()) return 'a character device';
  if (s.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

const NONBLOCK = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0);

export interface OpenedFile {
  readonly handle: FileHandle;
  /** The descriptor's own stat: a regular file. */
  readonly stats: Stats;
  /** The file's real path (links resolved), the same file as the descriptor. */
  readonly real: string;
}

/** How `openRegular` opens: within a time limit; `noFollow` for files StackLab writes itself, which are never links. */
export interface OpenOptions {
  readonly timeoutMs?: number;
  readonly noFollow?: boolean;
}

/**
 * Times the swap check is tried: a file replaced by an atomic rename (a save, not an attack)
 * changes under a reader now and then; one that changes at every try, for half a second, is refused.
 */
const SWAP_TRIES = 50;

/**
 * Opens `file` for reading if it is a regular file: never blocks on a FIFO or a device (opened
 * with O_NONBLOCK and refused by fstat), and refuses a path whose real file is not the one opened
 * (a link swapped in between; a file replaced by an atomic save is opened again). Errors of the
 * open itself (ENOENT, EACCES, ELOOP for a link with `noFollow`) are thrown as they are.
 */
export async function openRegular(file: string, options: OpenOptions = {}): Promise<OpenedFile> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const flags = NONBLOCK | (options.noFollow ? (constants.O_NOFOLLOW ?? 0) : 0);
  const once = async (): Promise<OpenedFile | null> => {
    const handle = await open(file, flags);
    try {
      const stats = await handle.stat();
      if (!stats.isFile()) throw new FileRefusedError(file, 'not-regular', `is ${kindOf(stats)}, not a regular file`);
      const real = await realpath(file);
      const named = await stat(real);
      // The real path must name the very file that was opened (ino 0: a file system without inode numbers).
      if (named.dev !== stats.dev || named.ino !== stats.ino || (stats.ino === 0 && named.size !== stats.size)) {
        await handle.close();
        return null;
      }
      return { handle, stats, real };
    } catch (err) {
      await handle.close().catch(() => undefined);
      throw err;
    }
  };
  const work = (async (): Promise<OpenedFile> => {
    for (let i = 0; i < SWAP_TRIES; i++) {
      const opened = await once();
      if (opened) return opened;
      await new Promise((r) => setTimeout(r, Math.min(i, 10)));
    }
    throw new FileRefusedError(
      file,
      'changed',
      `changed each time it was opened (${SWAP_TRIES} times): a link being replaced?`,
    );
  })();
  return withTimeLimit(
    work,
    timeoutMs,
    () =>
      new FileRefusedError(file, 'timeout', `did not open within ${timeoutMs / 1000} s (a network share that hangs?)`),
    (o) => void o.handle.close().catch(() => undefined),
  );
}

/**
 * The whole of a regular file, at most `maxBytes` (a larger one is refused before it is read;
 * one that grows past the limit while read, or a kernel file that reports size 0, is cut off and refused).
 */
export async function readRegular(file: string, maxBytes: number, options: OpenOptions = {}): Promise<Buffer> {
  const { handle, stats } = await openRegular(file, options);
  const tooLarge = () =>
    new FileRefusedError(file, 'too-large', `is larger than ${formatBytes(maxBytes)}, the most read from such a file`);
  try {
    if (stats.size > maxBytes) throw tooLarge();
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(Math.min(Math.max(stats.size - total, 64 * 1024), maxBytes + 1 - total));
      const { bytesRead } = await handle.read(buf, 0, buf.length, total);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > maxBytes) throw tooLarge();
      chunks.push(buf.subarray(0, bytesRead));
    }
    // One read usually holds the whole file: no copy then (a checkpoint can be hundreds of MB).
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** 16 MiB, 512 KiB, 300 B. */
export function formatBytes(n: number): string {
  if (n >= 2 ** 30) return `${+(n / 2 ** 30).toFixed(1)} GiB`;
  if (n >= 2 ** 20) return `${+(n / 2 ** 20).toFixed(1)} MiB`;
  if (n >= 2 ** 10) return `${+(n / 2 ** 10).toFixed(1)} KiB`;
  return `${n} B`;
}

/**
 * A file StackLab wrote that no longer reads as what it was (not JSON, a field wrong, not a regular
 * file): said as damaged, naming the file and why, never taken for a missing file or replaced.
 */
export class DamagedFileError extends Error {
  override readonly name = 'DamagedFileError';
  constructor(
    readonly file: string,
    readonly why: string,
    todo: string,
  ) {
    super(`${file} is damaged (${why}): ${todo}`);
  }
}

/**
 * A JSON file StackLab wrote, read back: null when there is none; its value when it parses and
 * `check` accepts it; a DamagedFileError otherwise (a FIFO or device, over `maxBytes`, not JSON, or
 * what `check` throws). `todo` says what the user can do about a damaged one.
 */
export async function readJsonFile<T>(
  file: string,
  check: (value: unknown) => T,
  todo: string,
  maxBytes = 16 * 2 ** 20,
): Promise<T | null> {
  let bytes: Buffer;
  try {
    // StackLab's own files are never links: one that is cannot lead its reader elsewhere.
    bytes = await readRegular(file, maxBytes, { noFollow: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    if (err instanceof FileRefusedError) throw new DamagedFileError(file, err.problem, todo);
    if ((err as NodeJS.ErrnoException).code === 'ELOOP')
      throw new DamagedFileError(file, 'it is a link, and StackLab writes this file itself, never as a link', todo);
    throw new DamagedFileError(
      file,
      `cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      todo,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    const at = /position (\d+)/.exec((err as Error).message)?.[1];
    const where = at
      ? ` at character ${at}`
      : bytes.length === 0
        ? ': it is empty'
        : /end of JSON/.test((err as Error).message)
          ? ': it ends too soon (cut short?)'
          : '';
    throw new DamagedFileError(file, `not valid JSON${where}`, todo);
  }
  try {
    return check(value);
  } catch (err) {
    throw new DamagedFileError(file, (err as Error).message, todo);
  }
}
