/**
 * The process's warm-up (runs/warmup.ts): once per process and device, before the first run's clock
 * starts, and invisible in what runs compute and write. Timing itself is a benchmark's business
 * (bench/RESULTS.md), never a test's.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { loadSampleDataset } from '../../src/engine/data/dataset';
import { prepareRunData } from '../../src/engine/data/prepared';
import { ModelSessions } from '../../src/engine/eval/sessions';
import { PRESETS, windowLength } from '../../src/engine/models/patch-transformer';
import { Trainer } from '../../src/engine/runtime/trainer';
import { runTraining } from '../../src/engine/runs/runner';
import { warmedUp } from '../../src/engine/runs/warmup';
import { shortRunConfig } from '../helpers/run-config';

const ds = await loadSampleDataset({ rows: 3000 });
const model = { ...PRESETS.tiny, layers: 2, channels: ds.channels.length };
const data = prepareRunData(ds, windowLength(model));
const config = shortRunConfig(ds, data, model, { variant: 'baseline', steps: 12 });

/** A run folder's files, and every line of metrics.jsonl and report.json without timings and paths. */
function record(dir: string): { files: string[]; numbers: unknown[] } {
  const strip = (o: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(o).filter(([k]) => !/ms$|Ms$|^dir$|^stages$/.test(k)));
  const metrics = readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => strip(JSON.parse(l)));
  const report = JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8'));
  return {
    files: readdirSync(dir, { recursive: true }).map(String).sort(),
    numbers: [
      ...metrics,
      strip(report),
      report.stages.map((s: { wallMs: number; evalMs: number }) => ({ ...s, wallMs: 0, evalMs: 0 })),
    ],
  };
}

describe("the process's warm-up", () => {
  it('trains and evaluates once, before the first run begins, and changes none of its numbers or files', async () => {
    // What builds sessions, in order, beside the runs' own events.
    const order: string[] = [];
    const trainerCreate = Trainer.create.bind(Trainer);
    const sessionsCreate = ModelSessions.create.bind(ModelSessions);
    vi.spyOn(Trainer, 'create').mockImplementation((o) => {
      order.push(`trainer ${o.model.layers}`);
      return trainerCreate(o);
    });
    vi.spyOn(ModelSessions, 'create').mockImplementation((cfg, ...rest) => {
      order.push(`evaluation ${cfg.layers}`);
      return sessionsCreate(cfg, ...rest);
    });
    const onEvent = (e: { type: string }) => {
      if (e.type === 'stage' || e.type === 'val') order.push(e.type);
    };
    const root = mkdtempSync(path.join(os.tmpdir(), 'stacklab-warmup-'));

    expect(warmedUp('cpu')).toBe(false);
    const first = await runTraining({ config, data, dir: path.join(root, 'first'), onEvent });
    expect(warmedUp('cpu')).toBe(true);
    const firstOrder = order.splice(0);
    const second = await runTraining({ config, data, dir: path.join(root, 'second'), onEvent });
    vi.restoreAllMocks();

    // The first run: a one-layer model trained and evaluated before the run's first stage line,
    // which begins its clock; the second: the run alone.
    const run = ['stage', 'trainer 2', 'evaluation 2', 'val'];
    expect(firstOrder).toEqual(['trainer 1', 'evaluation 1', ...run]);
    expect(order).toEqual(run);
    expect(first.status).toBe('finished');
    expect(second.status).toBe('finished');
    // The same losses, evaluations and probes bit for bit, and the same files: the warm-up drew no
    // batch and no weight of the run's, and wrote nothing; nothing else was written beside the runs.
    expect(record(path.join(root, 'first'))).toEqual(record(path.join(root, 'second')));
    expect(readdirSync(root).sort()).toEqual(['first', 'second']);
  });
});
