/** The wizard's services end to end in this process: settings, import, estimate, jobs, library, resume, compare, export. */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createServices, servicesAsApi } from '../../src/engine/services';
import type { JobProgress } from '../../src/shared/jobs';
import type { Variant } from '../../src/shared/growth';
import { readModelInfo } from '../../src/engine/onnx/proto';
import { runCli } from '../../src/engine/cli';
import { capture } from '../helpers/cli';
import { appWording } from '../../src/renderer/src/model/app-wording';
import { settled } from '../helpers/jobs';
import { jobFolderName } from '../../src/engine/runs/prepare';

const tmp = (p: string) => mkdtempSync(path.join(os.tmpdir(), p));

function services() {
  const runsDir = tmp('stacklab-jobs-runs-');
  const configDir = tmp('stacklab-jobs-config-');
  const s = createServices({ host: 'cli', runsDir, configDir });
  return { s, api: servicesAsApi(s), runsDir, configDir };
}

describe('a failed import, fixed in the app', () => {
  it('shows the columns and roles of a file whose label column failed, then imports it with the role or label values changed', async () => {
    const { api } = services();
    const dir = tmp('stacklab-status-');
    const file = path.join(dir, 'line.csv');
    const rows = ['timestamp,temp,pressure,status'];
    for (let i = 0; i < 400; i++)
      rows.push(
        `2026-01-01T00:${String(Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')},${(20 + Math.sin(i / 10)).toFixed(3)},${(1 + Math.cos(i / 7)).toFixed(3)},${i % 100 < 80 ? 'RUN' : 'STOP'}`,
      );
    writeFileSync(file, `${rows.join('\n')}\n`);
    const req = { source: { kind: 'path' as const, path: file } };
    const failure = await api.invoke('data.import', req).then(
      () => null,
      (err: Error) => err.message,
    );
    expect(failure).toMatch(/the label value "RUN" is neither a number nor a known word/);
    // In the app the advice names its controls, not the CLI's options.
    expect(appWording(failure!)).toMatch(
      /Map "RUN" under Label values \(normal or abnormal\), or give the column "status" the role Event marker or Ignored in the roles table\./,
    );
    expect(appWording(failure!)).not.toMatch(/--/);
    const seen = await api.invoke('data.inspect', req);
    expect(seen!.columns.map((c) => [c.name, c.role])).toEqual([
      ['timestamp', 'timestamp'],
      ['temp', 'channel'],
      ['pressure', 'channel'],
      ['status', 'label'],
    ]);
    expect(seen!.preview.header).toEqual(['timestamp', 'temp', 'pressure', 'status']);
    expect(seen!.preview.rows[0]).toEqual(['2026-01-01T00:00:00', '20.000', '2.000', 'RUN']);
    // The status column as an event marker: the import works, with no labels.
    const asEvent = await api.invoke('data.import', { ...req, roles: { status: 'event' } });
    expect(asEvent.profile.dataset.labelRatio).toBeNull();
    expect(asEvent.columns.find((c) => c.name === 'status')!.role).toBe('event');
    // Or its values mapped: STOP is the abnormal state.
    const mapped = await api.invoke('data.import', { ...req, labelMap: { RUN: 0, Stop: 1 } });
    expect(mapped.profile.dataset.labelRatio).toBeCloseTo(0.2, 5);
    await expect(api.invoke('data.import', { ...req, labelMap: { RUN: 2 } } as never)).rejects.toThrow(
      /maps to 0 \(normal\) or 1 \(abnormal\)/,
    );
  });
});

