// Creates the tiny train step on the WebGPU provider with ORT's verbose log on, so that the
// caller can read the "Node placements" section from stderr.
import * as ort from 'onnxruntime-node';
import { PRESETS } from '../../src/engine/models/patch-transformer';
import { DEFAULT_ADAMW } from '../../src/engine/train/adamw';
import { buildTrainStep } from '../../src/engine/train/train-step';

const step = buildTrainStep(
  { ...PRESETS.tiny, channels: 3, positions: process.env.POSITIONS === 'rotary' ? 'rotary' : 'learned' },
  200,
  DEFAULT_ADAMW,
);
const session = await ort.InferenceSession.create(step.model.bytes, {
  executionProviders: ['webgpu'],
  preferredOutputLocation: 'gpu-buffer',
  logSeverityLevel: 0,
  logVerbosityLevel: 0,
});
await session.release();
