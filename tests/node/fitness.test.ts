import { existsSync, mkdtempSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDataset, loadSampleDataset, type Dataset, type Series } from '../../src/engine/data/dataset';
import { checkFitness, defaultFitness, THRESHOLD_ROWS, UnfitDataError } from '../../src/engine/data/fitness';
import { prepareRunData } from '../../src/engine/data/prepared';
import { splitSegments, type SplitOptions } from '../../src/engine/data/split';
import { planJob, resolvePlan } from '../../src/engine/runs/plan';
import type { DataCheck, DataFitness } from '../../src/shared/profile';
import { cli } from '../helpers/cli';
import { csvFolder, rows, ts } from '../helpers/csv-files';
import { describeSharedData } from '../helpers/shared-data';

/** A two-channel series; `label` null: unlabelled. */
function series(n: number, label: ((i: number) => number) | null, file = 's.csv'): Series {
  return {
    path: `/data/${file}`,
    rows: n,
    timestamps: null,
    channels: ['a', 'b'].map((name, c) => ({
      name,
      values: Float32Array.from({ length: n }, (_, i) => Math.sin(i / (5 + c)) + 0.01 * c),
    })),
    label: label ? Uint8Array.from({ length: n }, (_, i) => label(i)) : null,
    events: null,
  };
}
const dataset = (s: Series[]): Dataset => ({
  series: s,
  channels: ['a', 'b'],
  profile: {
    files: [],
    dataset: {
      files: s.length,
      series: s.length,
      rows: s.reduce((a, x) => a + x.rows, 0),
      channels: ['a', 'b'],
      labelRatio: null,
      events: 0,
      anomalyFreeFiles: [],
      warnings: [],
    },
  },
});
const checked = (ds: Dataset, windowRows = 64, options: SplitOptions = {}): DataFitness => {
  const { segments, strategy } = splitSegments(ds, options);
  return checkFitness(ds, segments, strategy, windowRows);
};
const checks = (f: DataFitness) => f.findings.map((x) => `${x.level} ${x.check}`);
const message = (f: DataFitness, check: DataCheck) => f.findings.find((x) => x.check === check)?.message ?? '';

/** TEP's fault01_test.csv in shape: 960 rows, normal for 160, then the fault to the end. */
const tepLike = (file = 'fault01_test.csv') => series(960, (i) => (i >= 160 ? 1 : 0), file);
const normal = (n: number, file: string) => series(n, () => 0, file);

describe('data fit for a comparison, checked before training', () => {
  it('refuses a test part without normal rows (the TEP case) and says where and what to change', () => {
    const f = checked(dataset([tepLike()]));
    expect(checks(f)).toEqual(['error test-no-normal', 'warning no-validation-window']);
    expect(f).toMatchObject({ testRows: 800, testAnomalies: 800, thresholdRows: 32, windowRows: 64 });
    const text = message(f, 'test-no-normal');
    expect(text).toContain('all 800 of its rows (fault01_test.csv rows 161–960) are labelled abnormal');
    expect(text).toContain('import the file together with an anomaly-free run');
    expect(message(f, 'no-validation-window')).toContain('the longest: 32 rows, fault01_test.csv');
    // Errors come first, and planning refuses them before any window is built.
    expect(() => prepareRunData(dataset([tepLike()]), 64)).toThrow(UnfitDataError);
  });

  it('takes the same file with an anomaly-free run, warning that its test part is mostly anomalous', () => {
    const ds = dataset([normal(500, 'normal_train.csv'), tepLike()]);
    const f = checked(ds);
    expect(checks(f)).toEqual(['warning test-mostly-anomalous']);
    expect(message(f, 'test-mostly-anomalous')).toMatch(
      /^The test part is 83% anomalous \(800 of its 960 rows labelled abnormal; the test part is \S+ rows 1–960\)/,
    );
    expect(message(f, 'test-mostly-anomalous')).toContain('VUS-PR and AUC-ROC');
    expect(f.thresholdRows).toBe(100);
    expect(prepareRunData(ds, 64).fitness.findings).toEqual(f.findings);
  });

  it('refuses a series abnormal from its first row: nothing to train on, nothing normal to test', () => {
    const f = checked(dataset([series(480, () => 1, 'fault01_train.csv')]));
    expect(checks(f)).toEqual(['error no-training-window', 'error test-no-normal']);
    expect(message(f, 'no-training-window')).toContain('fault01_train.csv is labelled abnormal from its first row');
  });

  it('refuses labels without an anomaly in the test part, and says how to compare by loss alone', () => {
    const f = checked(dataset([normal(2000, 'normal.csv')]));
    expect(checks(f)).toEqual(['error test-no-anomaly']);
    expect(message(f, 'test-no-anomaly')).toContain('none of its 800 rows (normal.csv rows 1201–2000)');
  });

  it('warns that unlabelled data cannot score detection, and trains on them', () => {
    const ds = dataset([series(2000, null)]);
    const f = checked(ds);
    expect(checks(f)).toEqual(['warning no-labels']);
    expect(f).toMatchObject({ testAnomalies: null, thresholdRows: null });
    expect(message(f, 'no-labels')).toContain('--labels');
    expect(prepareRunData(ds, 64).trainStarts.length).toBeGreaterThan(0);
  });

  it('names the series shorter than a window and the smaller preset that fits', () => {
    const ds = dataset([series(2000, (i) => (i >= 1500 ? 1 : 0), 'long.csv'), series(40, () => 0, 'stub.csv')]);
    const f = checked(ds);
    expect(checks(f)).toContain('error short-series');
    expect(message(f, 'short-series')).toBe(
      'stub.csv (40 rows): shorter than one window of 64 rows, so no window of it can be trained or scored. Leave these files out, or export longer runs.',
    );
    // Windows of the small preset (512 rows): the tiny one (64) fits.
    const small = checked(dataset([series(300, (i) => (i >= 250 ? 1 : 0))]), 512);
    expect(message(small, 'short-series')).toContain('choose the tiny preset (--preset tiny, a window of 64 rows)');
  });

  it(`gives the normal validation rows a 1% threshold lacks (${THRESHOLD_ROWS} needed) and how to get them`, () => {
    const ds = dataset([series(1000, (i) => (i >= 900 ? 1 : 0), 'run.csv')]);
    const few = checked(ds, 32, { trainFraction: 0.3 });
    expect(checks(few)).toEqual(['warning few-threshold-rows']);
    expect(message(few, 'few-threshold-rows')).toMatch(
      /^Only 60 normal validation rows to fit the alarm threshold on: .* needs at least 100, .* choose a larger training share \(--train-fraction\)/,
    );
    // The default split (the leading 60%: 120 validation rows) is enough.
    expect(checks(checked(ds))).toEqual([]);
  });

  it('warns about series without labels beside labelled ones (their rows count as normal)', () => {
    const ds = dataset([series(2000, (i) => (i >= 1500 ? 1 : 0), 'a.csv'), series(2000, null, 'b.csv')]);
    expect(checks(checked(ds))).toEqual(['warning unlabelled-series']);
    expect(message(checked(ds), 'unlabelled-series')).toMatch(/^1 of 2 series have no labels \(b\.csv\)/);
  });

  it('refuses unfit data as the whole plan, with its findings', () => {
    const plan = resolvePlan({ preset: 'tiny', variants: ['baseline'], seeds: 1, steps: 10 });
    const run = () => planJob(plan, dataset([tepLike()]), 'fault01_test.csv', 'cpu', os.tmpdir());
    expect(run).toThrow(UnfitDataError);
    expect(run).toThrow(/^The test part has no normal rows/);
  });

  it('finds the built-in samples fit, with nothing to warn about', async () => {
    for (const sample of ['plant', 'multi-run'] as const) {
      const f = defaultFitness(await loadSampleDataset({ sample }));
      expect(f.findings, sample).toEqual([]);
      expect(f.testAnomalies! / f.testRows, sample).toBeLessThan(0.5);
    }
  });
});

