/**
 * A model's evaluation sessions for one depth: the forecast graph (validation loss, probes) and
 * the scoring graph (residuals for detection), each compiled once with the weights as inputs.
 * A run builds them once per stage and feeds the weights of each validation point; emitting and
 * compiling graphs with the weights baked in cost more than the evaluation itself on small models.
 */
import * as ort from 'onnxruntime-node';
import type { ExecutionProviderName } from '../../shared/system';
import { buildInference } from '../inference/forecast';
import { buildScoringModel } from '../inference/scoring';
import { paramSpecs, type PatchTransformerConfig } from '../models/patch-transformer';
import { DeviceTensors, sessionOptions } from '../runtime/device';

/** What runs a graph over windows: `windows` in, the graph's outputs out (the weights are added). */
export interface WindowModel {
  run(feeds: Record<string, ort.Tensor>): Promise<ort.InferenceSession.OnnxValueMapType>;
}

export class ModelSessions {
  private weights: Record<string, ort.Tensor> | null = null;
  private scoringSession: Promise<ort.InferenceSession> | null = null;
  /** The weights on the device (WebGPU: GPU buffers uploaded once per set of weights, not per batch). */
  private readonly tensors: DeviceTensors;

  private constructor(
    readonly cfg: PatchTransformerConfig,
    device: ExecutionProviderName,
    private readonly options: ort.InferenceSession.SessionOptions,
    private readonly forecastSession: ort.InferenceSession,
  ) {
    this.tensors = new DeviceTensors(device);
  }

  /** Compiles the forecast graph now; the scoring graph when detection first needs it. `threads`: CPU threads (0: every core). */
  static async create(cfg: PatchTransformerConfig, device: ExecutionProviderName, threads = 0): Promise<ModelSessions> {
    const options = sessionOptions(device, { threads });
    return new ModelSessions(
      cfg,
      device,
      options,
      await ort.InferenceSession.create(buildInference(cfg, 'inputs').bytes, options),
    );
  }

  /** Sessions for one set of weights, released after `use` (a single evaluation outside a run). */
  static async with<T>(
    cfg: PatchTransformerConfig,
    device: ExecutionProviderName,
    params: ReadonlyMap<string, Float32Array>,
    use: (s: ModelSessions) => Promise<T>,
    threads = 0,
  ): Promise<T> {
    const s = await ModelSessions.create(cfg, device, threads);
    try {
      await s.setWeights(params);
      return await use(s);
    } finally {
      await s.release();
    }
  }

  /**
   * The weights every later run is fed: uploaded to the device once (WebGPU), or host tensors
   * (CPU; on CUDA the Node binding copies every input per run, so they cross once per batch).
   */
  async setWeights(params: ReadonlyMap<string, Float32Array>): Promise<void> {
    for (const t of Object.values(this.weights ?? {})) this.tensors.release(t);
    this.weights = null;
    const weights: Record<string, ort.Tensor> = {};
    for (const spec of paramSpecs(this.cfg)) {
      const values = params.get(spec.name);
      if (!values) throw new Error(`no value for parameter "${spec.name}"`);
      weights[spec.name] = await this.tensors.upload(values, spec.shape, 'float32');
    }
    this.weights = weights;
  }

  /** Next-patch forecasts: outputs `pred` and the per-window next-patch `mse`. */
  get forecast(): WindowModel {
    return { run: (feeds) => this.forecastSession.run({ ...feeds, ...this.fed() }) };
  }

  /** The scoring graph on already-normalised windows (identity normalisation and calibration): outputs `residual`, `score`. */
  async scoring(): Promise<WindowModel> {
    const c = this.cfg.channels;
    this.scoringSession ??= ort.InferenceSession.create(
      buildScoringModel(
        this.cfg,
        'inputs',
        { mean: new Array(c).fill(0), std: new Array(c).fill(1) },
        { channels: [], variant: '', run: '' },
      ).bytes,
      this.options,
    );
    const session = await this.scoringSession;
    return { run: (feeds) => session.run({ ...feeds, ...this.fed() }) };
  }

  private fed(): Record<string, ort.Tensor> {
    if (!this.weights) throw new Error('ModelSessions: setWeights before running');
    return this.weights;
  }

  /** Frees the sessions and the weights; a scoring session that failed to build has nothing to free. */
  async release(): Promise<void> {
    await this.tensors.dispose();
    this.weights = null;
    await this.forecastSession.release();
    const scoring = await this.scoringSession?.catch(() => null);
    await scoring?.release();
  }
}
