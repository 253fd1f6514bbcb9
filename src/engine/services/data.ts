/**
 * The `data.import` service: reads the sample, a file or a folder with the user's dialect and
 * role choices, keeps the data set in this process under an id for training, and returns what
 * the Import step shows (profile, columns with roles, the first rows, a thinned plot).
 */
import { randomUUID } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type {
  ColumnRole,
  DataSource,
  ImportColumn,
  ImportInspection,
  ImportRequest,
  ImportResult,
} from '../../shared/import';
import { corpusCut, corpusDataset, corpusSplitText, labPreview, loadLabCorpus } from '../data/corpus';
import { LAB_PRESETS } from '../models/patch-transformer';
import type { FileProfile } from '../../shared/profile';
import { sniffDialect, splitLine } from '../data/csv';
import { asSample, loadDataset, sampleSource, withSampleFiles, type Dataset, type LoadOptions } from '../data/dataset';
import { columnList, CSV_NAME, excerpt, PARQUET_NAME, XLSX_NAME } from '../data/errors';
import { defaultFitness } from '../data/fitness';
import { csvFilesIn, importCsvFile } from '../data/import';
import { detectLong } from '../data/long';
import { openDataFile, type DataFileGate } from '../data/source-file';
import { DEFAULT_LABEL_WORDS, planRoles, type RoleOverrides } from '../data/roles';
import { rangesOf } from '../data/ranges';

export interface ImportedData {
  readonly id: string;
  readonly request: ImportRequest;
  readonly source: string;
  readonly dataset: Dataset;
}

/** The roles the user chose on top of the detected ones, as the importer's overrides. */
function roleOverrides(
  detected: readonly { name: string; role: ColumnRole }[],
  chosen: Readonly<Record<string, ColumnRole>>,
): RoleOverrides {
  for (const name of Object.keys(chosen)) {
    if (!detected.some((c) => c.name === name))
      throw new Error(
        `there is no column "${excerpt(name, 40)}" in the file (columns: ${columnList(detected.map((c) => c.name))})`,
      );
  }
  const roles = detected.map((c) => ({ name: c.name, role: chosen[c.name] ?? c.role }));
  const of = (r: ColumnRole) => roles.filter((c) => c.role === r).map((c) => c.name);
  const timestamps = of('timestamp');
  if (timestamps.length > 1) throw new Error(`only one column can be the timestamp (chosen: ${timestamps.join(', ')})`);
  if (of('channel').length === 0) throw new Error('choose at least one sensor channel');
  const series = of('series');
  if (series.length > 1) throw new Error(`only one column can name the runs (chosen: ${series.join(', ')})`);
  return {
    timestamp: timestamps[0] ?? null,
    channels: of('channel'),
    labels: of('label'),
    events: of('event'),
    series: series[0] ?? null,
    ignore: of('ignored'),
  };
}

/** The first `bytes` of a file as text (without a BOM), and whether the file goes on past them; read through the data-file gate. */
async function headOf(file: string, bytes: number, gate: DataFileGate): Promise<{ text: string; cut: boolean }> {
  const { handle } = await openDataFile(file, 'csv', gate);
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    return {
      text: buf
        .subarray(0, bytesRead)
        .toString('utf8')
        .replace(/^\uFEFF/, ''),
      cut: bytesRead === buf.length,
    };
  } finally {
    await handle.close();
  }
}

async function previewOf(
  file: string,
  delimiter: string,
  header: boolean,
  gate: DataFileGate,
  lines = 12,
): Promise<ImportResult['preview']> {
  const { text, cut } = await headOf(file, 64 * 1024, gate);
  const rows = text
    .split(/\r?\n/)
    .slice(0, lines + 1)
    .filter((l) => l.trim() !== '')
    .map((l) => splitLine(l, delimiter));
  if (cut && rows.length > lines) rows.length = lines + 1;
  const first = rows[0] ?? [];
  return header
    ? { header: first, rows: rows.slice(1, lines + 1) }
    : { header: first.map((_, i) => `column_${i + 1}`), rows: rows.slice(0, lines) };
}

