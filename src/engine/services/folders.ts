/**
 * Folder choices a user makes (the runs folder, a `--root`), checked before anything is written
 * there: an absolute path to a real, writable directory (created when missing), never under the
 * kernel's virtual file systems, within a time limit (a hung network share answers in words).
 */
import { access, constants, mkdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { inVirtualFs, isUnder, VIRTUAL_DIRS } from '../io/files';
import { withTimeLimit } from '../time-limit';

/** The real path of `p`, or of its nearest existing ancestor joined with the rest. */
async function realOrNearest(p: string): Promise<string> {
  let head = p;
  const rest: string[] = [];
  for (;;) {
    try {
      return path.join(await realpath(head), ...rest);
    } catch {
      const up = path.dirname(head);
      if (up === head) return p;
      rest.unshift(path.basename(head));
      head = up;
    }
  }
}

/** `work`, or an error naming `what` as a folder that did not answer within `ms`. */
function folderAnswers<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  return withTimeLimit(
    work,
    ms,
    () =>
      new Error(`${what} did not answer within ${ms / 1000} s (a network share that hangs?): choose a local folder`),
  );
}

/**
 * Checks (and creates, when missing) a folder to write into; returns its absolute path.
 * `what` names it in errors ("the runs folder").
 */
export async function usableFolder(p: string, what: string, timeoutMs = 5000): Promise<string> {
  if (!path.isAbsolute(p)) throw new Error(`${what} must be an absolute path, got "${p}"`);
  const folder = path.resolve(p);
  const real = await folderAnswers(realOrNearest(folder), timeoutMs, folder);
  // Kernel file systems: a recursive mkdir there can spin forever, and nothing belongs in them.
  if (inVirtualFs(folder) || inVirtualFs(real)) {
    throw new Error(
      `${what} cannot be ${folder}: it lies in the kernel's virtual file system (${VIRTUAL_DIRS.join(', ')}); choose a folder on a disk`,
    );
  }
  await folderAnswers(
    (async () => {
      const info = await stat(folder).catch(() => null);
      if (info && !info.isDirectory()) throw new Error(`${what} ${folder} is a file, not a folder: choose a folder`);
      if (!info) {
        await mkdir(folder, { recursive: true }).catch((err: NodeJS.ErrnoException) => {
          throw new Error(
            `cannot create ${what} ${folder} (${err.code ?? err.message}): choose a folder you can write to`,
          );
        });
      }
      await access(folder, constants.W_OK | constants.X_OK).catch((err: NodeJS.ErrnoException) => {
        throw new Error(
          `cannot write into ${what} ${folder} (${err.code ?? err.message}): choose a folder you can write to`,
        );
      });
    })(),
    timeoutMs,
    folder,
  );
  return folder;
}

/**
 * Confines paths to a root folder (`serve --root DIR`): a path, resolved through its links, must
 * lie inside the root. Without a root every path is allowed (the user's own access).
 */
export function pathGuard(root: string | undefined) {
  const base = root ? path.resolve(root) : null;
  /** `shown` names the path in the error (a link the user gave, where `p` is the file it leads to). */
  return async function inside(p: string, what: string, shown = p): Promise<string> {
    const resolved = path.resolve(p);
    if (!base) return resolved;
    const [real, realRoot] = await Promise.all([realOrNearest(resolved), realOrNearest(base)]);
    if (!isUnder(real, realRoot))
      throw new Error(`${what} ${shown} is outside the folder this server may use (${base}): choose a path inside it`);
    return resolved;
  };
}
