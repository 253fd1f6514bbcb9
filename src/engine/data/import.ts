/**
 * Streaming import of one CSV file: sniff the encoding and dialect from the head, plan column
 * roles, then stream the whole file through the tokenizer into typed columns. Memory is one
 * typed array per kept column (plus chunk overhead), never the text of the file.
 */
import { isAscii } from 'node:buffer';
import { stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import {
  CsvTokenizer,
  detectEncoding,
  fieldText,
  looksBinary,
  MAX_RECORD_CHARS,
  asImportError,
  sniffDialect,
  type Dialect,
} from './csv';
import {
  capped,
  columnList,
  DATA_NAME,
  excerpt,
  ImportError,
  PARQUET_NAME,
  unknownLabelError,
  XLSX_NAME,
} from './errors';
import { detectLong, importLong } from './long';
import { readParquet } from './parquet';
import { importTable } from './table-import';
import { readXlsx } from './xlsx';
import { openDataFile } from './source-file';
import { isMissingToken, parseNumberRange } from './numbers';
import { DEFAULT_LABEL_WORDS, labelClass, planRoles } from './roles';
import { describeFormat, parseTimestampRange, type TimestampFormat } from './timestamps';

/** The most columns a file may have: beyond, the delimiter or the line breaks are wrong (a file read as one row). */
export const MAX_COLUMNS = 250_000;

/** The largest magnitude a float32 channel holds. */
const FLOAT32_MAX = 3.4028234663852886e38;

export type { ImportOptions, RawSeries } from './raw';
import { Column } from './column';
import type { ImportOptions, RawSeries } from './raw';

/**
 * The head of a file for sniffing: at least `bytes`, grown (doubling, up to `max`) until it holds
 * `lines` line breaks, so that a header of 100,000 columns is judged whole.
 */
async function readHead(fh: FileHandle, bytes: number, lines = 12, max = MAX_RECORD_CHARS): Promise<Uint8Array> {
  let size = bytes;
  for (;;) {
    const buf = new Uint8Array(size);
    const { bytesRead } = await fh.read(buf, 0, size, 0);
    const head = buf.subarray(0, bytesRead);
    // Line feeds, or carriage returns for a file that ends its lines with CR alone.
    let lf = 0;
    let cr = 0;
    for (let i = 0; i < head.length && lf < lines && cr < lines; i++) {
      if (head[i] === 10) lf++;
      else if (head[i] === 13) cr++;
    }
    if (lf >= lines || cr >= lines || bytesRead < size || size >= max) return head;
    size = Math.min(max, size * 2);
  }
}

/**
 * Header names made unique without collisions: a repeated name gets the first free `_2`, `_3`, …
 * that no other column of the header has (`t,x_2,x,x` → `t,x_2,x,x_3`), so each column keeps its data.
 */
export function uniqueNames(raw: readonly string[]): { names: string[]; renamed: [string, string][] } {
  const names = raw.map((n, i) => n.trim() || `column_${i + 1}`);
  const inHeader = new Set(names);
  const taken = new Set<string>();
  const renamed: [string, string][] = [];
  const out = names.map((n) => {
    if (!taken.has(n)) {
      taken.add(n);
      return n;
    }
    let k = 2;
    while (taken.has(`${n}_${k}`) || inHeader.has(`${n}_${k}`)) k++;
    const unique = `${n}_${k}`;
    taken.add(unique);
    renamed.push([n, unique]);
    return unique;
  });
  return { names: out, renamed };
}

/** A file's raw columns with notes added (an option that does not apply to its format, say). */
function withNotes(raw: RawSeries, notes: readonly string[]): RawSeries {
  return notes.length ? { ...raw, notes: [...raw.notes, ...notes] } : raw;
}

/**
 * Reads one data file through the data-file gate (source-file.ts): the file read is the file
 * checked. A CSV file (wide, or a long table pivoted to channels), an Excel workbook's sheet or a
 * Parquet file, by its name's ending.
 */
export async function importCsvFile(file: string, options: ImportOptions = {}): Promise<RawSeries> {
  const { handle, stats } = await openDataFile(file, 'csv', options.gate);
  try {
    if (XLSX_NAME.test(file)) {
      if (stats.size === 0)
        throw new ImportError({ file }, 'is empty', 'Save the workbook again; the file has no bytes.');
      const src = await readXlsx(file, handle, stats.size, options.sheet);
      try {
        const raw = await importTable(file, src, options);
        const layout = options.layout === 'long' ? ['--layout long is for CSV tables: a sheet is read as it is'] : [];
        return withNotes({ ...raw, sheets: { names: src.sheets, read: src.sheet } }, layout);
      } finally {
        await src.close?.();
      }
    }
    if (PARQUET_NAME.test(file)) {
      if (stats.size === 0)
        throw new ImportError({ file }, 'is empty', 'Export the Parquet file again; it has no bytes.');
      return withNotes(await importTable(file, await readParquet(file, handle, stats.size), options), [
        ...(options.sheet ? ['--sheet is for Excel workbooks: ignored for a Parquet file'] : []),
        ...(options.layout === 'long' ? ['--layout long is for CSV tables: a Parquet file is read as it is'] : []),
      ]);
    }
    return withNotes(await importOpened(file, handle, stats.size, options), [
      ...(options.sheet ? ['--sheet is for Excel workbooks: ignored for a CSV file'] : []),
    ]);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

async function importOpened(file: string, fh: FileHandle, size: number, options: ImportOptions): Promise<RawSeries> {
  const display = file;
  if (size === 0) throw new ImportError({ file: display }, 'is empty', 'Export the data again; the file has no bytes.');

  const head = await readHead(fh, 256 * 1024);
  const detected = detectEncoding(head);
  if (detected.encoding === 'utf-32')
    throw new ImportError(
      { file: display },
      'is UTF-32 text, which StackLab does not read',
      'Save it as UTF-8 (or UTF-16) and import it again.',
    );
  const enc = { ...detected, encoding: detected.encoding };
  if ((enc.encoding === 'utf-8' || enc.encoding === 'windows-1252') && looksBinary(head.subarray(enc.bomLength))) {
    throw new ImportError(
      { file: display },
      'is a binary file, not CSV text',
      'Export the data as CSV (comma, semicolon or tab separated text).',
    );
  }
  const encoding = options.dialect?.encoding ?? enc.encoding;
  const decodedHead = new TextDecoder(encoding).decode(head.subarray(enc.bomLength));
  // Lines ended by CR alone (a classic Mac export): read as line breaks, here and in the stream.
  const crOnly = decodedHead.includes('\r') && !decodedHead.includes('\n') && decodedHead.trim() !== '';
  const headText = crOnly ? decodedHead.replace(/\r/g, '\n') : decodedHead;
  if (headText.trim() === '')
    throw new ImportError(
      { file: display },
      head.length < size
        ? 'starts with more than 16 MiB of blank space'
        : `is blank (${/^[\r]+$/.test(headText) ? 'only carriage returns' : 'only spaces and line breaks'})`,
      'Export the data again: the file holds no text.',
    );
  if (!headText.includes('\n') && head.length < size)
    throw new ImportError(
      { file: display, line: 1 },
      `is over ${MAX_RECORD_CHARS / 2 ** 20} MiB long without a line break`,
      'A CSV export has one row per line: check that this is a CSV file and that its line breaks survived.',
    );
  const sniffed = sniffDialect(headText, { encoding, bom: enc.bom }, options.dialect);
  const dialect: Dialect = crOnly ? { ...sniffed, lineEnding: 'CR' } : sniffed;

  // Sample rows for role planning.
  const headLines = headText.split('\n');
  // The head may end inside a line.
  if (head.length < size && headLines.length > 1) headLines.pop();
  const sampleLines = headLines
    .map((l) => l.replace(/\r$/, ''))
    .filter((l) => l.trim() !== '')
    .slice(0, (options.sampleRows ?? 500) + 1);
  // Sample records through the real tokenizer, so quoted newlines and delimiters are respected.
  const sampled: string[][] = [];
  const sampler = new CsvTokenizer(dialect.delimiter, (text, off, count, quoted) => {
    if (sampled.length <= (options.sampleRows ?? 500))
      sampled.push(Array.from({ length: count }, (_, k) => fieldText(text, off, k, quoted)));
  });
  sampler.push(sampleLines.join('\n') + '\n');
  const firstRow = sampled[0] ?? [];
  const unique = uniqueNames(dialect.header ? firstRow : firstRow.map((_, i) => `column_${i + 1}`));
  const names = unique.names;
  if (names.length > MAX_COLUMNS)
    throw new ImportError(
      { file: display, line: 1 },
      `has ${names.length.toLocaleString('en')} fields in its first row (more than ${MAX_COLUMNS.toLocaleString('en')})`,
      `Check the delimiter (--delimiter) and that the line breaks survived: a sensor export has one row per line.`,
    );
  const notes: string[] = [];
  if (unique.renamed.length)
    notes.push(
      `${unique.renamed.length} repeated column name${unique.renamed.length > 1 ? 's' : ''} renamed: ${unique.renamed
        .slice(0, 5)
        .map(([a, b]) => `a second "${excerpt(a, 24)}" is "${excerpt(b, 28)}"`)
        .join(', ')}${unique.renamed.length > 5 ? ', …' : ''}`,
    );
  if (enc.encoding === 'windows-1252' && !options.dialect?.encoding)
    notes.push('not valid UTF-8: read as Windows-1252 (Latin-1); save it as UTF-8 if names look wrong');
  const dataRows = dialect.header ? sampled.slice(1) : sampled;
  if (dataRows.length === 0)
    throw new ImportError({ file: display }, 'has a header but no data rows', 'Export the data again with its rows.');
  const samples = names.map((_, c) => dataRows.map((r) => r[c] ?? ''));
  // A long table (timestamp, tag, value[, quality]): pivoted to one channel per tag.
  if (options.layout !== 'wide') {
    const long = detectLong(names, samples, dialect.decimal, options.layout === 'long');
    if (long) return importLong(display, fh, size, enc.bomLength, dialect, names, long, options);
    if (options.layout === 'long')
      throw new ImportError(
        { file: display },
        `is not a long table (columns: ${columnList(names)})`,
        'A long table has a timestamp, a tag and a numeric value column (and perhaps a quality column); choose the layout "wide" for a column per sensor.',
      );
  }
  const labelWords = { ...DEFAULT_LABEL_WORDS, ...options.labelWords };
  let plan;
  try {
    plan = planRoles(names, samples, dialect.decimal, options.roles, labelWords);
  } catch (err) {
    throw new ImportError(
      { file: display },
      (err as Error).message,
      'Use a column name exactly as it appears in the header.',
    );
  }
  const { columns } = plan;
  if (!columns.some((c) => c.role === 'channel')) {
    throw new ImportError(
      { file: display },
      `has no numeric sensor column (columns: ${columnList(names)}; delimiter "${dialect.delimiter === '\t' ? '\\t' : dialect.delimiter}", decimal "${dialect.decimal}")`,
      'Check the delimiter and decimal separator (--delimiter, --decimal) or name the channels with --channels.',
    );
  }
  const tsCol = columns.find((c) => c.role === 'timestamp');
  const tsFormat: TimestampFormat | null = plan.timestampFormat;
  if (tsCol && !tsFormat) {
    throw new ImportError(
      { file: display, column: tsCol.name },
      `the timestamp format of "${excerpt(samples[tsCol.index]?.[0] ?? '')}" is not recognised`,
      'Use ISO 8601 (2024-03-04 06:00:00), dd/mm/yy HH:MM or epoch seconds/milliseconds, or pass --timestamp none.',
    );
  }

  const decimal = (dialect.decimal === ',' ? 44 : 46) as 44 | 46;
  const ncols = names.length;
  const channelCols = columns.filter((c) => c.role === 'channel');
  const labelCols = columns.filter((c) => c.role === 'label');
  const eventCols = columns.filter((c) => c.role === 'event');
  const seriesCol = columns.find((c) => c.role === 'series');
  // Rows estimated from the size and the sampled lines' mean length, with 5% to spare.
  const meanLine = sampleLines.reduce((a, l) => a + l.length + 1, 0) / Math.max(1, sampleLines.length);
  const capacity = Math.ceil((size / Math.max(1, meanLine)) * 1.05) + 16;
  const channelData = channelCols.map(() => new Column((n) => new Float32Array(n), capacity));
  const badCells = channelCols.map(() => 0);
  // Cells that parse as numbers no float32 can hold (inf, 1e400, 400-digit strings): missing, counted.
  const outOfRange = channelCols.map(() => 0);
  let outOfRangeExample: { line: number; column: string } | undefined;
  const labelData = labelCols.map(() => new Column((n) => new Uint8Array(n), capacity));
  const labelSeen = labelCols.map(() => new Map<string, 0 | 1>());
  const emptyLabels = labelCols.map(() => 0);
  const eventData = eventCols.map(() => new Column((n) => new Uint8Array(n), capacity));
  const tsData = tsCol ? new Column((n) => new Float64Array(n), capacity) : null;
  const seriesData = seriesCol ? new Column((n) => new Int32Array(n), capacity) : null;
  const seriesIds = new Map<string, number>();
  // Columns left out because the sampled head held nothing: what the rest of the file holds, so
  // the reason names it ("text: fault names such as …", or numbers that begin later).
  const lateCols = columns
    .filter((c) => c.role === 'ignored' && c.emptyHead)
    .map((c) => ({ index: c.index, filled: 0, numbers: 0, firstLine: 0, examples: new Set<string>(), more: false }));
  let rows = 0;
  let skipHeader = dialect.header;
  let badCellExample: RawSeries['badCellExample'];
  const offset = options.utcOffsetMinutes ?? 0;

  const tokenizer = new CsvTokenizer(
    dialect.delimiter,
    (text, off, count, quoted, line, numbers, isNumber) => {
      if (skipHeader) {
        skipHeader = false;
        return;
      }
      if (count !== ncols && !(count === ncols + 1 && off[2 * ncols] === off[2 * ncols + 1])) {
        throw new ImportError(
          { file: display, line },
          `has ${count} fields where the header has ${ncols}`,
          'Rows must all have the same number of fields: check for an unquoted delimiter inside a value, or a cut-off line.',
        );
      }
      if (tsData && tsCol && tsFormat) {
        const t = parseTimestampRange(text, off[2 * tsCol.index]!, off[2 * tsCol.index + 1]!, tsFormat, offset);
        if (Number.isNaN(t)) {
          const raw = fieldText(text, off, tsCol.index, quoted);
          throw new ImportError(
            { file: display, line, column: tsCol.name },
            `the timestamp "${excerpt(raw)}" does not parse as ${describeFormat(tsFormat)}`,
            'Fix or remove that row, or choose another timestamp column with --timestamp (or --timestamp none).',
          );
        }
        tsData.push(t);
      }
      for (let k = 0; k < channelCols.length; k++) {
        const c = channelCols[k]!.index;
        let v: number | undefined;
        if (isNumber[c]) v = numbers[c]!;
        else if (quoted[c]) {
          const t = fieldText(text, off, c, quoted);
          v = parseNumberRange(t, 0, t.length, decimal);
        } else v = parseNumberRange(text, off[2 * c]!, off[2 * c + 1]!, decimal);
        if (v === undefined) {
          badCells[k]!++;
          badCellExample ??= { line, column: channelCols[k]!.name, value: fieldText(text, off, c, quoted) };
          v = NaN;
        } else if (!(Math.abs(v) <= FLOAT32_MAX) && !Number.isNaN(v)) {
          outOfRange[k]!++;
          outOfRangeExample ??= { line, column: channelCols[k]!.name };
          v = NaN;
        }
        channelData[k]!.push(v);
      }
      for (let k = 0; k < labelCols.length; k++) {
        const col = labelCols[k]!;
        const a = off[2 * col.index]!;
        // Fast path for the usual one-character 0/1 labels.
        if (off[2 * col.index + 1]! - a === 1 && !quoted[col.index]) {
          const ch = text.charCodeAt(a);
          if (ch === 48 || ch === 49) {
            labelSeen[k]!.set(ch === 48 ? '0' : '1', ch === 48 ? 0 : 1);
            labelData[k]!.push(ch - 48);
            continue;
          }
        }
        const raw = fieldText(text, off, col.index, quoted).trim();
        const seen = labelSeen[k]!;
        let cls = seen.get(raw);
        // An empty or missing label cell (blank, NaN, n/a) is normal: exports often fill the column
        // only during a fault. Counted.
        if (isMissingToken(raw)) {
          emptyLabels[k]!++;
          cls = 0;
        }
        if (cls === undefined) {
          cls = labelClass(raw, labelWords);
          if (cls === undefined) {
            throw unknownLabelError(display, line, col.name, raw);
          }
          seen.set(raw, cls);
        }
        labelData[k]!.push(cls);
      }
      for (let k = 0; k < eventCols.length; k++) {
        const c = eventCols[k]!.index;
        const v = isNumber[c] ? numbers[c]! : parseNumberRange(text, off[2 * c]!, off[2 * c + 1]!, decimal);
        eventData[k]!.push(v !== undefined && v !== 0 && !Number.isNaN(v) ? 1 : 0);
      }
      for (const late of lateCols) {
        const c = late.index;
        if (off[2 * c] === off[2 * c + 1]) continue;
        const raw = fieldText(text, off, c, quoted).trim();
        if (isMissingToken(raw)) continue;
        late.filled++;
        late.firstLine ||= line;
        if (isNumber[c] || parseNumberRange(raw, 0, raw.length, decimal) !== undefined) late.numbers++;
        else if (!late.examples.has(excerpt(raw, 24))) {
          if (late.examples.size < 3) late.examples.add(excerpt(raw, 24));
          else late.more = true;
        }
      }
      if (seriesData && seriesCol) {
        const raw = fieldText(text, off, seriesCol.index, quoted).trim();
        let id = seriesIds.get(raw);
        if (id === undefined) {
          id = seriesIds.size;
          seriesIds.set(raw, id);
        }
        seriesData.push(id);
      }
      rows++;
    },
    dialect.decimal,
  );

  const decoder = new TextDecoder(encoding);
  const stream = fh.createReadStream({ start: enc.bomLength, highWaterMark: 1 << 20, autoClose: false });
  let bytesRead = enc.bomLength;
  try {
    for await (const chunk of stream) {
      const buf = chunk as Buffer;
      bytesRead += buf.length;
      // Pure ASCII decodes as latin1 (a plain copy). A chunk that is all ASCII cannot continue a
      // multi-byte character the decoder is holding, so switching per chunk is safe.
      const text =
        (encoding === 'utf-8' || encoding === 'windows-1252') && isAscii(buf)
          ? buf.toString('latin1')
          : decoder.decode(buf, { stream: true });
      tokenizer.push(crOnly ? text.replace(/\r/g, '\n') : text);
    }
    tokenizer.push(crOnly ? decoder.decode().replace(/\r/g, '\n') : decoder.decode());
    tokenizer.finish();
  } catch (err) {
    throw asImportError(err, display);
  }
  if (rows === 0)
    throw new ImportError({ file: display }, 'has a header but no data rows', 'Export the data again with its rows.');
  // The file changed while it was read (an export still being written?): say so.
  if (bytesRead !== size)
    notes.push(
      `the file was ${size} bytes when opened and ${bytesRead} were read: it changed while being read (still being written?); import it again once it is complete`,
    );
  const infinite = channelCols.flatMap((c, k) =>
    outOfRange[k]
      ? [
          `${c.name}: ${outOfRange[k]} cell${outOfRange[k]! > 1 ? 's' : ''} not finite or beyond float32 (inf, 1e400, …) treated as missing${outOfRangeExample?.column === c.name ? ` (the first at line ${outOfRangeExample.line})` : ''}`,
        ]
      : [],
  );
  labelCols.forEach((c, k) => {
    if (emptyLabels[k])
      notes.push(
        `${c.name}: ${emptyLabels[k]} empty label cell${emptyLabels[k]! > 1 ? 's' : ''} (blank, NaN, n/a) read as normal`,
      );
  });
  notes.push(...capped(infinite, 'channels have cells not finite or beyond float32'));

  return {
    path: file,
    bytes: size,
    rows,
    dialect,
    plan: columns,
    timestampColumn: tsCol?.name ?? null,
    timestampFormat: tsFormat ? describeFormat(tsFormat) : null,
    timestamps: tsData?.finish() ?? null,
    channels: channelCols.map((c, k) => ({ name: c.name, values: channelData[k]!.finish(), badCells: badCells[k]! })),
    labels: labelCols.map((c, k) => ({
      name: c.name,
      values: labelData[k]!.finish(),
      mapping: Object.fromEntries(labelSeen[k]!),
    })),
    events: eventCols.map((c, k) => ({ name: c.name, values: eventData[k]!.finish() })),
    ...(seriesCol && seriesData
      ? { series: { name: seriesCol.name, ids: seriesData.finish(), values: [...seriesIds.keys()] } }
      : {}),
    notes,
    ignored: columns
      .filter((c) => c.role === 'ignored')
      .map((c) => {
        const late = lateCols.find((l) => l.index === c.index);
        return { name: c.name, reason: late ? lateReason(late, c.note) : (c.note ?? 'ignored') };
      }),
    ...(badCellExample ? { badCellExample } : {}),
  };
}

/** The data files of a folder (CSV, Excel, Parquet; links to files included), sorted by name. */
export async function csvFilesIn(dir: string, brokenLinks: string[] = []): Promise<string[]> {
  const { readdir } = await import('node:fs/promises');
  const entries = await readdir(dir, { withFileTypes: true });
  const out: string[] = [];
  for (const e of entries) {
    if (!DATA_NAME.test(e.name)) continue;
    const p = path.join(dir, e.name);
    if (e.isFile()) out.push(p);
    else if (e.isSymbolicLink()) {
      // A link that leads nowhere (or to a folder) is skipped, and its name returned to be reported.
      if ((await stat(p).catch(() => null))?.isFile()) out.push(p);
      else brokenLinks.push(e.name);
    }
  }
  brokenLinks.sort();
  return out.sort();
}

/** Why a column empty in the sampled head is left out, from what the whole file held. */
function lateReason(
  late: { filled: number; numbers: number; firstLine: number; examples: Set<string>; more: boolean },
  headNote = 'empty at the start',
): string {
  if (late.filled === 0) return 'empty in every row';
  const where = `in ${late.filled.toLocaleString('en')} rows from line ${late.firstLine.toLocaleString('en')}`;
  if (late.numbers >= 0.9 * late.filled)
    return `numbers ${where} (${headNote}): name it with --channels to use it as a sensor`;
  const such = [...late.examples].map((e) => `"${e}"`).join(', ');
  return `text, not a sensor: ${such}${late.more ? ', …' : ''} ${where}`;
}
