/**
 * A data set from raw imported files: each file read (import.ts), split by its run column and
 * cleaned (clean.ts) with its labels (labels.ts), then the set-level checks that the files
 * belong together, and the profile of the whole set. The built-in samples come through the same path.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { SampleKind } from '../../shared/import';
import type { UserItem } from '../../shared/lab';
import type { DatasetProfile } from '../../shared/profile';
import { cleanSeries, splitBySeries, type Cleaned, type CleanOptions, type Series } from './clean';
import { capped, columnList, excerpt, ImportError, unreadable } from './errors';
import { csvFilesIn, importCsvFile, type ImportOptions } from './import';
import { readLabelWindows, windowsFor } from './labels';

export type { Series } from './clean';
export type { ChannelProfile, DatasetProfile, EventsProfile, FileProfile } from '../../shared/profile';

/** A lab's byte corpus (see corpus.ts), carried by the dataset it trains as. */
export interface LabCorpus {
  readonly bytes: Uint8Array;
  /** In words: what the corpus is, for the run's config and the report. */
  readonly description: string;
  /** The seed the evaluation items are drawn from (every run of a job is scored on the same items). */
  readonly itemsSeed: number;
  /** A user's own items (--items), scored beside the built-in primitives. */
  readonly userItems?: readonly UserItem[];
}

export interface Dataset {
  readonly series: Series[];
  readonly channels: string[];
  readonly profile: DatasetProfile;
  /** A reasoning lab's corpus (one series of byte ids): a job trains a token model on it. */
  readonly corpus?: LabCorpus;
}

export interface LoadOptions extends ImportOptions, CleanOptions {
  /** A NAB-style windows file. */
  readonly labels?: string;
}

/**
 * Imports a CSV file or a folder of CSV files (one series per file, kept apart) as one data set.
 * All files must share their channels; a channel dropped in one file (constant) is dropped in all.
 */
export async function loadDataset(target: string, options: LoadOptions = {}): Promise<Dataset> {
  let files: string[];
  const brokenLinks: string[] = [];
  try {
    files = (await stat(target)).isDirectory() ? await csvFilesIn(target, brokenLinks) : [target];
  } catch (err) {
    throw new ImportError(
      { file: target },
      `${unreadable(err)}${path.isAbsolute(target) ? '' : `: looked for ${path.resolve(target)}`}`,
      'Check the path: give a data file (CSV, Excel .xlsx, Parquet) or a folder of them.',
    );
  }
  if (files.length === 0) {
    const links = brokenLinks.length ? ` (only links that lead to no file: ${columnList(brokenLinks)})` : '';
    throw new ImportError(
      { file: target },
      `holds no data file (.csv, .tsv, .txt, .dat, .xlsx or .parquet)${links}`,
      'Put the exports (one file per experiment) in the folder.',
    );
  }
  const windows = options.labels ? await readLabelWindows(options.labels, options.gate) : undefined;
  if (windows && !files.some((f) => windowsFor(windows, f))) {
    throw new ImportError(
      { file: options.labels! },
      `names none of the imported files (${files.map((f) => path.basename(f)).join(', ')})`,
      'Its keys must be the CSV file names, e.g. "machine_temperature_system_failure.csv".',
    );
  }
  const cleaned: Cleaned[] = [];
  for (const f of files) {
    // A run column splits a file into one series per run, each cleaned on its own (no fill across runs).
    for (const part of splitBySeries(await importCsvFile(f, options)))
      cleaned.push(cleanSeries(part, windows ? windowsFor(windows, f) : undefined, options));
  }

  // One channel list for the set: every file must have the same sensor columns; the set keeps
  // those that no file dropped.
  const rawChannels = (c: (typeof cleaned)[number]) =>
    [...c.profile.channels, ...c.profile.droppedChannels].map((x) => x.name);
  const first = rawChannels(cleaned[0]!);
  const firstSet = new Set(first);
  for (const c of cleaned.slice(1)) {
    const mine = rawChannels(c);
    if (mine.length !== first.length || mine.some((n) => !firstSet.has(n))) {
      // The names that differ, not the whole lists (a few characters of each file, and to the point).
      const mineSet = new Set(mine);
      const extra = mine.filter((n) => !firstSet.has(n));
      const missing = first.filter((n) => !mineSet.has(n));
      const other = path.basename(cleaned[0]!.series.path);
      throw new ImportError(
        { file: c.series.path },
        [
          extra.length ? `has sensor columns [${columnList(extra)}] that ${other} lacks` : '',
          missing.length ? `lacks [${columnList(missing)}] of ${other}` : '',
        ]
          .filter(Boolean)
          .join(' and '),
        'All files of a data set must have the same sensor columns; import them separately or select channels with --channels.',
      );
    }
  }
  const names = cleaned[0]!.series.channels.map((c) => c.name);
  const setWarnings: string[] = [];
  setWarnings.push(
    ...capped(
      brokenLinks.map((n) => `skipped ${excerpt(n, 40)}: a link to a file that does not exist`),
      'links skipped: they lead to no file',
    ),
  );
  // Maps and sets, not nested searches: a file may have 100,000 columns.
  const byName = cleaned.map((c) => new Map(c.series.channels.map((x) => [x.name, x])));
  const common = names.filter((n) => byName.every((m) => m.has(n)));
  const commonSet = new Set(common);
  if (common.length === 0 && cleaned.every((c) => c.profile.rows <= 1)) {
    throw new ImportError(
      { file: target },
      `has only ${cleaned[0]!.profile.rows} data row${cleaned.length > 1 ? ' per file' : ''}: nothing varies to train on`,
      'Export more rows; if the file should have many, check that its line breaks survived (one row per line).',
    );
  }
  if (common.length === 0) {
    const why = cleaned[0]!.profile.droppedChannels
      .slice(0, 4)
      .map((d) => `${excerpt(d.name, 24)} ${d.reason}`)
      .join(', ');
    throw new ImportError(
      { file: target },
      `has no sensor channel left to train on${why ? ` (dropped: ${why})` : ''}`,
      'Every numeric column was constant, empty or text: check the columns and their roles (--channels), or export more rows.',
    );
  }
  setWarnings.push(
    ...capped(
      names
        .filter((x) => !commonSet.has(x))
        .map((n) => `channel ${excerpt(n, 40)} dropped from the data set: constant in some file`),
      'channels dropped from the data set: constant in some file',
    ),
  );
  const series = cleaned.map((c, i) => ({ ...c.series, channels: common.map((n) => byName[i]!.get(n)!) }));

  const totalRows = series.reduce((n, s) => n + s.rows, 0);
  const labelled = series.filter((s) => s.label);
  const labelRatio = labelled.length
    ? labelled.reduce((n, s) => n + s.label!.reduce((a, b) => a + b, 0), 0) / labelled.reduce((n, s) => n + s.rows, 0)
    : null;
  return {
    series,
    channels: common,
    profile: {
      files: cleaned.map((c) => c.profile),
      dataset: {
        files: files.length,
        series: series.length,
        rows: totalRows,
        channels: common,
        labelRatio,
        events: cleaned.reduce((n, c) => n + c.profile.events.count, 0),
        anomalyFreeFiles: cleaned.filter((c) => c.profile.labelRatio === 0).map((c) => c.series.path),
        warnings: setWarnings,
      },
    },
  };
}