describe('stacklab import and train say it before training', () => {
  const { file } = csvFolder('stacklab-fitness-');
  const csv = file(
    'fault.csv',
    `timestamp,a,b,fault\n${rows(960, (i) => `${ts(i)},${Math.sin(i / 5).toFixed(4)},${Math.cos(i / 7).toFixed(4)},${i >= 160 ? 1 : 0}`)}\n`,
  );

  it('import prints the checks for the default plan and a JSON field', async () => {
    const r = await cli(['import', csv]);
    expect(r.code).toBe(0);
    const text = r.out.join('\n');
    // Sentences wrap to the terminal's width (here 120): read them as one line.
    expect(text.replace(/\n {2,}(?!error:)/g, ' ')).toMatch(
      /checks before training with the default plan \(windows of 64 rows; .*\): not fit for a comparison \(1 error: training refuses it\); test part 800 rows, 100% anomalous; 32 normal rows for the alarm threshold/,
    );
    expect(text).toContain('  error: The test part has no normal rows: all 800 of its rows (fault.csv rows 161–960)');
    const json = await cli(['import', csv, '--json']);
    const fitness = (JSON.parse(json.out.at(-1)!) as { fitness: DataFitness }).fitness;
    expect(fitness.findings.map((x) => x.check)).toEqual(['test-no-normal', 'no-validation-window']);
  });

  it('train refuses them before anything is written, with every finding', async () => {
    const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'stacklab-fitness-runs-')), 'job');
    const r = await cli([
      'train',
      '--data',
      csv,
      '--preset',
      'tiny',
      '--steps',
      '2',
      '--seeds',
      '1',
      '--variants',
      'baseline',
      '--device',
      'cpu',
      '--out',
      out,
    ]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^stacklab train: checks before training with this plan .*: not fit for a comparison/);
    expect(r.err).toContain('  error: The test part has no normal rows');
    expect(r.err).toContain('  warning: No validation part is as long as one window of 64 rows');
    expect(r.err).not.toContain('--train-rows N'); // not a usage error: no usage text
    expect(existsSync(out)).toBe(false);
  });
});

describeSharedData('the checks on the shared real data', (SHARED) => {
  it('TEP fault01_test.csv alone: refused (its test part is all fault)', async () => {
    const f = defaultFitness(await loadDataset(path.join(SHARED, 'tep/fault01_test.csv')));
    expect(f.findings.map((x) => x.check)).toEqual(['test-no-normal', 'no-validation-window']);
  });

  it('TEP fault01_test.csv with normal_train.csv: fit, its test part 83% anomalous', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'stacklab-tep-pair-'));
    for (const name of ['normal_train.csv', 'fault01_test.csv'])
      symlinkSync(path.join(SHARED, 'tep', name), path.join(dir, name));
    const f = defaultFitness(await loadDataset(dir));
    expect(f.findings.map((x) => x.check)).toEqual(['test-mostly-anomalous']);
    expect(f).toMatchObject({ testRows: 960, testAnomalies: 800, thresholdRows: 100 });
  });

  it('NAB machine temperature with its windows: fit, nothing to warn about', async () => {
    const f = defaultFitness(
      await loadDataset(path.join(SHARED, 'nab/machine_temperature_system_failure.csv'), {
        labels: path.join(SHARED, 'nab/machine_temperature_windows.json'),
      }),
    );
    expect(f.findings).toEqual([]);
  });
});
