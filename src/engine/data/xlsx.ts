/**
 * Excel workbooks (.xlsx) read with ExcelJS's streaming reader: one sheet (the one asked for, else
 * the first that holds data), row by row, in bounded memory (the shared strings are kept, the rows
 * are not). Cells with a date format arrive as times; the header is the rows of text above the
 * first row that holds a number or a date: the last of them names the columns, a row of units
 * under it (°C, bar, %) joins the names, and a row of group titles above it (merged cells,
 * carried to the right) goes in front of them.
 */
import ExcelJS from 'exceljs';
import { ReadStream } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { excerpt, ImportError } from './errors';
import { TIME_NAMES } from './roles';
import type { Cell, TableSource } from './table-import';

/** Rows read before planning the roles (as the CSV path samples). */
const HEAD_ROWS = 500;
/** Text rows above the data looked at for names: a title, group titles, names, units. */
const MAX_HEADER_ROWS = 6;
/** Columns no group title spans: times, labels, events, runs. */
const STANDALONE_NAMES =
  /^(anomaly|label|labels|fault|status|event|events|changepoint|run|run_id|batch|batch_id|experiment)$/i;
const standalone = (name: string) => TIME_NAMES.test(name) || STANDALONE_NAMES.test(name);
/** Rows handed over at a time. */
const BATCH = 4096;

/**
 * Reads a sheet passed over to its end, unparsed. ExcelJS copies each sheet stored before the
 * shared strings (Excel's own order) to a temporary file and removes it when the next sheet is
 * asked for: a sheet left unread would have its file removed before its reader opened it (an
 * uncaught ENOENT), and a sheet half read keeps its file until the process ends.
 */
async function drain(ws: unknown): Promise<void> {
  const raw = (ws as { iterator?: AsyncIterable<unknown> }).iterator;
  if (raw && Symbol.asyncIterator in Object(raw)) for await (const _ of raw) void _;
}

interface SheetRef {
  readonly id: string;
  readonly name: string;
}

/** A cell of ExcelJS as a table cell: numbers, text, times (epoch ms, flagged), formulas by their result. */
function cellOf(v: unknown): { cell: Cell; time: boolean } {
  if (v === null || v === undefined) return { cell: null, time: false };
  if (typeof v === 'number') return { cell: v, time: false };
  if (typeof v === 'string') return { cell: v, time: false };
  if (typeof v === 'boolean') return { cell: v ? 1 : 0, time: false };
  if (v instanceof Date) return { cell: v.getTime(), time: true };
  if (typeof v === 'object') {
    const o = v as { result?: unknown; richText?: { text: string }[]; text?: unknown; error?: unknown };
    if ('result' in o) return cellOf(o.result);
    if (Array.isArray(o.richText)) return { cell: o.richText.map((t) => t.text).join(''), time: false };
    if (typeof o.text === 'string') return { cell: o.text, time: false };
    if ('error' in o) return { cell: null, time: false };
  }
  return { cell: String(v), time: false };
}

const isText = (c: Cell) => typeof c === 'string' && c.trim() !== '';
/**
 * A row of data: most of its filled cells numbers or times, two of them at least, or more than
 * half ("Exported: <date>" beside one number is a title, not data).
 */
const isDataRow = (r: { cells: Cell[] }) => {
  const filled = r.cells.filter((c) => c !== null && c !== undefined && !(typeof c === 'string' && c.trim() === ''));
  const numbers = filled.filter((c) => typeof c === 'number').length;
  return numbers * 2 > filled.length || (numbers >= 2 && numbers * 2 >= filled.length);
};
/** A row of units: short words such as °C, bar, m3/h, %, [kPa], (rpm). */
const UNIT = /^[([]?[\p{L}\p{N}°%‰µ/·*^.\s-]{1,12}[)\]]?$/u;

/**
 * The workbook's sheets in order, and a stream of one sheet's rows. The sheet is `wanted` when
 * given (by name), else the first with any row.
 */
