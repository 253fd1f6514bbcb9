/**
 * A realistic `data.import` answer (the sample plant's shape: 10 channels, a label column, an
 * ignored text column, warnings) and a fake API that answers `data.import` with it; the data store
 * and the Import step on it.
 */
import { flushPromises, mount } from '@vue/test-utils';
import type { ChartConfiguration } from 'chart.js';
import { createPinia, setActivePinia } from 'pinia';
import { createApp } from 'vue';
import { API_KEY } from '../../../src/renderer/src/api';
import ChartCanvas from '../../../src/renderer/src/components/ChartCanvas.vue';
import ImportStep from '../../../src/renderer/src/steps/ImportStep.vue';
import { useDataStore } from '../../../src/renderer/src/stores/data';
import { useWizardStore } from '../../../src/renderer/src/stores/wizard';
import type { ImportRequest, ImportResult } from '../../../src/shared/import';

/** The checks before training of a data set fit for a comparison (the sample's, with the default plan). */
export const FIT_DATA: ImportResult['fitness'] = {
  split: 'the leading 60% of each series (cut before its first labelled anomaly) train and validate; the rest is test',
  windowRows: 64,
  testRows: 8_064,
  testAnomalies: 1_420,
  thresholdRows: 2_419,
  findings: [],
};
import type { ParamsOf, RequestChannel, ResultOf, StackLabApi } from '../../../src/shared/ipc';
import type { ChannelProfile, DataFitness, FileProfile } from '../../../src/shared/profile';
import { EventHub } from '../../../src/shared/rpc';

export const CHANNELS = [
  'feed_flow',
  'pump_speed',
  'valve_position',
  'outlet_flow',
  'tank_level',
  'pump_power',
  'motor_temp',
  'pressure',
  'inlet_temp',
  'vibration',
];
export const ANOMALIES: [number, number][] = [
  [9_600, 14_400],
  [22_800, 22_800],
];
export const WARNINGS = [
  '3 duplicate timestamps',
  'pump_power: 2 cells of text treated as missing',
  'first text in a numeric column: "n/a" at line 118, column "pump_power"',
];
export const BAD_FILE_ERROR =
  '/data/line3/export.csv, line 4182, column "timestamp": the timestamp "31/02/2024 25:00" does not parse as DD/MM/YYYY hh:mm. Fix or remove that row, or choose another timestamp column with --timestamp (or --timestamp none).';

const STEP = 1_200;
const POINTS = 24;

function channelProfile(name: string, k: number): ChannelProfile {
  return {
    name,
    min: 1 + k,
    max: 10 + 3 * k,
    mean: 5 + 2 * k,
    std: 1.5,
    missing: name === 'pump_power' ? 2 : 0,
    filled: name === 'pump_power' ? 2 : 0,
    unfilled: 0,
  };
}

/** What the engine answers for `request` (the roles it was given are applied to the columns). */
export function importResult(
  request: ImportRequest = { source: { kind: 'sample' } },
  datasetId = 'ds-1',
): ImportResult {
  const roleOf = (name: string, detected: ImportResult['columns'][number]['role']) => request.roles?.[name] ?? detected;
  const channels = CHANNELS.filter((c) => roleOf(c, 'channel') === 'channel');
  const file: FileProfile = {
    path: request.source.kind === 'path' ? request.source.path : 'sample-plant.csv (built-in, generated)',
    rows: 20_160,
    bytes: 1_730_548,
    encoding: 'utf-8',
    delimiter: request.delimiter ?? ',',
    decimal: request.decimal ?? '.',
    header: true,
    lineEnding: 'LF',
    timestampColumn: 'timestamp',
    timestampFormat: 'ISO 8601 (YYYY-MM-DD hh:mm:ss)',
    start: '2026-01-05T00:00:00Z',
    end: '2026-01-18T23:59:00Z',
    samplingIntervalSeconds: 60,
    channels: channels.map((c) => channelProfile(c, CHANNELS.indexOf(c))),
    droppedChannels: [],
    labelColumns: ['label'],
    labelMapping: { label: { '0': 'normal', '1': 'abnormal' } },
    labelSource: 'column',
    eventColumns: [],
    ignoredColumns: [{ name: 'fault_kind', reason: 'text column' }],
    labelRatio: 0.07048611111111111,
    events: { count: 6, lengths: [3, 157, 282, 161, 817, 1], minLength: 1, maxLength: 817 },
    warnings: WARNINGS,
  };
  const header = ['timestamp', ...CHANNELS, 'label', 'fault_kind'];
  const rows = Array.from({ length: 5 }, (_, r) => [
    `2026-01-05T00:0${r}:00Z`,
    ...CHANNELS.map((_, k) => (10 + k + r / 10).toFixed(4)),
    '0',
    '',
  ]);
  return {
    datasetId,
    request,
    source: request.source.kind === 'path' ? request.source.path : 'sample (built-in synthetic plant)',
    profile: {
      files: [file],
      dataset: {
        files: 1,
        series: 1,
        rows: 20_160,
        channels,
        labelRatio: 0.07048611111111111,
        events: 6,
        anomalyFreeFiles: [],
        warnings: [],
      },
    },
    fitness: FIT_DATA,
    columns: [
      { name: 'timestamp', role: 'timestamp', note: 'ISO 8601 (YYYY-MM-DD hh:mm:ss)' },
      ...CHANNELS.map((name) => ({ name, role: roleOf(name, 'channel') })),
      { name: 'label', role: 'label', note: '0→normal, 1→abnormal' },
      { name: 'fault_kind', role: 'ignored', note: 'text column' },
    ],
    preview: { header, rows },
    plot: {
      x: Array.from({ length: POINTS }, (_, i) => i * STEP),
      xUnit: 'seconds',
      channels: channels.map((name) => {
        const k = CHANNELS.indexOf(name);
        return {
          name,
          values: Array.from({ length: POINTS }, (_, i) => Number((5 + 2 * k + Math.sin(i / 3 + k)).toPrecision(5))),
        };
      }),
      anomalies: ANOMALIES,
    },
  };
}

