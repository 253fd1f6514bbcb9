/**
 * Parquet files read with hyparquet (pure JavaScript, no native code): the column types from the
 * file's schema, timestamps in their stored unit (milliseconds, micro- or nanoseconds, dates) read
 * as times, one row group at a time, so memory is the kept columns plus one row group. Snappy is
 * built in; gzip, zstd, brotli and LZ4 come from hyparquet-compressors. Bytes are read through the
 * data-file gate's open handle, never by path.
 */
import { parquetMetadataAsync, parquetRead, parquetSchema, type AsyncBuffer, type FileMetaData } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import type { FileHandle } from 'node:fs/promises';
import { excerpt, ImportError } from './errors';
import type { Cell, TableSource } from './table-import';

const HEAD_ROWS = 500;

/** The file behind the gate's handle as hyparquet's AsyncBuffer. */
function handleBuffer(fh: FileHandle, size: number): AsyncBuffer {
  return {
    byteLength: size,
    async slice(start: number, end?: number) {
      const stop = Math.min(size, end ?? size);
      const buf = Buffer.alloc(Math.max(0, stop - start));
      let done = 0;
      while (done < buf.length) {
        const { bytesRead } = await fh.read(buf, done, buf.length - done, start + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      return buf.buffer.slice(buf.byteOffset, buf.byteOffset + done) as ArrayBuffer;
    },
  };
}

/** A value as hyparquet gives it, as a table cell (times and dates as epoch milliseconds). */
function cellOf(v: unknown): Cell {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v instanceof Date) return v.getTime();
  return null;
}

const TIME_TYPES = new Set(['TIMESTAMP', 'DATE', 'TIMESTAMP_MILLIS', 'TIMESTAMP_MICROS']);
/** Rows handed over at a time (a row group is decoded whole, column by column). */
const SLICE = 65_536;

export async function readParquet(display: string, fh: FileHandle, bytes: number): Promise<TableSource> {
  const file = handleBuffer(fh, bytes);
  let meta: FileMetaData;
  try {
    meta = await parquetMetadataAsync(file);
  } catch (err) {
    throw new ImportError(
      { file: display },
      `is not a readable Parquet file (${excerpt((err as Error).message, 80)})`,
      'Export it again as Parquet, or as CSV.',
    );
  }
  const schema = parquetSchema(meta);
  // Flat columns only: nested ones (lists, structs) are not sensor channels.
  const flat = schema.children.filter((c) => c.children.length === 0);
  const nested = schema.children.filter((c) => c.children.length > 0).map((c) => c.element.name);
  const names = flat.map((c) => c.element.name);
  // Times by logical or converted type, and INT96 (Spark's and Impala's timestamps, untyped).
  const isTime = (e: (typeof flat)[number]['element']) =>
    TIME_TYPES.has(e.logical_type?.type ?? '') || TIME_TYPES.has(String(e.converted_type ?? '')) || e.type === 'INT96';
  const timeColumns = new Set(
    flat
      .map((c, i) => ({ c, i }))
      .filter(({ c }) => isTime(c.element))
      .map(({ i }) => i),
  );
  // Wall-clock times: a TIMESTAMP not adjusted to UTC (the zone is then --utc-offset's, as for CSV).
  const lt = flat.map((c) => c.element.logical_type).find((t) => t?.type === 'TIMESTAMP') as
    { isAdjustedToUTC?: boolean } | undefined;
  const localTimes = lt?.isAdjustedToUTC === false;
  const total = Number(meta.num_rows);
  // Rows as wide as the file: the columns read in their places, the others null.
  const read = (rowStart: number, rowEnd: number, keep: readonly number[] = names.map((_, i) => i)) =>
    new Promise<Cell[][]>((resolve, reject) => {
      parquetRead({
        file,
        columns: keep.map((i) => names[i]!),
        rowStart,
        rowEnd,
        compressors,
        rowFormat: 'array',
        onComplete: (rows: unknown[][]) =>
          resolve(
            rows.map((r) => {
              const out = new Array<Cell>(names.length).fill(null);
              keep.forEach((c, k) => (out[c] = cellOf(r[k])));
              return out;
            }),
          ),
      }).catch(reject);
    });
  const wrap = async <T>(p: Promise<T>): Promise<T> =>
    p.catch((err: Error) => {
      throw new ImportError(
        { file: display },
        `cannot be read (${excerpt(err.message, 80)})`,
        'Export it again as Parquet (snappy, gzip, zstd, brotli or LZ4 compression), or as CSV.',
      );
    });
  const head = await wrap(read(0, Math.min(total, HEAD_ROWS)));
  const groups = meta.row_groups.map((g) => Number(g.num_rows));
  const codecs = [...new Set(meta.row_groups.flatMap((g) => g.columns.map((c) => c.meta_data?.codec ?? '')))].filter(
    Boolean,
  );
  return {
    kind: 'parquet',
    format: `Parquet, ${groups.length} row group${groups.length === 1 ? '' : 's'}${codecs.length ? `, ${codecs.join('/').toLowerCase()}` : ''}`,
    bytes,
    names,
    rows: total,
    timeColumns,
    head,
    notes: nested.length ? [`nested columns left out: ${nested.join(', ')}`] : [],
    localTimes,
    // One row group at a time, the kept columns only, decoded column by column (typed arrays:
    // no row objects), then handed over in slices of rows.
    async *batches(keep) {
      const cols = [...keep].sort((a, b) => a - b);
      let groupStart = 0;
      for (const n of groups) {
        if (n === 0) continue;
        const chunks = new Map<string, { rowStart: number; data: ArrayLike<unknown> }[]>();
        await wrap(
          parquetRead({
            file,
            columns: cols.map((i) => names[i]!),
            rowStart: groupStart,
            rowEnd: groupStart + n,
            compressors,
            onChunk: (c) => {
              const list = chunks.get(c.columnName) ?? [];
              list.push({ rowStart: c.rowStart, data: c.columnData as ArrayLike<unknown> });
              chunks.set(c.columnName, list);
            },
          }),
        );
        const cursors = cols.map((c) => ({
          col: c,
          parts: (chunks.get(names[c]!) ?? []).sort((a, b) => a.rowStart - b.rowStart),
          at: 0,
        }));
        const cell = (cur: (typeof cursors)[number], row: number): Cell => {
          while (cur.at < cur.parts.length && row >= cur.parts[cur.at]!.rowStart + cur.parts[cur.at]!.data.length)
            cur.at++;
          const part = cur.parts[cur.at];
          return part && row >= part.rowStart ? cellOf(part.data[row - part.rowStart]) : null;
        };
        for (let s = 0; s < n; s += SLICE) {
          const rows: Cell[][] = [];
          for (let r = groupStart + s; r < groupStart + Math.min(n, s + SLICE); r++) {
            const out = new Array<Cell>(names.length).fill(null);
            for (const cur of cursors) out[cur.col] = cell(cur, r);
            rows.push(out);
          }
          yield { line: groupStart + s + 1, rows };
        }
        groupStart += n;
      }
    },
  };
}