export async function readXlsx(
  display: string,
  fh: FileHandle,
  bytes: number,
  wanted?: string,
): Promise<TableSource & { readonly sheets: readonly string[]; readonly sheet: string }> {
  // An .xlsx file is a zip archive ("PK"): anything else is said as what it is.
  const sig = Buffer.alloc(4);
  await fh.read(sig, 0, 4, 0);
  if (sig[0] !== 0x50 || sig[1] !== 0x4b) {
    const text = [...sig].every((b) => b === 9 || b === 10 || b === 13 || (b >= 32 && b < 127));
    throw new ImportError(
      { file: display },
      text
        ? 'is text, not an Excel workbook (.xlsx is a zip archive)'
        : 'is not an Excel workbook (.xlsx is a zip archive)',
      text
        ? 'If it is a CSV export, rename it to .csv; else open it in Excel and save it as .xlsx (Excel Workbook).'
        : 'Open it in Excel and save it as .xlsx (Excel Workbook), or export the sheet as CSV. An .xls from Excel 97–2003 must be saved as .xlsx first.',
    );
  }
  const stream = fh.createReadStream({ start: 0, autoClose: false });
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(stream, {
    worksheets: 'emit',
    sharedStrings: 'cache',
    styles: 'cache',
    hyperlinks: 'ignore',
    entries: 'ignore',
  });
  const internals = reader as unknown as {
    model?: { sheets?: { name: string; id: number; rId: string }[] };
    workbookRels?: { Id: string; Target: string }[];
  };
  const sheets = (): string[] => internals.model?.sheets?.map((s) => s.name) ?? [];
  const books = reader[Symbol.asyncIterator]();
  let picked: { ref: SheetRef; ws: unknown; rows: AsyncIterator<ExcelJS.Row> } | null = null;
  const firstRows: { number: number; cells: Cell[]; times: boolean[] }[] = [];
  try {
    for (;;) {
      const next = await books.next();
      if (next.done) break;
      // ExcelJS names the reader from workbook.xml (its id is the sheet's, not the file's number).
      const ws = next.value as unknown as { id: string | number; name: string } & AsyncIterable<ExcelJS.Row>;
      const ref = { id: String(ws.id), name: ws.name };
      if (wanted !== undefined && ref.name !== wanted) {
        await drain(ws);
        continue;
      }
      const rows = ws[Symbol.asyncIterator]();
      firstRows.length = 0;
      // The first rows: the header and a sample of data. A sheet without a row of numbers (a
      // cover or notes sheet) is passed over, unless it is the one asked for.
      while (firstRows.length < HEAD_ROWS + MAX_HEADER_ROWS) {
        const r = await rows.next();
        if (r.done) break;
        const values = (r.value.values as unknown[]).slice(1);
        const cells = values.map(cellOf);
        if (cells.every((c) => c.cell === null || (typeof c.cell === 'string' && c.cell.trim() === ''))) continue;
        firstRows.push({ number: r.value.number, cells: cells.map((c) => c.cell), times: cells.map((c) => c.time) });
      }
      if (firstRows.some(isDataRow) || (wanted !== undefined && firstRows.length)) {
        picked = { ref, ws, rows };
        break;
      }
      // Passed over (a cover or notes sheet): read to its end, so that its copy is removed.
      while (!(await rows.next()).done);
      if (wanted !== undefined) break;
    }
  } catch (err) {
    stream.destroy();
    throw new ImportError(
      { file: display },
      `cannot be read as an Excel workbook (${excerpt((err as Error).message, 80)})`,
      'Open it in Excel and save it again as .xlsx (Excel Workbook), or export the sheet as CSV.',
    );
  }
  if (!picked) {
    stream.destroy();
    const list = sheets();
    throw new ImportError(
      { file: display },
      wanted !== undefined
        ? `has no sheet named "${excerpt(wanted, 40)}" with data (sheets: ${list.join(', ') || 'none'})`
        : 'has no sheet with data',
      wanted !== undefined ? 'Choose one of its sheets.' : 'Save the workbook with the measurements in a sheet.',
    );
  }

  // The header: the text rows above the first row mostly of numbers and dates (a line such as
  // "Exported: <date>" above the names is not data).
  const dataAt = firstRows.findIndex(isDataRow);
  if (dataAt < 0) {
    stream.destroy();
    throw new ImportError(
      { file: display },
      `has no row of numbers in the first ${firstRows.length} rows of sheet "${picked.ref.name}"`,
      'Choose the sheet that holds the measurements.',
    );
  }
  const headerRows = firstRows.slice(Math.max(0, dataAt - MAX_HEADER_ROWS), dataAt);
  const notes: string[] = [];
  const width = Math.max(...firstRows.map((r) => r.cells.length));
  let nameRow = headerRows.at(-1);
  let unitRow: (typeof firstRows)[number] | undefined;
  // Units under the names: every filled cell short and unit-like, the row above holding longer names.
  if (
    headerRows.length >= 2 &&
    headerRows
      .at(-1)!
      .cells.filter(isText)
      .every((c) => UNIT.test(String(c).trim())) &&
    headerRows.at(-2)!.cells.filter(isText).length >= headerRows.at(-1)!.cells.filter(isText).length
  ) {
    unitRow = headerRows.at(-1);
    nameRow = headerRows.at(-2);
  }
  const groupRow = nameRow && headerRows.indexOf(nameRow) > 0 ? headerRows[headerRows.indexOf(nameRow) - 1] : undefined;
  let group = '';
  const names = Array.from({ length: width }, (_, c) => {
    const g = groupRow?.cells[c];
    const n = nameRow?.cells[c];
    const base = isText(n ?? null) ? String(n).trim() : nameRow ? '' : `column_${c + 1}`;
    // A merged group title fills only its first cell (the streaming reader sees the merges only
    // after the rows): carried to the right until the next title, but never onto a time, label,
    // event or run column, which stand alone.
    if (groupRow) group = isText(g ?? null) ? String(g).trim() : g === null || g === undefined ? group : '';
    if (standalone(base)) group = '';
    const unit = unitRow?.cells[c];
    const withGroup = group && base && !base.startsWith(group) ? `${group} ${base}` : base || group;
    // A unit already in brackets keeps its own: [°C] → "(°C)".
    const u = String(unit ?? '')
      .trim()
      .replace(/^[([](.*)[)\]]$/, '$1');
    return isText(unit ?? null) && withGroup ? `${withGroup} (${u})` : withGroup || `column_${c + 1}`;
  });
  if (unitRow) notes.push(`row ${unitRow.number} read as units, joined to the column names`);
  if (groupRow && groupRow.cells.some(isText))
    notes.push(`row ${groupRow.number} read as group titles before the names`);
  // Repeated names made unique as the CSV path does.
  const seen = new Map<string, number>();
  const unique = names.map((n) => {
    const k = (seen.get(n) ?? 0) + 1;
    seen.set(n, k);
    return k === 1 ? n : `${n}_${k}`;
  });
  const data = firstRows.slice(dataAt);
  // Serial day numbers without a date format in a column named like a time: Excel's own dates
  // (1900 date system: day 25,569 is 1970-01-01), read as times.
  const serial = new Set(
    unique
      .map((_, c) => c)
      .filter((c) => {
        if (!TIME_NAMES.test(unique[c]!.trim())) return false;
        const v = data.map((r) => r.cells[c]).filter((x) => x !== null && x !== undefined);
        return v.length > 0 && v.every((x) => typeof x === 'number' && x > 20_000 && x < 80_000);
      }),
  );
  const fromSerial = (cells: Cell[]) => {
    for (const c of serial) {
      const v = cells[c];
      if (typeof v === 'number') cells[c] = Math.round((v - 25_569) * 86_400_000);
    }
    return cells;
  };
  for (const r of data) {
    fromSerial(r.cells);
    for (const c of serial) r.times[c] = true;
  }
  if (serial.size)
    notes.push(
      `${[...serial].map((c) => unique[c]).join(', ')}: Excel serial day numbers read as times (UTC, 1900 date system)`,
    );
  // A column is a time column when its filled cells are times (a date format in the sheet).
  const timeColumns = new Set(
    unique
      .map((_, c) => c)
      .filter((c) => {
        const filled = data.filter((r) => r.cells[c] !== null && r.cells[c] !== undefined);
        return filled.length > 0 && filled.every((r) => r.times[c]);
      }),
  );
  const pad = (cells: Cell[]) =>
    cells.length < width ? [...cells, ...Array<Cell>(width - cells.length).fill(null)] : cells;
  const rows = picked.rows;
  let rowsDone = false;
  // Once the sheet is read to its end, the sheets after it are read through unparsed, so that
  // ExcelJS removes its temporary copies now rather than when the app quits; a read stopped
  // early (an error, a cancel) leaves them to the end of the process.
  // Only a sheet read from ExcelJS's copy comes after the whole archive was read: then the rest is
  // copies on disk. A sheet read straight from the archive would mean inflating the rest of it,
  // which a cut-off file never ends.
  const fromCopy = (picked.ws as { iterator?: unknown }).iterator instanceof ReadStream;
  const close = async () => {
    try {
      if (rowsDone && fromCopy)
        for (;;) {
          const next = await books.next();
          if (next.done) break;
          await drain(next.value);
        }
    } catch {
      // The rest of the file does not matter to the import; the copies go when the process ends.
    } finally {
      stream.destroy();
    }
  };
  const list = sheets();
  const index = list.indexOf(picked.ref.name);
  return {
    kind: 'xlsx',
    format: `Excel workbook, sheet "${picked.ref.name}"${list.length > 1 ? ` (${index + 1} of ${list.length}: ${list.join(', ')})` : ''}`,
    bytes,
    names: unique,
    timeColumns,
    // Excel's dates have no zone: the wall clock of whoever typed or logged them.
    localTimes: true,
    close,
    head: data.map((r) => pad(r.cells)),
    notes,
    sheets: list,
    sheet: picked.ref.name,
    async *batches() {
      // Every cell is in the row ExcelJS parses: nothing to gain by reading fewer columns.
      try {
        yield { line: data[0]!.number, rows: data.map((r) => pad(r.cells)) };
        let batch: Cell[][] = [];
        let line = 0;
        for (;;) {
          const r = await rows.next();
          if (r.done) {
            rowsDone = true;
            break;
          }
          const cells = fromSerial((r.value.values as unknown[]).slice(1).map((v) => cellOf(v).cell));
          if (cells.every((c) => c === null || (typeof c === 'string' && c.trim() === ''))) continue;
          if (batch.length === 0) line = r.value.number;
          batch.push(pad(cells));
          if (batch.length >= BATCH) {
            yield { line, rows: batch };
            batch = [];
          }
        }
        if (batch.length) yield { line, rows: batch };
      } catch (err) {
        stream.destroy();
        throw err;
      }
    },
  };
}