export interface SampleOptions {
  readonly sample?: SampleKind;
  readonly seed?: number;
  /** Rows of the single plant, or of each run of the multi-run plant. */
  readonly rows?: number;
}

/**
 * A built-in sample data set (sample-plant.ts), written as CSV to a temporary folder and imported
 * through the same path as a user's files (then removed).
 */
export async function loadSampleDataset(options: LoadOptions & SampleOptions = {}): Promise<Dataset> {
  return withSampleFiles((target) => loadDataset(target, options).then(asSample), options);
}

/**
 * The sample's CSV in a temporary folder for the duration of `use` (then removed): the plant as
 * one file (`use` gets the file), the multi-run plant as one file per run (`use` gets the folder).
 */
export async function withSampleFiles<T>(use: (target: string) => Promise<T>, options: SampleOptions = {}): Promise<T> {
  const { mkdtemp, rm } = await import('node:fs/promises');
  const os = await import('node:os');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'stacklab-sample-'));
  try {
    return await use(await writeSampleFiles(dir, options));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Writes a built-in sample's CSV into `dir` (created when missing): sample-plant.csv, or
 * run-01.csv … run-12.csv for the multi-run plant. Returns what to import: the file, or the folder.
 */
export async function writeSampleFiles(dir: string, options: SampleOptions = {}): Promise<string> {
  const { mkdir, writeFile } = await import('node:fs/promises');
  const { generateMultiRunPlant, generateSamplePlant, samplePlantCsv } = await import('./sample-plant');
  const seed = options.seed !== undefined ? { seed: options.seed } : {};
  await mkdir(dir, { recursive: true });
  if (options.sample === 'multi-run') {
    for (const run of generateMultiRunPlant({
      ...seed,
      ...(options.rows !== undefined ? { rowsPerRun: options.rows } : {}),
    }))
      await writeFile(path.join(dir, `${run.name}.csv`), samplePlantCsv(run));
    return dir;
  }
  const file = path.join(dir, 'sample-plant.csv');
  await writeFile(
    file,
    samplePlantCsv(generateSamplePlant({ ...seed, ...(options.rows !== undefined ? { rows: options.rows } : {}) })),
  );
  return file;
}

/** How runs and reports name a built-in sample as a source. */
export function sampleSource(kind: SampleKind = 'plant'): string {
  return kind === 'multi-run'
    ? 'sample (built-in multi-run plant: 12 runs, each its own operating point and one fault)'
    : 'sample (built-in synthetic plant)';
}

/** A data set read from the sample's temporary files, with paths that say what they are (file names only). */
export function asSample(ds: Dataset): Dataset {
  const name = (p: string) => path.basename(p);
  return {
    ...ds,
    series: ds.series.map((s) => ({ ...s, path: name(s.path) })),
    profile: {
      ...ds.profile,
      files: ds.profile.files.map((f) => ({ ...f, path: `${name(f.path)} (built-in, generated)` })),
    },
  };
}
