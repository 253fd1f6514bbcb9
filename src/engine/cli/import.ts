/** `stacklab import <file|folder> [--labels windows.json] [--json] [dialect and role options]`. */
import path from 'node:path';
import {
  loadDataset,
  loadSampleDataset,
  writeSampleFiles,
  type DatasetProfile,
  type FileProfile,
} from '../data/dataset';
import { defaultFitness } from '../data/fitness';
import { DECIMAL_MARKS, DELIMITERS, LAYOUTS, type DecimalMark, type Delimiter } from '../../shared/import';
import type { DataFitness } from '../../shared/profile';
import { oneOf, parseCommandArgs, sampleKind, UsageError, withOptionalValue } from './args';
import { fitLines } from './fit';
import { DEFAULT_COLUMNS, type CliIo } from './io';
import { count } from '../compare/text';

export const IMPORT_USAGE = `stacklab import <file|folder> [options]   (or --sample [plant|multi-run]: a built-in sample)
  reads CSV text (.csv .tsv .txt .dat), Excel workbooks (.xlsx) and Parquet files (.parquet)
  --write <folder>            with --sample: also write the sample's CSV files there (to score or edit them)
  --labels <windows.json>     NAB-style anomaly windows { "<file>": [[start, end], …] }
  --json                      the profile as one JSON object on the last line of stdout
  --delimiter <, ; tab |>     override the detected separator
  --decimal <. ,>             override the detected decimal separator
  --header / --no-header      the first row is / is not a header
  --timestamp <column|none>   the timestamp column (none: rows are equally spaced)
  --channels a,b,…            the sensor columns (others are ignored)
  --label <column>            a label column (0/1, true/false, words, fault numbers)
  --label-map WORD=0|1,…      extra label words (0 normal, 1 abnormal)
  --event <column>            an event column such as changepoint
  --series-column <column|none>  a column naming each row's run (batch, experiment): one series per
                              run (default: a column named run_id, batch, experiment, … if any)
  --ignore a,b,…              columns to leave out
  --fill-limit <rows>         forward-fill gaps up to this many rows (default 5)
  --resample                  resample irregular timestamps onto the median interval
  --utc-offset <±hh:mm>       zone of timestamps written without one (default UTC)
  --layout <auto|wide|long>   a CSV's shape: a column per sensor (wide), or a row per reading (long:
                              timestamp, tag, value[, quality]) pivoted to one channel per tag on a
                              common grid (default auto: detected)
  --sheet <name>              an Excel workbook's sheet (default: the first that holds data)`;

const list = (s: string | undefined) =>
  s
    ? s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean)
    : undefined;

function parseOffset(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const m = /^([+-])(\d{1,2}):?(\d{2})?$/.exec(raw.trim());
  if (!m) throw new UsageError(`stacklab import: --utc-offset must look like +02:00 or -0500, got "${raw}"`);
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3] ?? 0));
}

function parseLabelMap(raw: string | undefined): Record<string, 0 | 1> | undefined {
  if (!raw) return undefined;
  const out: Record<string, 0 | 1> = {};
  for (const pair of raw.split(',')) {
    const m = /^(.+)=([01])$/.exec(pair.trim());
    if (!m) throw new UsageError(`stacklab import: --label-map entries look like WORD=0 or WORD=1, got "${pair}"`);
    out[m[1]!.trim().toLowerCase()] = Number(m[2]) as 0 | 1;
  }
  return out;
}

function fmt(n: number | null, digits = 4): string {
  return n === null || Number.isNaN(n) ? '-' : Number(n.toPrecision(digits)).toString();
}

/** "1 event of 319 rows", "6 events of 1 to 817 rows". */
function eventsText(e: FileProfile['events']): string {
  if (e.count === 0) return 'no events';
  const len = e.minLength === e.maxLength ? `${e.minLength} rows` : `${e.minLength} to ${e.maxLength} rows`;
  return `${e.count} event${e.count === 1 ? '' : 's'} of ${len}`;
}

