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

const TIME_TYPES = new Set(['TIMESTAMP', 'DATE', 'TIMESTAMP_MILLIS', 'TIMESTAMP_MICROS', 'DATE']);

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
  const timeColumns = new Set(
    flat
      .map((c, i) => ({ c, i }))
      .filter(
        ({ c }) =>
          TIME_TYPES.has(c.element.logical_type?.type ?? '') || TIME_TYPES.has(String(c.element.converted_type ?? '')),
      )
      .map(({ i }) => i),
  );
  const total = Number(meta.num_rows);
  const read = (rowStart: number, rowEnd: number) =>
    new Promise<Cell[][]>((resolve, reject) => {
      parquetRead({
        file,
        columns: names,
        rowStart,
        rowEnd,
        compressors,
        rowFormat: 'array',
        onComplete: (rows: unknown[][]) => resolve(rows.map((r) => r.map(cellOf))),
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
    timeColumns,
    head,
    notes: nested.length ? [`nested columns left out: ${nested.join(', ')}`] : [],
    async *batches() {
      let start = 0;
      for (const n of groups) {
        if (n > 0) yield { line: start + 1, rows: await wrap(read(start, start + n)) };
        start += n;
      }
    },
  };
}
