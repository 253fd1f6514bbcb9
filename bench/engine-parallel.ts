/**
 * `npm run bench -- parallel [--preset small] [--lab] [--layers L] [--device D] [--precision P]
 *   [--steps N] [--runs R] [--json]`
 *
 * Whether runs side by side on one device gain over one at a time (issue 25, item 3): R trainers,
 * each in a worker thread of this process with its own ORT session (on CUDA: its own stream),
 * warmed up, then timed together on N steps each; against one trainer alone. onnxruntime-node
 * runs a session on its caller's thread, so threads are the only way one process can have
 * several sessions running at once; processes sharing a GPU without MPS are time-sliced. The
 * timing is `--parallel auto`'s probe (timeTogether), at the runs' own steps per call.
 * `--lab` times the reasoning lab's token model (LAB_PRESETS, vocabulary 256) instead of the
 * sensor preset. `--seed-batch` also times the R runs as seeds batched in one trainer (one
 * session, a leading seed axis on every tensor), in this thread.
 */
import { parseArgs } from 'node:util';
import {
  LAB_PRESETS,
  PRESETS,
  type PatchTransformerConfig,
  type PresetName,
} from '../src/engine/models/patch-transformer';
import { timeTogether } from '../src/engine/runs/executor';
import { probeTrainer } from '../src/engine/runs/run-thread';
import { CUDA_STEPS_PER_CALL } from '../src/engine/runs/runner';
import { resolveDevice } from '../src/engine/runtime/resolve';
import { latchCudaTf32 } from '../src/engine/runtime/tf32';
import { allowsTf32, isPrecision, PRECISIONS } from '../src/shared/precision';
import type { DeviceChoice } from '../src/shared/system';

export async function benchParallel(argv: string[]): Promise<string> {
  const { values } = parseArgs({
    args: argv,
    options: {
      preset: { type: 'string', default: 'small' },
      lab: { type: 'boolean', default: false },
      layers: { type: 'string' },
      device: { type: 'string', default: 'cpu' },
      precision: { type: 'string', default: 'fp32' },
      steps: { type: 'string', default: '100' },
      runs: { type: 'string', default: '3' },
      'seed-batch': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const preset = values.preset as PresetName;
  if (!(preset in PRESETS)) throw new Error(`--preset must be one of ${Object.keys(PRESETS).join(', ')}`);
  if (!isPrecision(values.precision)) throw new Error(`--precision must be one of ${PRECISIONS.join(', ')}`);
  const precision = values.precision;
  latchCudaTf32(allowsTf32(precision));
  const base = values.lab ? { ...LAB_PRESETS[preset], channels: 1 } : { ...PRESETS[preset], channels: 16 };
  const model: PatchTransformerConfig = { ...base, ...(values.layers ? { layers: Number(values.layers) } : {}) };
  const device = await resolveDevice(values.device as DeviceChoice);
  const steps = Number(values.steps);
  const runs = Number(values.runs);
  if (!Number.isInteger(steps) || steps < 1)
    throw new Error(`--steps must be a positive integer, got "${values.steps}"`);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer, got "${values.runs}"`);
  const stepsPerCall = device === 'cuda' ? Math.min(CUDA_STEPS_PER_CALL, steps) : 1;
  const probe = { model, device, precision, stepsPerCall, calls: Math.ceil(steps / stepsPerCall) };
  const done = probe.calls * stepsPerCall;
  const alone = await timeTogether(probe, 1);
  const together = await timeTogether(probe, runs);
  const aloneMs = alone.wallMs / done;
  const perRunStep = together.wallMs / (done * runs);
  // Seeds batched: one trainer of `runs` seeds in this thread, warmed up by its first call.
  const batched =
    values['seed-batch'] && runs > 1
      ? await probeTrainer(
          { ...probe, seed: 1, seeds: Array.from({ length: runs }, (_, i) => i + 1) },
          () => undefined,
          Promise.resolve(true),
        )
      : null;
  const lines = [
    `parallel bench: ${values.lab ? 'lab ' : ''}${preset} (d ${model.dModel}, ${model.layers} layers, ${model.seqLen} tokens × batch ${model.batch}) on ${device} ${precision}, ${done} steps a run, ${stepsPerCall} a call`,
    `  one run alone        ${aloneMs.toFixed(2)} ms/step`,
    `  ${runs} runs in threads    ${together.each.map((m) => m.toFixed(2)).join(', ')} ms/step each; ${perRunStep.toFixed(2)} ms per run-step`,
    `  gain over one at a time: ${(aloneMs / perRunStep).toFixed(2)}x`,
    ...(batched === null
      ? []
      : [
          `  ${runs} seeds batched    ${batched.toFixed(2)} ms/step; ${(batched / runs).toFixed(2)} ms per run-step; gain over one at a time: ${((aloneMs * runs) / batched).toFixed(2)}x`,
        ]),
  ];
  if (values.json)
    lines.push(
      JSON.stringify({ model, device, precision, steps: done, runs, alone, together, batchedMsPerStep: batched }),
    );
  return lines.join('\n');
}