export function formatFileProfile(p: FileProfile): string {
  const delim = p.delimiter === '\t' ? 'tab' : `"${p.delimiter}"`;
  const size = `${p.rows} rows, ${p.channels.length} channel${p.channels.length === 1 ? '' : 's'}, ${(p.bytes / 1e6).toFixed(1)} MB`;
  const lines = [
    `${p.path}`,
    p.format && p.format.kind !== 'long'
      ? `  ${size}, ${p.format.description}`
      : `  ${size}, ${p.encoding}, delimiter ${delim}, decimal "${p.decimal}", ${p.header ? 'header' : 'no header'}, ${p.lineEnding}${p.format ? `; ${p.format.description}` : ''}`,
    ...(p.long
      ? [
          `  tags: ${p.long.tags.map((t) => `${t.name} (${t.readings} readings, every ${fmt(t.intervalSeconds)} s)`).join(', ')}`,
        ]
      : []),
    `  time: ${p.timestampColumn ? `${p.timestampColumn} (${p.timestampFormat}), ${p.start} → ${p.end}, every ${fmt(p.samplingIntervalSeconds)} s` : 'no timestamp column (rows equally spaced)'}`,
    `  labels: ${p.labelSource ? `${[...p.labelColumns, ...(p.labelSource.includes('windows') ? ['windows file'] : [])].join(', ')}; ratio ${fmt(p.labelRatio, 3)}, ${eventsText(p.events)}` : 'none'}`,
    ...Object.entries(p.labelMapping).map(
      ([col, m]) =>
        `  label mapping ${col}: ${Object.entries(m)
          .map(([k, v]) => `${k}→${v}`)
          .join(', ')}`,
    ),
    ...(p.seriesColumn ? [`  run: ${p.seriesColumn.name} = ${p.seriesColumn.value}`] : []),
    ...(p.eventColumns.length ? [`  event columns: ${p.eventColumns.join(', ')}`] : []),
    ...(p.ignoredColumns.length
      ? [`  ignored: ${p.ignoredColumns.map((c) => `${c.name} (${c.reason})`).join(', ')}`]
      : []),
    `  channels: ${p.channels.map((c) => `${c.name} [${fmt(c.min)}..${fmt(c.max)}]${c.missing ? ` ${c.missing} missing` : ''}`).join(', ')}`,
    ...p.warnings.map((w) => `  warning: ${w}`),
  ];
  return lines.join('\n');
}

export function formatDatasetProfile(p: DatasetProfile): string {
  const d = p.dataset;
  return [
    ...p.files.map(formatFileProfile),
    '',
    `data set: ${count(d.files, 'file')}${d.series !== d.files ? ` (${d.series} series: one per run)` : ''}, ${d.rows} rows, ${count(d.channels.length, 'channel')}, label ratio ${fmt(d.labelRatio, 3)}, ${count(d.events, 'anomaly event')}${d.anomalyFreeFiles.length ? `, ${count(d.anomalyFreeFiles.length, 'anomaly-free file')}` : ''}`,
    ...d.warnings.map((w) => `  warning: ${w}`),
  ].join('\n');
}

/** The checks before training, as `import` and `train` print them: what was checked, then each finding. */
export function formatFitness(f: DataFitness, plan: string): string[] {
  const errors = f.findings.filter((x) => x.level === 'error').length;
  const verdict = errors
    ? `not fit for a comparison (${count(errors, 'error')}: training refuses it)`
    : f.findings.length
      ? `fit for a comparison, with ${count(f.findings.length, 'warning')}`
      : 'fit for a comparison';
  const test =
    f.testAnomalies === null
      ? `test part ${f.testRows} rows, unlabelled`
      : `test part ${f.testRows} rows, ${f.testRows ? Math.round((100 * f.testAnomalies) / f.testRows) : 0}% anomalous; ${f.thresholdRows} normal rows for the alarm threshold`;
  return [
    `checks before training with ${plan} (windows of ${f.windowRows} rows; ${f.split}): ${verdict}; ${test}`,
    ...f.findings.map((x) => `  ${x.level}: ${x.message}`),
  ];
}