/** The checks of TEP's fault01_test.csv alone as the engine words them (its test part is all fault). */
export const UNFIT: DataFitness = {
  split: 'the leading 60% of each series (cut before its first labelled anomaly) train and validate; the rest is test',
  windowRows: 64,
  testRows: 800,
  testAnomalies: 800,
  thresholdRows: 32,
  findings: [
    {
      level: 'error',
      check: 'test-no-normal',
      message:
        'The test part has no normal rows: all 800 of its rows (fault01_test.csv rows 161–960) are labelled abnormal, so false alarms cannot be counted and every detection metric is meaningless. To fix it, import the file together with an anomaly-free run (one folder): that run then trains and validates whole, and this file is all test, its normal rows before the fault included.',
    },
    {
      level: 'warning',
      check: 'no-validation-window',
      message:
        'No validation part is as long as one window of 64 rows (the longest: 32 rows, fault01_test.csv), so the validation loss is not measured and the runs cannot be compared by it. To lengthen it, import the file together with an anomaly-free run (one folder): that run then trains and validates whole, and this file is all test.',
    },
  ],
};

/**
 * A test double of the services for the Import step: `data.import` answers with `answer` (a
 * result, or an Error to throw); `holdNext()` keeps the next call's answer back until released.
 */
export class FakeImportApi implements StackLabApi {
  readonly hub = new EventHub();
  readonly calls: { channel: string; params: unknown }[] = [];
  answer: (req: ImportRequest, call: number) => ImportResult | Error = (req, call) => importResult(req, `ds-${call}`);
  private readonly held: Promise<void>[] = [];

  async invoke<C extends RequestChannel>(channel: C, params: ParamsOf<C>): Promise<ResultOf<C>> {
    this.calls.push({ channel, params });
    const call = this.calls.length;
    if (channel !== 'data.import') throw new Error(`the Import step should not call ${channel}`);
    await (this.held.shift() ?? Promise.resolve());
    const a = this.answer(params as ImportRequest, call);
    if (a instanceof Error) throw a;
    return a as ResultOf<C>;
  }

  on: StackLabApi['on'] = (event, listener) => this.hub.on(event, listener);

  /** The parameters of every `data.import` call, in order. */
  get imports(): ImportRequest[] {
    return this.calls.filter((c) => c.channel === 'data.import').map((c) => c.params as ImportRequest);
  }

  /** Holds the next call's answer until the returned function is called. */
  holdNext(): () => void {
    let release!: () => void;
    this.held.push(new Promise((r) => (release = r)));
    return () => release();
  }
}

/** The data store of a fresh pinia inside an app that provides `api`. */
export function storeWith(api: FakeImportApi) {
  const app = createApp({ render: () => null });
  app.provide(API_KEY, api);
  const pinia = createPinia();
  app.use(pinia);
  setActivePinia(pinia);
  return { data: useDataStore(), wizard: useWizardStore() };
}

export function mountStep(api = new FakeImportApi()) {
  const w = mount(ImportStep, {
    attachTo: document.body,
    global: { plugins: [createPinia()], provide: { [API_KEY as symbol]: api } },
  });
  return { w, api };
}

/** The step after importing the sample. */
export async function imported(api = new FakeImportApi()) {
  const m = mountStep(api);
  await m.w.find('[data-testid="use-sample"]').trigger('click');
  await flushPromises();
  return m;
}

export const chartConfig = (w: ReturnType<typeof mountStep>['w']) =>
  w.findComponent(ChartCanvas).props('config') as ChartConfiguration<'line'>;