describe('job folder names', () => {
  it('keep at most 40 characters of the name, cut between words', () => {
    const at = '2026-12-08T03:10:00.123Z';
    const long = jobFolderName(at, 'sample-plant · baseline, gradstack, midas · tiny · 2026-12-08 03:10');
    expect(long).toMatch(/^2026-12-08T03-10-00-123-[0-9a-f]{4}-sample-plant-baseline-gradstack-midas$/);
    expect(jobFolderName(at, 'Line 3')).toMatch(/-line-3$/);
    // One word longer than 40 characters is cut inside it; nothing usable is 'job'.
    expect(jobFolderName(at, 'x'.repeat(60))).toMatch(new RegExp(`-${'x'.repeat(40)}$`));
    expect(jobFolderName(at, '···')).toMatch(/-job$/);
  });
});

describe('settings', () => {
  it('defaults, saves to settings.json, and refuses a folder it cannot use', async () => {
    const { api, runsDir, configDir } = services();
    expect(await api.invoke('settings.get', {})).toEqual({
      runsDir,
      defaultDevice: 'auto',
      threads: 0,
      parallelRuns: 0,
      seedBatch: 1,
      queue: null,
    });
    const elsewhere = path.join(tmp('stacklab-jobs-'), 'my runs');
    expect(
      await api.invoke('settings.set', {
        runsDir: elsewhere,
        threads: 1,
        parallelRuns: 2,
        seedBatch: 3,
        defaultDevice: 'cpu',
      }),
    ).toEqual({
      runsDir: elsewhere,
      defaultDevice: 'cpu',
      threads: 1,
      parallelRuns: 2,
      seedBatch: 3,
      queue: null,
    });
    expect(existsSync(elsewhere)).toBe(true);
    expect(JSON.parse(readFileSync(path.join(configDir, 'settings.json'), 'utf8')).runsDir).toBe(elsewhere);
    // The thread count is passed to the sessions as a parameter, never through the environment.
    expect(process.env.STACKLAB_THREADS).toBeUndefined();
    await expect(api.invoke('settings.set', { runsDir: 'relative/runs' })).rejects.toThrow(/must be an absolute path/);
    await expect(api.invoke('settings.set', { threads: -1 } as never)).rejects.toThrow(
      /"threads" must be a whole number from 0 to 256/,
    );
    await expect(api.invoke('settings.set', { parallelRuns: 17 } as never)).rejects.toThrow(
      /"parallelRuns" must be a whole number from 0 to 16/,
    );
    await expect(api.invoke('settings.set', { seedBatch: 1.5 } as never)).rejects.toThrow(
      /"seedBatch" must be a whole number from 0 to 16/,
    );
    // A new engine process reads the saved settings.
    const again = servicesAsApi(createServices({ host: 'cli', runsDir, configDir }));
    expect((await again.invoke('settings.get', {})).runsDir).toBe(elsewhere);
    await api.invoke('settings.set', { threads: 0, parallelRuns: 0, seedBatch: 1 });
  });
});

