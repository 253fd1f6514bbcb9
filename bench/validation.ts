/**
 * `npm run bench -- validation [--preset tiny|small] [--points N] [--device cpu]`: milliseconds per
 * validation point (validation loss, detection on the test part, the probes) on the built-in
 * plant, with the evaluation sessions built once per stage and the weights fed at each point
 * (what runs do), against sessions built afresh at every point (what runs did before).
 */
import { parseArgs } from 'node:util';
import type { ExecutionProviderName } from '../src/shared/system';
import type { PresetName } from '../src/shared/presets';
import { loadSampleDataset, sampleSource } from '../src/engine/data/dataset';
import { canEvaluate } from '../src/engine/eval/evaluate';
import { ModelSessions } from '../src/engine/eval/sessions';
import { paramSpecs } from '../src/engine/models/patch-transformer';
import { initialValues } from '../src/engine/runtime/trainer';
import { planJob, resolvePlan } from '../src/engine/runs/plan';
import { validationPoint } from '../src/engine/runs/validation';

export async function benchValidation(argv: string[]): Promise<string> {
  const { values } = parseArgs({
    args: argv,
    options: {
      preset: { type: 'string', default: 'tiny' },
      points: { type: 'string', default: '6' },
      device: { type: 'string', default: 'cpu' },
      json: { type: 'boolean' },
    },
  });
  const device = values.device as ExecutionProviderName;
  const ds = await loadSampleDataset();
  const job = planJob(
    resolvePlan({ variants: ['baseline'], preset: values.preset as PresetName, seeds: 1 }),
    ds,
    sampleSource('plant'),
    device,
    '/unused',
  );
  const { model } = job;
  const config = job.runs[0]!.config;
  const points = Number(values.points);
  // Different weights at every point, as a run's are.
  const weights = (i: number) => new Map(paramSpecs(model).map((p) => [p.name, initialValues(p, i + 1)]));
  const timed = async (point: (i: number) => Promise<unknown>) => {
    const ms: number[] = [];
    for (let i = 0; i <= points; i++) {
      const t0 = performance.now();
      await point(i);
      ms.push(performance.now() - t0);
    }
    // The first point warms the process up: left out.
    return { mean: ms.slice(1).reduce((a, b) => a + b, 0) / points };
  };
  const fresh = await timed((i) =>
    ModelSessions.with(model, device, weights(i), async (s) => {
      if (canEvaluate(job.data)) await s.scoring();
      return validationPoint(s, job.data, config);
    }),
  );
  const b0 = performance.now();
  const sessions = await ModelSessions.create(model, device);
  if (canEvaluate(job.data)) await sessions.scoring();
  const buildMs = performance.now() - b0;
  let once;
  try {
    once = await timed(async (i) => {
      await sessions.setWeights(weights(i));
      return validationPoint(sessions, job.data, config);
    });
  } finally {
    await sessions.release();
  }
  const result = {
    preset: values.preset,
    device,
    layers: model.layers,
    valWindows: job.data.valStarts.length,
    points,
    freshMs: fresh.mean,
    onceMs: once.mean,
    buildMs,
    saving: 1 - once.mean / fresh.mean,
  };
  if (values.json) return JSON.stringify(result);
  return [
    `validation points, ${values.preset} preset (${model.layers} layers) on ${device}, built-in plant (${points} points after one warm-up):`,
    `  sessions built at every point:      ${fresh.mean.toFixed(1)} ms a point`,
    `  sessions built once, weights fed:   ${once.mean.toFixed(1)} ms a point (+ ${buildMs.toFixed(0)} ms once per stage to build them)`,
    `  saving: ${(100 * result.saving).toFixed(0)}% of each point`,
  ].join('\n');
}