export async function importCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('import', withOptionalValue(argv, '--sample'), {
    labels: { type: 'string' },
    json: { type: 'boolean', default: false },
    delimiter: { type: 'string' },
    decimal: { type: 'string' },
    header: { type: 'boolean' },
    'no-header': { type: 'boolean' },
    timestamp: { type: 'string' },
    channels: { type: 'string' },
    label: { type: 'string', multiple: true },
    'label-map': { type: 'string' },
    event: { type: 'string', multiple: true },
    ignore: { type: 'string' },
    'series-column': { type: 'string' },
    'fill-limit': { type: 'string' },
    resample: { type: 'boolean', default: false },
    'utc-offset': { type: 'string' },
    sample: { type: 'string' },
    write: { type: 'string' },
    layout: { type: 'string' },
    sheet: { type: 'string' },
  });
  const layout = oneOf('import', '--layout', values.layout, LAYOUTS);
  if (values.write !== undefined && values.sample === undefined)
    throw new UsageError("stacklab import: --write goes with --sample (it writes the built-in sample's CSV files)");
  if (values.sample !== undefined && positionals.length)
    throw new UsageError('stacklab import: give a file or --sample, not both');
  if (values.sample === undefined && positionals.length !== 1)
    throw new UsageError(`stacklab import: give one file or folder (got ${positionals.length})`);
  const delimiter = values.delimiter === 'tab' || values.delimiter === '\\t' ? '\t' : values.delimiter;
  if (delimiter !== undefined && !(DELIMITERS as readonly string[]).includes(delimiter))
    throw new UsageError(`stacklab import: --delimiter must be , ; tab or |, got "${values.delimiter}"`);
  if (values.decimal !== undefined && !(DECIMAL_MARKS as readonly string[]).includes(values.decimal))
    throw new UsageError(`stacklab import: --decimal must be . or , (got "${values.decimal}")`);
  const fillLimit = values['fill-limit'] === undefined ? undefined : Number(values['fill-limit']);
  if (fillLimit !== undefined && !(Number.isInteger(fillLimit) && fillLimit >= 0))
    throw new UsageError(`stacklab import: --fill-limit must be a whole number of rows, got "${values['fill-limit']}"`);
  const header = values['no-header'] ? false : values.header;
  const labelWords = parseLabelMap(values['label-map']);
  const utcOffsetMinutes = parseOffset(values['utc-offset']);
  const options = {
    dialect: {
      ...(delimiter ? { delimiter: delimiter as Delimiter } : {}),
      ...(values.decimal ? { decimal: values.decimal as DecimalMark } : {}),
      ...(header !== undefined ? { header } : {}),
    },
    roles: {
      ...(values.timestamp ? { timestamp: values.timestamp === 'none' ? null : values.timestamp } : {}),
      ...(values.channels ? { channels: list(values.channels)! } : {}),
      ...(values.label ? { labels: values.label } : {}),
      ...(values.event ? { events: values.event } : {}),
      ...(values.ignore ? { ignore: list(values.ignore)! } : {}),
      ...(values['series-column']
        ? { series: values['series-column'] === 'none' ? null : values['series-column'] }
        : {}),
    },
    ...(labelWords ? { labelWords } : {}),
    ...(utcOffsetMinutes !== undefined ? { utcOffsetMinutes } : {}),
    ...(fillLimit !== undefined ? { fillLimit } : {}),
    resample: values.resample,
    ...(values.labels ? { labels: values.labels } : {}),
    ...(layout && layout !== 'auto' ? { layout } : {}),
    ...(values.sheet ? { sheet: values.sheet } : {}),
  };
  const sample = values.sample !== undefined ? sampleKind('import', values.sample) : undefined;
  const dataset = sample
    ? await loadSampleDataset({ ...options, sample })
    : await loadDataset(positionals[0]!, options);
  const fitness = defaultFitness(dataset);
  io.out(
    values.json
      ? JSON.stringify({ ...dataset.profile, fitness })
      : fitLines(
          [formatDatasetProfile(dataset.profile), ...formatFitness(fitness, 'the default plan')].join('\n'),
          io.columns ?? DEFAULT_COLUMNS,
        ),
  );
  if (sample && values.write !== undefined) {
    const where = await writeSampleFiles(values.write, { sample }).catch((err: NodeJS.ErrnoException) => {
      throw new Error(
        `cannot write the sample into ${values.write} (${err.code ?? err.message}): choose a folder you can write to`,
      );
    });
    io.err(`the sample's CSV ${sample === 'multi-run' ? 'files are in' : 'file is'} ${path.resolve(where)}`);
  }
  return 0;
}
