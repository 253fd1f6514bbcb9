import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

/** Lints a snippet as if it were a file of the given layer and returns the restricted-import messages. */
async function restricted(file: string, code: string): Promise<string[]> {
  const eslint = new ESLint();
  const [result] = await eslint.lintText(code, { filePath: file });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('layer rules (ESLint no-restricted-imports)', () => {
  it.each([
    ['src/shared/x.ts', "import fs from 'node:fs'; export const a = fs;"],
    ['src/shared/x.ts', "import { createServices } from '../engine/services'; export const a = createServices;"],
    ['src/engine/x.ts', "import { app } from 'electron'; export const a = app;"],
    ['src/engine/runtime/x.ts', "import { ref } from 'vue'; export const a = ref;"],
    ['src/main/x.ts', "import * as ort from 'onnxruntime-node'; export const a = ort;"],
    ['src/preload/x.ts', "import fs from 'fs'; export const a = fs;"],
    ['src/preload/x.ts', "import { startServer } from '../engine/server/server'; export const a = startServer;"],
    ['src/renderer/src/x.ts', "import { ipcRenderer } from 'electron'; export const a = ipcRenderer;"],
    [
      'src/renderer/src/x.ts',
      "import { createServices } from '../../engine/services'; export const a = createServices;",
    ],
    ['src/renderer/src/x.ts', "import path from 'node:path'; export const a = path;"],
    // Inside the renderer: components/steps < stores < model.
    ['src/renderer/src/model/x.ts', "import { useJobStore } from '../stores/job'; export const a = useJobStore;"],
    ['src/renderer/src/model/x.ts', "import { ref } from 'vue'; export const a = ref;"],
    [
      'src/renderer/src/model/x.ts',
      "import { legendOf } from '../components/train/lossCharts'; export const a = legendOf;",
    ],
    [
      'src/renderer/src/stores/x.ts',
      "import { legendOf } from '../components/train/lossCharts'; export const a = legendOf;",
    ],
    ['src/renderer/src/stores/x.ts', "import TrainStep from '../steps/TrainStep.vue'; export const a = TrainStep;"],
    ['src/renderer/src/stores/x.ts', "import { ipcRenderer } from 'electron'; export const a = ipcRenderer;"],
    // Inside the engine: graph < models < train/inference/growth < runtime < data/eval < runs/compare < services < hosts.
    ['src/engine/graph/x.ts', "import { forward } from '../models/patch-transformer'; export const a = forward;"],
    ['src/engine/train/x.ts', "import { sessionOptions } from '../runtime/device'; export const a = sessionOptions;"],
    ['src/engine/runtime/x.ts', "import { canEvaluate } from '../eval/evaluate'; export const a = canEvaluate;"],
    ['src/engine/eval/x.ts', "import type { RunConfig } from '../runs/types'; export type A = RunConfig;"],
    [
      'src/engine/data/x.ts',
      "import { createDataService } from '../services/data'; export const a = createDataService;",
    ],
    ['src/engine/runs/x.ts', "import { runCli } from '../cli'; export const a = runCli;"],
    ['src/engine/services/x.ts', "import { startServer } from '../server/server'; export const a = startServer;"],
    ['src/engine/io/x.ts', "import { Graph } from '../graph/ir'; export const a = Graph;"],
    ['src/engine/random.ts', "import { Trainer } from './runtime/trainer'; export const a = Trainer;"],
  ])('%s may not: %s', async (file, code) => {
    expect(await restricted(file, code)).toHaveLength(1);
  });

  it.each([
    [
      'src/engine/x.ts',
      "import fs from 'node:fs'; import { validateRequest } from '../shared/ipc'; export const a = [fs, validateRequest];",
    ],
    [
      'src/main/x.ts',
      "import { app } from 'electron'; import { defaultRunsDir } from '../engine/paths'; export const a = [app, defaultRunsDir];",
    ],
    [
      'src/preload/x.ts',
      "import { contextBridge } from 'electron'; import { isRequestChannel } from '../shared/ipc'; export const a = [contextBridge, isRequestChannel];",
    ],
    [
      'src/renderer/src/x.ts',
      "import { ref } from 'vue'; import { EventHub } from '../../shared/rpc'; export const a = [ref, EventHub];",
    ],
    [
      'src/renderer/src/stores/x.ts',
      "import { defineStore } from 'pinia'; import { useApi } from '../api'; import { advanceRun } from '../model/curves'; export const a = [defineStore, useApi, advanceRun];",
    ],
    [
      'src/renderer/src/model/x.ts',
      "import { VARIANTS } from '../../../shared/growth'; import { stagesFor } from './stages'; export const a = [VARIANTS, stagesFor];",
    ],
    [
      'src/renderer/src/components/train/x.ts',
      "import { useJobStore } from '../../stores/job'; import { stagesFor } from '../../model/stages'; export const a = [useJobStore, stagesFor];",
    ],
    [
      'src/engine/runs/x.ts',
      "import { canEvaluate } from '../eval/evaluate'; import { Trainer } from '../runtime/trainer'; import { checkpointStep } from './store'; export const a = [canEvaluate, Trainer, checkpointStep];",
    ],
    // Shared modules named like engine folders are not those folders.
    [
      'src/engine/eval/x.ts',
      "import { VARIANTS } from '../../shared/growth'; import type { SeedInterval } from '../../shared/compare'; export const a = VARIANTS; export type B = SeedInterval;",
    ],
    [
      'src/engine/runtime/x.ts',
      "import { Rng } from '../random'; import type { DeviceChoice } from '../../shared/system'; export const a = Rng; export type B = DeviceChoice;",
    ],
    [
      'src/engine/eval/x.ts',
      "import type { RunData } from '../data/prepared'; import { ModelSessions } from './sessions'; export const a = ModelSessions; export type B = RunData;",
    ],
    [
      'src/engine/cli/x.ts',
      "import { createServices } from '../services'; import { startServer } from '../server/server'; export const a = [createServices, startServer];",
    ],
  ])('%s may: %s', async (file, code) => {
    expect(await restricted(file, code)).toEqual([]);
  });
});