describe('import for the wizard', () => {
  const { api } = services();

  it('reads the sample with profile, roles, preview and a thinned plot', async () => {
    const r = await api.invoke('data.import', { source: { kind: 'sample' } });
    expect(r.source).toMatch(/^sample/);
    expect(r.profile.dataset.rows).toBe(20160);
    expect(r.columns.find((c) => c.name === 'timestamp')?.role).toBe('timestamp');
    expect(r.columns.find((c) => c.name === 'label')?.role).toBe('label');
    expect(r.columns.filter((c) => c.role === 'channel')).toHaveLength(8);
    expect(r.preview.header[0]).toBe('timestamp');
    expect(r.preview.rows).toHaveLength(12);
    expect(r.preview.rows[0]).toHaveLength(r.preview.header.length);
    expect(r.plot.channels).toHaveLength(8);
    expect(r.plot.x.length).toBeLessThanOrEqual(1010);
    expect(r.plot.channels[0]!.values).toHaveLength(r.plot.x.length);
    expect(r.plot.xUnit).toBe('seconds');
    expect(r.plot.anomalies.length).toBe(6);
  });

  it('applies the roles the user chose, and says what is wrong with a bad choice or file', async () => {
    const first = await api.invoke('data.import', { source: { kind: 'sample' } });
    const channel = first.columns.find((c) => c.role === 'channel')!.name;
    const r = await api.invoke('data.import', { source: { kind: 'sample' }, roles: { [channel]: 'ignored' } });
    expect(r.columns.filter((c) => c.role === 'channel')).toHaveLength(7);
    expect(r.columns.find((c) => c.name === channel)?.role).toBe('ignored');
    expect(r.datasetId).not.toBe(first.datasetId);
    await expect(api.invoke('data.import', { source: { kind: 'sample' }, roles: { nope: 'channel' } })).rejects.toThrow(
      /no column "nope"/,
    );
    await expect(api.invoke('data.import', { source: { kind: 'path', path: '/no/such/plant.csv' } })).rejects.toThrow(
      /plant\.csv: does not exist \(ENOENT\)\. Check the path/,
    );
    await expect(api.invoke('data.import', { source: { kind: 'disk' } } as never)).rejects.toThrow(/"source" must be/);
    // Told the wrong delimiter, every line is one text field: the error names the sample, not a temporary file.
    await expect(
      api.invoke('data.import', { source: { kind: 'sample' }, delimiter: ';', fillLimit: 0 }),
    ).rejects.toThrow(
      /^sample-plant\.csv \(built-in\): has no numeric sensor column \(columns: timestamp,feed_…; delimiter ";"/,
    );
    // Told there is no header line, the names become one text row in numeric columns: missing cells, named by line.
    const noHeader = await api.invoke('data.import', { source: { kind: 'sample' }, header: false });
    expect(noHeader.profile.files[0]!.warnings.join('\n')).toMatch(
      /first text in a numeric column: "feed_flow" at line 1/,
    );
    const file = path.join(tmp('stacklab-noheader-'), 'raw.csv');
    writeFileSync(file, Array.from({ length: 50 }, (_, i) => `${i},${Math.sin(i)},${Math.cos(i)}`).join('\n'));
    const raw = await api.invoke('data.import', { source: { kind: 'path', path: file }, header: false });
    expect(raw.preview.header).toEqual(['column_1', 'column_2', 'column_3']);
    expect(raw.profile.dataset.rows).toBe(50);
  });
});

describe('training jobs', () => {
  it('trains the runs of a job two at a time when Settings say so, each as it trains alone', async () => {
    const finals = [];
    for (const parallelRuns of [2, 1]) {
      const { api } = services();
      await api.invoke('settings.set', { parallelRuns });
      const { datasetId } = await api.invoke('data.import', { source: { kind: 'sample' } });
      const plan = { datasetId, variants: ['baseline', 'midas'] as Variant[], preset: 'tiny' as const, steps: 24 };
      // When each run's progress was first and last heard: two at once overlap.
      const heard = new Map<number, [number, number]>();
      api.on('jobs.progress', (p) => {
        const now = performance.now();
        heard.set(p.run, [heard.get(p.run)?.[0] ?? now, now]);
      });
      const started = await api.invoke('jobs.start', { ...plan, seeds: 1, layers: 2, block: 1, device: 'cpu' });
      const done = await settled(api, started.id);
      expect(done.status).toBe('finished');
      const [a, b] = [heard.get(0)!, heard.get(1)!];
      expect(a[0] < b[1] && b[0] < a[1]).toBe(parallelRuns === 2);
      finals.push(done.runs.map((r) => r.finalValLoss));
    }
    expect(finals[0]).toEqual(finals[1]);
  }, 240_000);

  it("trains a variant's seeds together when Settings say so, each run in its own folder with its own results", async () => {
    const { api } = services();
    await api.invoke('settings.set', { seedBatch: 2 });
    const { datasetId } = await api.invoke('data.import', { source: { kind: 'sample' } });
    const plan = { datasetId, variants: ['baseline', 'midas'] as Variant[], preset: 'tiny' as const, steps: 24 };
    const started = await api.invoke('jobs.start', { ...plan, seeds: 2, layers: 2, block: 1, device: 'cpu' });
    const done = await settled(api, started.id);
    expect(done.status).toBe('finished');
    expect(done.runs).toHaveLength(4);
    for (const r of done.runs) {
      expect(Number.isFinite(r.finalValLoss)).toBe(true);
      const dir = path.isAbsolute(r.dir) ? r.dir : path.join(done.dir, r.dir);
      const report = JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8')) as { seedBatch?: number };
      expect(report.seedBatch).toBe(2);
    }
    await api.invoke('settings.set', { seedBatch: 1 });
  }, 240_000);

  it('estimates, trains with throttled progress, lists, compares and exports', async () => {
    const { api, runsDir } = services();
    const { datasetId } = await api.invoke('data.import', { source: { kind: 'sample' } });
    const plan = {
      datasetId,
      variants: ['baseline', 'midas'] as const,
      preset: 'tiny' as const,
      layers: 2,
      block: 1,
      steps: 30,
      seeds: 2,
      device: 'cpu' as const,
      trainFraction: 0.5,
      combine: 'max' as const,
    };
    const est = await api.invoke('train.estimate', { ...plan, variants: [...plan.variants] });
    expect(est.variants.map((v) => [v.variant, v.stages.map((s) => s.layers)])).toEqual([
      ['baseline', [2]],
      ['midas', [1, 2]],
    ]);
    expect(est.variants[1]!.relative).toBeLessThan(1);
    expect(est.totalSeconds).toBeGreaterThan(0);

    const progress: JobProgress[] = [];
    api.on('jobs.progress', (p) => progress.push(p));
    const started = await api.invoke('jobs.start', { ...plan, variants: [...plan.variants], name: 'Test job' });
    expect(started.status).toBe('running');
    expect(started.dir.startsWith(runsDir)).toBe(true);
    expect(started.runs.map((r) => `${r.name} s${r.seed}`)).toEqual([
      'baseline s1',
      'midas s1',
      'baseline s2',
      'midas s2',
    ]);
    const done = await settled(api, started.id);
    expect(done.status).toBe('finished');
    expect(done.runs.every((r) => r.status === 'finished' && r.step === 30 && r.finalValLoss! > 0)).toBe(true);
    expect(progress.some((p) => p.jobId === started.id && p.run === 3 && p.step === 30)).toBe(true);
    expect(progress.some((p) => p.name === 'midas' && p.grew && p.layers === 2)).toBe(true);
    // The split and scoring chosen in the wizard are the runs' own, recorded in config.json.
    const config = JSON.parse(readFileSync(path.join(done.runs[0]!.dir, 'config.json'), 'utf8'));
    expect(config.data.split).toMatch(/^the leading 50% of each series/);
    expect(config.data.splitOptions).toEqual({ trainFraction: 0.5 });
    expect(config.scoring).toMatchObject({ combine: 'max', threshold: 'pooled', smooth: 4 });
    expect(config.data.normalization.mode).toBe('pooled');

    const library = await api.invoke('jobs.list', {});
    expect(library.map((j) => [j.name, j.status])).toEqual([['Test job', 'finished']]);

    const history = await api.invoke('jobs.history', { dir: started.dir });
    expect(history.runs.map((r) => `${r.name} s${r.seed}`)).toEqual([
      'baseline s1',
      'midas s1',
      'baseline s2',
      'midas s2',
    ]);
    expect(history.runs[1]!.points.at(-1)!.step).toBe(30);
    expect(history.runs[1]!.growthSteps).toEqual([10]);
    expect(history.runs[0]!.growthSteps).toEqual([]);
    expect(history.runs[1]!.valPoints.length).toBeGreaterThan(0);

    const c = await api.invoke('compare.get', { dir: started.dir });
    expect(c.variants.map((v) => [v.variant, v.runs])).toEqual([
      ['baseline', 2],
      ['midas', 2],
    ]);
    const tl = await api.invoke('compare.timeline', { runDir: done.runs[1]!.dir });
    expect(tl.score.length).toBeGreaterThan(10);
    expect(tl.threshold).toBeGreaterThan(0);

    const report = await api.invoke('export.file', { kind: 'report', dir: started.dir });
    expect(report.content).toMatch(/^<!doctype html>/);
    // Named after the job ("Test job"), so several jobs' reports saved in one place stay apart.
    expect(report.name).toBe('Test-job-report.html');
    expect(path.basename(report.savedTo)).toBe('Test-job-report.html');
    expect(readFileSync(report.savedTo, 'utf8')).toBe(report.content);
    const csv = await api.invoke('export.file', { kind: 'csv', dir: started.dir });
    expect(csv.name).toBe('Test-job-comparison.csv');
    // One row per variant and detector, numbers in columns of their own.
    const lines = csv.content.trim().split('\r\n');
    expect(lines[0]).toMatch(/^detector,kind,seeds,/);
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual([
      'Baseline',
      'MIDAS',
      'random scores',
      'rolling z-score',
      'PCA reconstruction',
      'Isolation Forest',
      'alarm on every row',
      'never alarm',
    ]);
    const onnx = await api.invoke('export.file', { kind: 'onnx', dir: done.runs[1]!.dir });
    const bytes = Buffer.from(onnx.content, 'base64');
    expect(onnx.name).toBe('midas-s1.onnx');
    expect(readModelInfo(bytes).metadata.stacklab_variant).toBe('midas');
    await expect(api.invoke('export.file', { kind: 'onnx', dir: started.dir })).rejects.toThrow(/not a run folder/);
  });

  it('cancels at a checkpoint, survives a restart as an interrupted job, and resumes to the end', async () => {
    const { s, api, runsDir, configDir } = services();
    const { datasetId } = await api.invoke('data.import', { source: { kind: 'sample' } });
    const job = await api.invoke('jobs.start', {
      datasetId,
      variants: ['midas'],
      preset: 'tiny',
      layers: 2,
      block: 1,
      steps: 400,
      seeds: 1,
      device: 'cpu',
    });
    await new Promise<void>((resolve) => {
      const off = api.on('jobs.progress', (p) => p.step >= 50 && (off(), resolve()));
    });
    const cancelled = await api.invoke('jobs.cancel', { jobId: job.id });
    expect(cancelled.status).toBe('cancelled');
    const stoppedAt = cancelled.runs[0]!.step;
    expect(stoppedAt).toBeGreaterThanOrEqual(50);
    expect(stoppedAt).toBeLessThan(400);
    await expect(api.invoke('jobs.cancel', { jobId: job.id })).rejects.toThrow(/not running/);
    await s.jobs.idle();

    // The app closes (report.json of the cancelled run removed: as if it had been killed) and opens again.
    rmSync(path.join(cancelled.runs[0]!.dir, 'report.json'));
    // … killed while it trained: its lock stays behind.
    writeFileSync(
      path.join(cancelled.runs[0]!.dir, 'run.lock'),
      JSON.stringify({ pid: 2 ** 22 + 4321, host: os.hostname(), started: '2026-01-01T00:00:00Z' }),
    );
    const reopened = servicesAsApi(createServices({ host: 'cli', runsDir, configDir }));
    const [listed] = await reopened.invoke('jobs.list', {});
    expect(listed).toMatchObject({ id: job.id, status: 'interrupted' });
    expect(listed!.runs[0]).toMatchObject({ status: 'interrupted', step: stoppedAt });

    // Resume re-imports the data from job.json and continues from the checkpoint.
    const resumed = await reopened.invoke('jobs.resume', { dir: job.dir });
    expect(resumed.status).toBe('running');
    const end = await settled(reopened, job.id);
    expect(end.status).toBe('finished');
    // What the run said on the way reaches the app (and stays in job.json).
    expect(end.notes).toEqual([
      expect.stringMatching(
        /^midas s1: took over .*run\.lock: process 4198625 that held it since 2026-01-01T00:00:00Z is gone$/,
      ),
    ]);
    expect((await reopened.invoke('jobs.list', {}))[0]!.notes).toEqual(end.notes);
    const steps = readFileSync(path.join(end.runs[0]!.dir, 'metrics.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
      .filter((m) => m.type === 'train')
      .map((m) => m.step);
    // Every step logged once, in order, across the restart.
    expect(steps).toEqual([...new Set(steps)].sort((a, b) => a - b));
    expect(steps.at(-1)).toBe(400);
    // The resume wrote a stage line, but the history's growths are only the real one (1 → 2 layers).
    const history = await reopened.invoke('jobs.history', { dir: job.dir });
    expect(history.runs[0]!.growthSteps).toHaveLength(1);
  });

  it('shows a resumed run as training from its checkpoint, not as the cancelled run it was', async () => {
    const { s, api } = services();
    const { datasetId } = await api.invoke('data.import', { source: { kind: 'sample' } });
    const job = await api.invoke('jobs.start', {
      datasetId,
      variants: ['baseline'],
      preset: 'tiny',
      layers: 1,
      steps: 300,
      seeds: 2,
      device: 'cpu',
    });
    await new Promise<void>((resolve) => {
      const off = api.on('jobs.progress', (p) => p.step >= 40 && (off(), resolve()));
    });
    const cancelled = await api.invoke('jobs.cancel', { jobId: job.id });
    await s.jobs.idle();
    expect(cancelled.runs.map((r) => r.status)).toEqual(['cancelled', 'queued']);
    const resumed = await api.invoke('jobs.resume', { dir: job.dir });
    // The first run's report still says cancelled on disk: while its job trains, it is the run training.
    expect(resumed.runs.map((r) => r.status)).toEqual(['running', 'queued']);
    expect(resumed.runs[0]!.step).toBeGreaterThanOrEqual(cancelled.runs[0]!.step);
    expect((await settled(api, job.id)).status).toBe('finished');
  });

  it('renames a job while it trains: job.json and the library keep the new name', async () => {
    const { s, api } = services();
    const { datasetId } = await api.invoke('data.import', { source: { kind: 'sample' } });
    const job = await api.invoke('jobs.start', {
      datasetId,
      variants: ['baseline'],
      preset: 'tiny',
      layers: 1,
      steps: 60,
      seeds: 1,
      device: 'cpu',
    });
    expect(job.name).toMatch(/^sample plant · baseline · tiny · /);
    const renamed = await api.invoke('jobs.rename', { dir: job.dir, name: '  line 3, March trial ' });
    expect(renamed.name).toBe('line 3, March trial');
    const end = await settled(api, job.id);
    expect(end.status).toBe('finished');
    expect(JSON.parse(readFileSync(path.join(job.dir, 'job.json'), 'utf8')).name).toBe('line 3, March trial');
    expect((await api.invoke('jobs.list', {})).find((j) => j.id === job.id)!.name).toBe('line 3, March trial');
    await expect(api.invoke('jobs.rename', { dir: job.dir, name: '   ' })).rejects.toThrow(/cannot be empty/);
    await s.jobs.idle();
  });

  it('keeps the wizard session for a reload, another tab and a restart, and validates it', async () => {
    const { api, runsDir, configDir } = services();
    expect(await api.invoke('session.get', {})).toEqual({
      step: 'import',
      importRequest: null,
      plan: null,
      jobDir: null,
    });
    const plan = {
      variants: ['baseline', 'midas'] as const,
      preset: 'tiny' as const,
      seeds: 2,
      layers: 4,
      precision: 'fp16' as const,
    };
    await api.invoke('session.set', {
      step: 'variants',
      importRequest: { source: { kind: 'sample', sample: 'multi-run' } },
      plan: { ...plan, variants: [...plan.variants] },
    });
    const again = servicesAsApi(createServices({ host: 'cli', runsDir, configDir }));
    expect(await again.invoke('session.get', {})).toEqual({
      step: 'variants',
      importRequest: { source: { kind: 'sample', sample: 'multi-run' } },
      plan: { ...plan, variants: [...plan.variants] },
      jobDir: null,
    });
    await expect(again.invoke('session.set', { step: 'somewhere' } as never)).rejects.toThrow(
      /"step" must be one of import, variants, train, compare, export/,
    );
    await expect(
      again.invoke('session.set', { plan: { variants: ['nope'], preset: 'tiny', seeds: 1 } } as never),
    ).rejects.toThrow(/session.set plan: "variants"/);
    expect((await again.invoke('session.set', { importRequest: null })).importRequest).toBeNull();
    // Two changes at once (the step, and the form's debounced fields) keep both.
    await Promise.all([
      again.invoke('session.set', { step: 'train' }),
      again.invoke('session.set', { plan: { variants: ['midas'], preset: 'small', seeds: 1 } }),
    ]);
    expect(await again.invoke('session.get', {})).toMatchObject({
      step: 'train',
      plan: { variants: ['midas'], preset: 'small', seeds: 1 },
    });
  });

  it('lists a job folder of `stacklab train` and resumes it: one job model for the CLI and the app', async () => {
    const { api, runsDir } = services();
    const out = path.join(runsDir, 'from-the-cli');
    const c = capture();
    expect(
      await runCli(
        [
          'train',
          '--sample',
          '--variants',
          'baseline,midas',
          '--layers',
          '2',
          '--block',
          '1',
          '--steps',
          '30',
          '--seeds',
          '1',
          '--lr',
          '2e-3',
          '--device',
          'cpu',
          '--out',
          out,
        ],
        c.io,
      ),
      c.err.join('\n'),
    ).toBe(0);
    const file = JSON.parse(readFileSync(path.join(out, 'job.json'), 'utf8'));
    // Named by data, variants, preset and local start time, as the app names its jobs.
    expect(file.name).toMatch(/^sample plant · baseline, midas · tiny · \d{4}-\d\d-\d\d \d\d:\d\d$/);
    expect(file).toMatchObject({
      device: 'cpu',
      import: { source: { kind: 'sample', sample: 'plant' } },
      plan: { variants: ['baseline', 'midas'], preset: 'tiny', layers: 2, block: 1, steps: 30, seeds: 1, lr: 2e-3 },
    });
    expect(file.runs.map((r: { dir: string }) => r.dir)).toEqual(['baseline-s1', 'midas-s1']);
    // As if the CLI had been killed before MIDAS's report: the app lists the job and resumes it
    // from the checkpoint, which it can only do when it plans the very configs the CLI trained.
    const config = readFileSync(path.join(out, 'midas-s1', 'config.json'), 'utf8');
    rmSync(path.join(out, 'midas-s1', 'report.json'));
    const listed = (await api.invoke('jobs.list', {})).find((j) => j.dir === out)!;
    expect(listed).toMatchObject({
      status: 'interrupted',
      runs: [{ status: 'finished' }, { status: 'interrupted', step: 30 }],
    });
    const end = settled(api, listed.id);
    await api.invoke('jobs.resume', { dir: out });
    expect((await end).status).toBe('finished');
    expect(readFileSync(path.join(out, 'midas-s1', 'config.json'), 'utf8')).toBe(config);
    // A resume with other settings is refused, and job.json kept.
    const before = readFileSync(path.join(out, 'job.json'), 'utf8');
    const refused = capture();
    expect(
      await runCli(
        [
          'train',
          '--sample',
          '--variants',
          'baseline,midas',
          '--layers',
          '2',
          '--block',
          '1',
          '--steps',
          '30',
          '--seeds',
          '1',
          '--lr',
          '3e-3',
          '--device',
          'cpu',
          '--out',
          out,
          '--resume',
        ],
        refused.io,
      ),
    ).toBe(2);
    expect(refused.err.join('\n')).toMatch(
      /cannot resume .*baseline-s1: its config\.json differs from this run's settings in schedule\.lr, schedule\.final \(/,
    );
    // … before it says it trains anything.
    expect(refused.err.join('\n')).not.toMatch(/training 2 runs/);
    expect(readFileSync(path.join(out, 'job.json'), 'utf8')).toBe(before);
    // --resume checks finished runs too: one whose final checkpoint is damaged trains its end again.
    const cks = path.join(out, 'baseline-s1', 'checkpoints');
    const last = readdirSync(cks).sort().at(-1)!;
    truncateSync(path.join(cks, last), 64);
    const again = capture();
    expect(
      await runCli(
        [
          'train',
          '--sample',
          '--variants',
          'baseline,midas',
          '--layers',
          '2',
          '--block',
          '1',
          '--steps',
          '30',
          '--seeds',
          '1',
          '--lr',
          '2e-3',
          '--device',
          'cpu',
          '--out',
          out,
          '--resume',
        ],
        again.io,
      ),
      again.err.join('\n'),
    ).toBe(0);
    expect(again.err.join('\n')).toMatch(/^training 2 runs of the tiny preset/m);
    expect(again.err.join('\n')).toMatch(new RegExp(`baseline s1 +note: ${last.replace('.', '\\.')} in .* is damaged`));
    // The finished MIDAS run is kept, and said so; the baseline trained its end again.
    expect(again.err.join('\n')).toMatch(/midas s1 +finished in .* \(already finished: kept as it was\)/);
    expect(again.err.join('\n')).not.toMatch(/baseline s1 +finished in .*kept as it was/);
    // The job keeps its plan and import; the note joins it, for the run library.
    const after = JSON.parse(readFileSync(path.join(out, 'job.json'), 'utf8'));
    expect({ ...after, notes: undefined }).toEqual({ ...JSON.parse(before), notes: undefined });
    expect(after.notes).toEqual([
      expect.stringMatching(
        /^baseline s1: step-00000030\.safetensors in .* is damaged .*resuming from step-00000020\.safetensors$/,
      ),
    ]);
    // Training afresh into that folder is refused, and its job.json kept.
    const kept = readFileSync(path.join(out, 'job.json'), 'utf8');
    expect(
      await runCli(['train', '--sample', '--steps', '30', '--seeds', '1', '--device', 'cpu', '--out', out], c.io),
    ).toBe(2);
    expect(c.err.join('\n')).toMatch(
      /from-the-cli already holds a job \(job\.json\): continue it with --resume, or train into another folder/,
    );
    expect(readFileSync(path.join(out, 'job.json'), 'utf8')).toBe(kept);
  });

  it('refuses plans it cannot train, with the reason', async () => {
    const { api } = services();
    const { datasetId } = await api.invoke('data.import', { source: { kind: 'sample' } });
    await expect(
      api.invoke('jobs.start', { datasetId, variants: ['midas'], preset: 'tiny', layers: 3, block: 2, seeds: 1 }),
    ).rejects.toThrow(/not divisible by the block size/);
    await expect(
      api.invoke('jobs.start', { datasetId: 'gone', variants: ['midas'], preset: 'tiny', seeds: 1 }),
    ).rejects.toThrow(/import them again/);
    await expect(
      api.invoke('jobs.start', { datasetId, variants: [], preset: 'tiny', seeds: 1 } as never),
    ).rejects.toThrow(/"variants" must be a non-empty list/);
    await expect(api.invoke('jobs.resume', { dir: tmp('stacklab-nojob-') })).rejects.toThrow(/has no job\.json/);
  });
});
