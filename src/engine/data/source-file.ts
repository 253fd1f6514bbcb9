/**
 * The one gate every read of a user's data passes: an import, a preview of a file's first lines
 * (server mode's `data.inspect`), a labels file, a file `stacklab score` reads. A file gets
 * through only when its name is CSV-like (or .json for labels), it is a regular file (judged on
 * the opened descriptor, so a link swapped in between cannot leak another file, and a FIFO or
 * device never blocks), it lies outside the kernel's virtual file systems and, with server mode's
 * `--root`, its real file lies inside the root and has a CSV-like name too; within a time limit.
 */
import path from 'node:path';
import { FileRefusedError, inVirtualFs, openRegular, type OpenedFile } from '../io/files';
import { DATA_NAME, ImportError, unreadable } from './errors';

/** What a host adds to the gate: confinement of the real path (server mode's --root), a time limit. */
export interface DataFileGate {
  /** Throws when the file's real path may not be read here (its message says why, naming `shown`: the path as given, and its kind). */
  readonly confine?: (real: string, shown: string, kind: DataFileKind) => Promise<unknown>;
  /** How long opening may take (default 10 s). */
  readonly timeoutMs?: number;
}

export type DataFileKind = 'csv' | 'labels';

/** Labels files are JSON; the largest one read (NAB's own are a few KB). */
const LABELS_NAME = /\.json$/i;

const NAMES: Record<DataFileKind, { test: RegExp; what: string; endings: string; hint: string }> = {
  csv: {
    test: DATA_NAME,
    what: 'a data file',
    endings: '.csv, .tsv, .txt, .dat, .xlsx or .parquet',
    hint: 'StackLab reads CSV exports, Excel workbooks (.xlsx) and Parquet files of sensor data: give one, or rename the file if it is one.',
  },
  labels: {
    test: LABELS_NAME,
    what: 'a labels file',
    endings: '.json',
    hint: 'A labels file is JSON: { "data.csv": [["start", "end"], …] }.',
  },
};

/** The file name check alone, before anything is opened. */
function checkDataFileName(file: string, kind: DataFileKind): void {
  const n = NAMES[kind];
  if (kind === 'csv' && /\.(xls|xlsm|xlsb|xltx|ods)$/i.test(file))
    throw new ImportError(
      { file },
      `is a spreadsheet StackLab does not read (${path.extname(file)})`,
      'Save it as .xlsx (Excel Workbook) or export the sheet as CSV.',
    );
  if (!n.test.test(file))
    throw new ImportError({ file }, `is not ${n.what} (its name does not end in ${n.endings})`, n.hint);
}

/**
 * Opens a data or labels file through the gate; the caller reads from the handle (never from the
 * path again) and closes it. Errors are ImportErrors that name the file, the problem and what to do.
 */
export async function openDataFile(file: string, kind: DataFileKind, gate: DataFileGate = {}): Promise<OpenedFile> {
  checkDataFileName(file, kind);
  let opened: OpenedFile;
  try {
    opened = await openRegular(file, gate.timeoutMs !== undefined ? { timeoutMs: gate.timeoutMs } : {});
  } catch (err) {
    if (err instanceof FileRefusedError) {
      const saved =
        kind === 'labels' ? 'Give the labels file (JSON) saved as a file.' : 'Give a CSV export saved as a file.';
      const hint =
        err.reason === 'timeout'
          ? 'Copy the file to a local disk and import it from there.'
          : err.reason === 'changed'
            ? 'Import it again once it stays put.'
            : saved;
      throw new ImportError({ file }, err.problem, hint);
    }
    throw new ImportError(
      { file },
      unreadable(err),
      kind === 'labels' ? 'Check the path of the labels file.' : 'Check the path and the permissions.',
    );
  }
  try {
    if (inVirtualFs(opened.real))
      throw new ImportError(
        { file },
        "lies in the kernel's virtual file system (/proc, /sys, /dev)",
        kind === 'labels' ? 'Give a labels file saved on a disk.' : 'Give a CSV export saved on a disk.',
      );
    if (gate.confine) {
      // In a confined folder others may have filled, a link is judged by what it leads to as well:
      // data.csv → a key file is not a CSV file. (Without one, a link is the user's own: data.csv → a cache file.)
      const n = NAMES[kind];
      if (!n.test.test(path.basename(opened.real)))
        throw new ImportError(
          { file },
          `is a link to a file that is not ${n.what} (its name does not end in ${n.endings})`,
          n.hint,
        );
      await gate.confine(opened.real, file, kind);
    }
    return opened;
  } catch (err) {
    await opened.handle.close().catch(() => undefined);
    throw err;
  }
}
