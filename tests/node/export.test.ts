import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/engine/cli';
import { generateSamplePlant, samplePlantCsv } from '../../src/engine/data/sample-plant';
import { readModelInfo } from '../../src/engine/onnx/proto';
import { RunStore } from '../../src/engine/runs/store';
import { buildInference } from '../../src/engine/inference/forecast';
import { capture } from '../helpers/cli';

const dir = mkdtempSync(path.join(os.tmpdir(), 'stacklab-export-'));

describe('export and score', () => {
  it('exports a trained run as a standalone ONNX model and scores a new CSV with it', async () => {
    const c = capture();
    const runs = path.join(dir, 'runs');
    expect(
      await runCli(
        [
          'train',
          '--data',
          'sample',
          '--variants',
          'midas',
          '--layers',
          '2',
          '--block',
          '1',
          '--steps',
          '20',
          '--device',
          'cpu',
          '--out',
          runs,
        ],
        c.io,
      ),
      c.err.join('\n'),
    ).toBe(0);
    const model = path.join(dir, 'model.onnx');
    expect(await runCli(['export', '--run', path.join(runs, 'midas-s1'), '--out', model], c.io)).toBe(0);

    // A plain InferenceSession loads it; its residuals agree with the training-side loss of the same weights.
    const session = await ort.InferenceSession.create(readFileSync(model));
    expect(session.inputNames).toEqual(['windows']);
    expect(session.outputNames).toEqual(['pred', 'residual', 'contrib', 'score']);
    const meta = readModelInfo(readFileSync(model)).metadata;
    const calibration = JSON.parse(meta.stacklab_calibration!) as {
      center: number[];
      scale: number[];
      combine: string;
    };
    const report = JSON.parse(readFileSync(path.join(runs, 'midas-s1', 'report.json'), 'utf8'));
    // The calibration inside is the run's own (fitted on its normal validation rows), and so is the threshold.
    expect(calibration).toEqual(report.evaluation.calibration);
    expect(calibration.combine).toBe('mean');
    expect(Number(meta.stacklab_threshold)).toBe(report.evaluation.thresholds.pooled);
    expect(meta.stacklab_normalization).toMatch(/pooled/);
    const config = (await new RunStore(path.join(runs, 'midas-s1')).readConfig())!;
    const ck = (await new RunStore(path.join(runs, 'midas-s1')).latestCheckpoint())!;
    const cfg = { ...config.model, layers: ck.layers };
    const w = cfg.seqLen * cfg.patchLen;
    const ch = cfg.channels;
    const plant = generateSamplePlant({ rows: 400 });
    const raw = new Float32Array(w * ch);
    for (let t = 0; t < w; t++) for (let k = 0; k < ch; k++) raw[t * ch + k] = plant.channels[k]!.values[t]!;
    const scored = await session.run({ windows: new ort.Tensor('float32', raw, [1, w, ch]) });
    const score = scored.score!.data as Float32Array;
    expect(score.length).toBe(w);
    // contrib = ((residual − center) / scale)² per channel, and the score is its mean over channels.
    const contrib = scored.contrib!.data as Float32Array;
    const residual = scored.residual!.data as Float32Array;
    expect(scored.contrib!.dims).toEqual([1, w, ch]);
    const t = w - 1;
    for (let k = 0; k < ch; k++)
      expect(contrib[t * ch + k]!).toBeCloseTo(
        ((residual[t * ch + k]! - calibration.center[k]!) / calibration.scale[k]!) ** 2,
        3,
      );
    expect(score[t]!).toBeCloseTo(contrib.subarray(t * ch, (t + 1) * ch).reduce((a, b) => a + b, 0) / ch, 4);
    expect([...score.subarray(0, cfg.patchLen)]).toEqual(new Array(cfg.patchLen).fill(0));
    const norm = raw.map(
      (v, i) => (v - config.data.normalization.mean[i % ch]!) / config.data.normalization.std[i % ch]!,
    );
    const ref = await ort.InferenceSession.create(buildInference(cfg, ck.params).bytes);
    const mse = (await ref.run({ windows: new ort.Tensor('float32', norm, [1, w, ch]) })).mse!.data as Float32Array;
    const meanSquared = residual.subarray(cfg.patchLen * ch).reduce((a, b) => a + b * b, 0) / ((w - cfg.patchLen) * ch);
    expect(meanSquared).toBeCloseTo(mse.reduce((a, b) => a + b, 0) / mse.length, 5);

    const csv = path.join(dir, 'new.csv');
    writeFileSync(csv, samplePlantCsv(plant));
    const scores = path.join(dir, 'scores.csv');
    expect(await runCli(['score', '--model', model, '--data', csv, '--out', scores], c.io), c.err.join('\n')).toBe(0);
    const lines = readFileSync(scores, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('timestamp,score,alarm,label');
    expect(lines).toHaveLength(401);
    expect(lines[1]).toMatch(/^2026-01-05T00:00:00\.000Z,,,0$/);
    const context = Number(meta.stacklab_context);
    expect(context).toBe(w / 2);
    const values = lines.slice(1 + context).map((l) => l.split(','));
    expect(
      values.every(
        ([, v, a]) =>
          Number.isFinite(Number(v)) && Number(v) >= 0 && (a === '1') === Number(v) >= Number(meta.stacklab_threshold),
      ),
    ).toBe(true);

    // --calibrate-rows: standardised by the file's own first rows, so a constant offset on every
    // channel changes nothing (up to float rounding), while without it the scores move.
    const shifted = generateSamplePlant({ rows: 400 });
    for (const c2 of shifted.channels) for (let i = 0; i < c2.values.length; i++) c2.values[i]! += 50;
    const shiftedCsv = path.join(dir, 'shifted.csv');
    writeFileSync(shiftedCsv, samplePlantCsv(shifted));
    const cal = (f: string, out: string) =>
      runCli(['score', '--model', model, '--data', f, '--out', out, '--calibrate-rows', '200'], c.io);
    expect(await cal(csv, path.join(dir, 'a.csv'))).toBe(0);
    expect(await cal(shiftedCsv, path.join(dir, 'b.csv'))).toBe(0);
    const col = (f: string) =>
      readFileSync(path.join(dir, f), 'utf8')
        .trim()
        .split('\n')
        .slice(1 + context)
        .map((l) => Number(l.split(',')[1]));
    const [a, b] = [col('a.csv'), col('b.csv')];
    expect(a.every((x, i) => Math.abs(x - b[i]!) <= 2e-2 * Math.max(1, x))).toBe(true);
    expect(c.err.join('\n')).toMatch(/standardised with the first 200 rows of shifted\.csv/);
    expect(
      await runCli(
        ['score', '--model', model, '--data', csv, '--out', path.join(dir, 'c.csv'), '--calibrate-rows', '9999'],
        c.io,
      ),
    ).toBe(2);
    expect(c.err.join('\n')).toMatch(/--calibrate-rows 9999 is more than the 400 rows/);
    expect(
      await runCli(
        ['score', '--model', model, '--data', csv, '--out', path.join(dir, 'c.csv'), '--calibrate-rows', '10'],
        c.io,
      ),
    ).toBe(2);
    expect(c.err.join('\n')).toMatch(/--calibrate-rows 10 is less than one window of the model \(64 rows\)/);
    // Calibration rows that hold labelled anomalies are named.
    const faulty = generateSamplePlant({ rows: 400 });
    faulty.label.fill(1, 100, 120);
    writeFileSync(path.join(dir, 'faulty.csv'), samplePlantCsv(faulty));
    expect(
      await runCli(
        [
          'score',
          '--model',
          model,
          '--data',
          path.join(dir, 'faulty.csv'),
          '--out',
          path.join(dir, 'd.csv'),
          '--calibrate-rows',
          '200',
        ],
        c.io,
      ),
    ).toBe(0);
    expect(c.err.join('\n')).toMatch(/warning: 20 of the first 200 rows of faulty\.csv are labelled anomalies/);
  });

  it('refuses files that are not what they should be', async () => {
    const c = capture();
    const notModel = path.join(dir, 'x.onnx');
    writeFileSync(notModel, 'hello');
    expect(
      await runCli(['score', '--model', notModel, '--data', 'x.csv', '--out', path.join(dir, 'o.csv')], c.io),
    ).toBe(1);
    expect(c.err.join('\n')).toMatch(/not a StackLab scoring model/);
    expect(await runCli(['export', '--run', dir, '--out', path.join(dir, 'm.onnx')], c.io)).toBe(1);
    expect(c.err.join('\n')).toMatch(/is not a run folder/);
    expect(
      await runCli(
        ['score', '--model', path.join(dir, 'none.onnx'), '--data', 'x.csv', '--out', path.join(dir, 'o.csv')],
        c.io,
      ),
    ).toBe(1);
    expect(c.err.join('\n')).toMatch(/cannot read the model .*none\.onnx \(ENOENT\): check the path/);
  });

  it('scores one file with the channels the model reads, and says so otherwise', async () => {
    const c = capture();
    const model = path.join(dir, 'model.onnx');
    expect(await runCli(['score', '--model', model, '--data', dir, '--out', path.join(dir, 'o.csv')], c.io)).toBe(2);
    expect(c.err.join('\n')).toMatch(/is a folder; score reads one CSV file/);
    const other = path.join(dir, 'other.csv');
    writeFileSync(
      other,
      'time,x,y\n' +
        Array.from({ length: 100 }, (_, i) => `2024-01-01 00:${String(i % 60).padStart(2, '0')}:00,${i},${i % 3}`).join(
          '\n',
        ),
    );
    expect(await runCli(['score', '--model', model, '--data', other, '--out', path.join(dir, 'o.csv')], c.io)).toBe(1);
    expect(c.err.join('\n')).toMatch(
      /does not have the channels the model reads \(feed_flow, pump_speed, valve_position, outlet_flow, tank_level, pump_power, motor_temp, pressure\)/,
    );
  });

  it("calibrates another run on as many rows as the model's statistics came from, given --calibrate-rows alone", async () => {
    // The README's example: a per-series model of the multi-run sample, scoring another run.
    const c = capture();
    const job = path.join(dir, 'multi');
    const data = path.join(dir, 'multi-data');
    expect(await runCli(['import', '--sample', 'multi-run', '--write', data], c.io)).toBe(0);
    const train = ['train', '--sample', 'multi-run', '--variants', 'midas', '--seeds', '1', '--steps', '60'];
    expect(await runCli([...train, '--device', 'cpu', '--out', job], c.io), c.err.join('\n')).toBe(0);
    const model = path.join(dir, 'multi.onnx');
    const run = path.join(job, 'midas-s1');
    expect(await runCli(['export', '--run', run, '--series', 'run-07.csv', '--out', model], c.io)).toBe(0);
    const cfg = (await new RunStore(run).readConfig())!;
    const rows = cfg.data.normalization.series!.find((s) => s.name === 'run-07.csv')!.rows;
    const meta = readModelInfo(readFileSync(model)).metadata;
    expect(meta.stacklab_calibrate_rows).toBe(String(rows));
    const score = async (...extra: string[]) => {
      const out = capture();
      const argv = [
        'score',
        '--model',
        model,
        '--data',
        path.join(data, 'run-03.csv'),
        '--out',
        path.join(dir, 'm.csv'),
      ];
      expect(await runCli([...argv, ...extra], out.io), out.err.join('\n')).toBe(0);
      return out.err.join('\n');
    };
    const alarms = (err: string) => Number(/(\d+) of \d+ scored rows at or above/.exec(err)![1]);
    const alone = await score('--calibrate-rows');
    expect(alone).toContain(`standardised with the first ${rows} rows of run-03.csv`);
    expect(await score('--calibrate-rows', 'auto')).toContain(`the first ${rows} rows`);
    // Too few rows understate normal operation's spread: more alarms, and the warning names the number.
    const few = await score('--calibrate-rows', '400');
    expect(alarms(few)).toBeGreaterThan(alarms(alone));
    const none = await score();
    expect(none).toMatch(new RegExp(`--calibrate-rows \\(alone: their first ${rows} rows`));
  }, 120_000);

  it('asks for N with --calibrate-rows alone when the model records no rows (pooled statistics)', async () => {
    const c = capture();
    const model = path.join(dir, 'model.onnx');
    const argv = ['score', '--model', model, '--data', path.join(dir, 'shifted.csv'), '--out', path.join(dir, 'p.csv')];
    expect(await runCli([...argv, '--calibrate-rows'], c.io)).toBe(2);
    expect(c.err.join('\n')).toMatch(
      /does not record how many rows its statistics came from .*give --calibrate-rows N/,
    );
  });
});