/** Columns of the first file with the roles the import used. */
function columnsOf(p: FileProfile, header: readonly string[]): ImportColumn[] {
  return header
    .map((name): ImportColumn => {
      if (name === p.timestampColumn)
        return { name, role: 'timestamp', note: p.timestampFormat ?? undefined } as ImportColumn;
      if (p.labelColumns.includes(name))
        return {
          name,
          role: 'label',
          note:
            Object.entries(p.labelMapping[name] ?? {})
              .map(([k, v]) => `${k}→${v}`)
              .join(', ') || undefined,
        } as ImportColumn;
      if (p.eventColumns.includes(name)) return { name, role: 'event' };
      if (p.seriesColumn?.name === name) return { name, role: 'series', note: 'one series per value' };
      if (p.channels.some((c) => c.name === name)) return { name, role: 'channel' };
      const ignored = [...p.ignoredColumns, ...p.droppedChannels].find((c) => c.name === name);
      return { name, role: 'ignored', note: ignored?.reason ?? 'not used' };
    })
    .map((c) => (c.note === undefined ? { name: c.name, role: c.role } : c));
}

/** All channels over time, bucketed to about `points` (each bucket's min and max kept). */
function plotOf(ds: Dataset, points = 1000): ImportResult['plot'] {
  const total = ds.series.reduce((a, s) => a + s.rows, 0);
  const single = ds.series.length === 1 && ds.series[0]!.timestamps;
  const bucket = Math.max(1, Math.ceil((total * 2) / points));
  const x: number[] = [];
  const channels = ds.channels.map((name) => ({ name, values: [] as number[] }));
  const anomalies: [number, number][] = [];
  let offset = 0;
  for (const s of ds.series) {
    const xOf = (r: number) => (single ? (s.timestamps![r]! - s.timestamps![0]!) / 1000 : offset + r);
    for (let r = 0; r < s.rows; r += bucket) {
      const end = Math.min(s.rows, r + bucket);
      // Two points per bucket: at its start the minimum, at its middle the maximum of each channel.
      x.push(xOf(r), xOf(Math.min(end - 1, r + (bucket >> 1))));
      s.channels.forEach((c, k) => {
        let lo = Infinity;
        let hi = -Infinity;
        for (let i = r; i < end; i++) {
          const v = c.values[i]!;
          if (Number.isNaN(v)) continue;
          if (v < lo) lo = v;
          if (v > hi) hi = v;
        }
        const ok = lo <= hi;
        channels[k]!.values.push(ok ? Number(lo.toPrecision(5)) : NaN, ok ? Number(hi.toPrecision(5)) : NaN);
      });
    }
    // [start, end): the end is the next row's x (one step past the last row at the series' end).
    const endX = (end: number) =>
      end < s.rows ? xOf(end) : xOf(s.rows - 1) + (s.rows > 1 ? xOf(s.rows - 1) - xOf(s.rows - 2) : 1);
    if (s.label) for (const r of rangesOf(s.label)) anomalies.push([xOf(r.start), endX(r.end)]);
    offset += s.rows;
  }
  return { x, xUnit: single ? 'seconds' : 'row', channels, anomalies };
}

/** An error text about the sample's temporary files, naming them as the built-in sample's. */
function builtInNames(message: string, dir: string, files: readonly string[]): string {
  let out = message;
  for (const f of files) out = out.split(path.join(dir, f)).join(`${f} (built-in)`);
  return out.split(dir).join('the built-in sample');
}

type DialectChoice = Pick<ImportRequest, 'delimiter' | 'decimal' | 'header'>;

/**
 * The columns of a file's head as the importer would plan them (roles from names and the first
 * 200 rows), and those rows; without parsing the whole file, so a value the full import would
 * refuse (a label word it does not know) does not stop it. Null for a file with no text.
 */
async function headColumns(
  file: string,
  choice: DialectChoice,
  gate: DataFileGate,
  labelWords?: Readonly<Record<string, 0 | 1>>,
): Promise<{
  columns: { name: string; role: ColumnRole; note?: string }[];
  header: string[];
  rows: string[][];
} | null> {
  const { text } = await headOf(file, 256 * 1024, gate);
  if (!text.trim()) return null;
  const dialect = sniffDialect(
    text,
    { encoding: 'utf-8', bom: false },
    {
      ...(choice.delimiter ? { delimiter: choice.delimiter } : {}),
      ...(choice.decimal ? { decimal: choice.decimal } : {}),
      ...(choice.header !== undefined ? { header: choice.header } : {}),
    },
  );
  const lines = text
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '')
    .slice(0, 201)
    .map((l) => splitLine(l, dialect.delimiter));
  if (!lines[0]?.length) return null;
  const header = dialect.header ? lines[0] : lines[0].map((_, i) => `column_${i + 1}`);
  const rows = dialect.header ? lines.slice(1) : lines;
  const samples = header.map((_, c) => rows.map((r) => r[c] ?? ''));
  let columns: { name: string; role: ColumnRole; note?: string }[];
  try {
    columns = planRoles(
      header,
      samples,
      dialect.decimal,
      {},
      labelWords ? { ...DEFAULT_LABEL_WORDS, ...labelWords } : DEFAULT_LABEL_WORDS,
    ).columns.map((c) => (c.note ? { name: c.name, role: c.role, note: c.note } : { name: c.name, role: c.role }));
  } catch {
    columns = header.map((name) => ({ name, role: 'ignored' as const }));
  }
  return { columns, header, rows };
}

/**
 * `confine` (server mode's --root) refuses a path outside the root, naming `what`; it applies to
 * every path a request or a job.json names (the data, a folder's files, the labels file), checked
 * on each file's real path as the data-file gate opens it.
 */
export function createDataService(confine?: (p: string, what: string, shown?: string) => Promise<unknown>) {
  const imported = new Map<string, ImportedData>();
  const gate: DataFileGate = confine
    ? { confine: (real, shown, kind) => confine(real, kind === 'labels' ? 'the labels file' : 'the data file', shown) }
    : {};

  async function read(
    file: string,
    req: ImportRequest,
    loadTarget: string,
    sample: boolean,
  ): Promise<{ dataset: Dataset; header: readonly string[]; preview: ImportResult['preview'] }> {
    const dialect = {
      ...(req.delimiter ? { delimiter: req.delimiter } : {}),
      ...(req.decimal ? { decimal: req.decimal } : {}),
      ...(req.header !== undefined ? { header: req.header } : {}),
    };
    // The built-in sample's temporary files are the engine's own, outside any root.
    const fileGate = sample ? {} : gate;
    const options: LoadOptions = {
      dialect,
      gate: fileGate,
      ...(req.fillLimit !== undefined ? { fillLimit: req.fillLimit } : {}),
      ...(req.labelMap ? { labelWords: req.labelMap } : {}),
      ...(req.resample ? { resample: true } : {}),
      ...(req.source.kind === 'path' && req.source.labels ? { labels: req.source.labels } : {}),
      ...(req.layout && req.layout !== 'auto' ? { layout: req.layout } : {}),
      ...(req.sheet ? { sheet: req.sheet } : {}),
    };
    let roles: RoleOverrides | undefined;
    if (req.roles && Object.keys(req.roles).length) {
      // The roles planned from the file's head (the full import could refuse the very column being
      // changed); a workbook, a Parquet file or a long table (whose columns are its tags) from
      // the file as the importer reads it.
      const text = CSV_NAME.test(file) ? await headColumns(file, req, fileGate, req.labelMap) : null;
      const long =
        text && req.layout !== 'wide'
          ? detectLong(
              text.header,
              text.header.map((_, c) => text.rows.map((r) => r[c] ?? '')),
              req.decimal ?? '.',
            )
          : null;
      const plan =
        text && !long && req.layout !== 'long'
          ? text.columns
          : (await importCsvFile(file, { ...options, dialect })).plan;
      roles = roleOverrides(plan, req.roles);
    }
    const loaded = await loadDataset(loadTarget, { ...options, ...(roles ? { roles } : {}) });
    const dataset = sample ? asSample(loaded) : loaded;
    const first = loaded.profile.files[0]!;
    // Excel and Parquet have no text head: the importer's own first rows.
    const preview = first.preview ?? (await previewOf(file, first.delimiter, first.header, fileGate));
    // A long table's columns are its time and its tags (the file's own header is time, tag, value).
    const header =
      first.format?.kind === 'long'
        ? [first.timestampColumn ?? 'time', ...(first.long?.tags.map((t) => t.name) ?? [])]
        : preview.header;
    return { dataset, header, preview };
  }

  /** The first CSV file of a path source (a folder's first file), or null for the sample. */
  async function firstFile(req: ImportRequest): Promise<string | null> {
    if (req.source.kind !== 'path') return null;
    if (confine) {
      await confine(req.source.path, 'the data');
      if (req.source.labels) await confine(req.source.labels, 'the labels file');
    }
    const info = await stat(req.source.path).catch(() => null);
    if (!info) return null;
    return info.isDirectory() ? ((await csvFilesIn(req.source.path))[0] ?? null) : req.source.path;
  }

  /** Keeps an imported data set under a new id; only the latest few stay (each can hold hundreds of MB). */
  function keep(request: ImportRequest, source: string, dataset: Dataset): string {
    const id = randomUUID();
    imported.set(id, { id, request, source, dataset });
    while (imported.size > 3) imported.delete(imported.keys().next().value!);
    return id;
  }

  /** A reasoning-lab corpus: generated from its seed or a user's text, shown by its documents and items. */
  async function importLab(
    req: ImportRequest,
    src: Extract<DataSource, { kind: 'lab' | 'text' }>,
  ): Promise<ImportResult> {
    if (confine && src.kind === 'text') await confine(src.path, 'the text');
    if (confine && src.items) await confine(src.items, 'the items file');
    const corpus = await loadLabCorpus(
      src,
      confine ? async (file) => void (await confine(file, 'a text file of the corpus')) : undefined,
    );
    const dataset = corpusDataset(corpus, corpus.description);
    const id = keep(req, corpus.description, dataset);
    const window = LAB_PRESETS.tiny.seqLen;
    return {
      datasetId: id,
      request: req,
      source: corpus.description,
      profile: dataset.profile,
      fitness: {
        // The split in words only: preparing the windows here would hold the corpus several times over.
        split: corpusSplitText(corpus.bytes, corpusCut(corpus.bytes, window)),
        windowRows: window,
        testRows: 0,
        testAnomalies: null,
        thresholdRows: null,
        findings: [],
      },
      columns: [],
      preview: { header: [], rows: [] },
      plot: { x: [], xUnit: 'row', channels: [], anomalies: [] },
      lab: labPreview(corpus),
    };
  }

  return {
    /**
     * The columns of a file as the importer would read them, with the roles it would give (the
     * user's choices applied) and its first rows, without loading the data: what the Import step
     * shows when an import fails, so that the role that caused it can be changed. Null when the
     * file cannot be read as text at all (the import's error says why).
     */
    async inspect(req: ImportRequest): Promise<ImportInspection | null> {
      const file = await firstFile(req);
      // A workbook or a Parquet file has no text head to read apart from the import (its error
      // says what to do); anything else goes through the gate, which refuses what is not data.
      if (!file || XLSX_NAME.test(file) || PARQUET_NAME.test(file)) return null;
      const head = await headColumns(file, req, gate, req.labelMap);
      if (!head) return null;
      const plan = head.columns;
      const { header, rows } = head;
      const columns = plan.map((c): ImportColumn => {
        const chosen = req.roles?.[c.name];
        if (chosen) return { name: c.name, role: chosen, note: 'your choice' };
        return c.note ? { name: c.name, role: c.role, note: c.note } : { name: c.name, role: c.role };
      });
      return { file, columns, preview: { header, rows: rows.slice(0, 12) } };
    },

    get(id: string): ImportedData {
      const d = imported.get(id);
      if (!d)
        throw new Error(
          'the imported data are no longer in memory (the engine restarted): import them again on the Import step',
        );
      return d;
    },

    /** Keeps an already-loaded data set (a resumed job re-imports through here). */
    async load(req: ImportRequest): Promise<ImportedData> {
      return this.get((await this.import(req)).datasetId);
    },

    async import(req: ImportRequest): Promise<ImportResult> {
      let result: Awaited<ReturnType<typeof read>>;
      let source: string;
      if (req.source.kind === 'sample') {
        const kind = req.source.sample ?? 'plant';
        source = sampleSource(kind);
        result = await withSampleFiles(
          async (target) => {
            const first = kind === 'multi-run' ? (await csvFilesIn(target))[0]! : target;
            try {
              return await read(first, req, target, true);
            } catch (err) {
              // Errors name the sample, not the temporary folder it was written to.
              if (err instanceof Error)
                err.message = builtInNames(err.message, path.dirname(first), await readdir(path.dirname(first)));
              throw err;
            }
          },
          { sample: kind },
        );
      } else if (req.source.kind === 'lab' || req.source.kind === 'text') {
        return importLab(req, req.source);
      } else {
        source = req.source.path;
        // A missing file or an empty folder: loadDataset says so with the path and what to do.
        result = await read((await firstFile(req)) ?? source, req, source, false);
      }
      const id = keep(req, source, result.dataset);
      return {
        datasetId: id,
        request: req,
        source,
        profile: result.dataset.profile,
        fitness: defaultFitness(result.dataset),
        columns: columnsOf(result.dataset.profile.files[0]!, result.header),
        preview: result.preview,
        plot: plotOf(result.dataset),
      };
    },
  };
}

export type DataService = ReturnType<typeof createDataService>;
